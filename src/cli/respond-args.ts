/** The responder's flags of `udp-listen` (`--respond`, `--respond-file`) checked once, as listen-args.ts checks the rest. */
import { addIssue } from '../core/schemas.js';
import { parseRuleLine, type Rule } from '../respond/rules.js';

/** The flags of the responder, as given. */
interface RespondArgs {
  respond?: string | string[] | undefined;
  'respond-file'?: string | undefined;
  'echo-rate'?: number | undefined;
  echo?: boolean | undefined;
}

/** --respond (each rule parsed, a bad one named) and --respond-file; --echo-rate with --echo or rules only. */
export function responding(args: RespondArgs, ctx: Parameters<typeof addIssue>[0]): { respond: Rule[]; respondFile: string | undefined } {
  const respond = respondRules(args.respond, ctx);
  const answers = args.echo === true || respond.length > 0 || args['respond-file'] !== undefined;
  if (args['echo-rate'] !== undefined && !answers) addIssue(ctx, '--echo-rate works with --echo or --respond only');
  return { respond, respondFile: args['respond-file'] };
}

/** The --respond rules, parsed; a bad one is an issue naming it. */
function respondRules(raw: string | string[] | undefined, ctx: Parameters<typeof addIssue>[0]): Rule[] {
  const lines = typeof raw === 'string' ? [raw] : (raw ?? []);
  return lines.flatMap((line) => {
    try {
      return [parseRuleLine(line)];
    } catch (error) {
      addIssue(ctx, (error as Error).message);
      return [];
    }
  });
}
