/** The checks of udp-listen's arguments that need more than a schema: groups to join, allow/deny lists, --respond rules. */
import type { ListenConfig } from './listen-args.js';
import { addIssue, type TransformContext } from '../core/schemas.js';
import { show } from '../format/show.js';
import { isMulticastAddress } from '../core/multicast.js';
import { cidrLists } from './allow-deny.js';
import { parseRuleLine, type Rule } from '../respond/rules.js';

/** The flags that harden a reflector, as given. */
export interface HardeningArgs {
  allow?: string | string[] | undefined;
  deny?: string | string[] | undefined;
  'echo-any-port'?: boolean | undefined;
  echo?: boolean | undefined;
  respond?: string | string[] | undefined;
  'respond-file'?: string | undefined;
}

/** --allow and --deny (each CIDR parsed, a bad one named) and --echo-any-port (with --echo or --respond only). */
export function hardening(args: HardeningArgs, ctx: TransformContext): Pick<ListenConfig, 'allow' | 'deny' | 'echoAnyPort'> {
  const answers = args.echo === true || args.respond !== undefined || args['respond-file'] !== undefined;
  if (args['echo-any-port'] === true && !answers) addIssue(ctx, '--echo-any-port works with --echo or --respond only');
  return { ...cidrLists(args, ctx), echoAnyPort: args['echo-any-port'] === true };
}

/** Each `--join GROUP[@IFACE]` as a group to join (with the --source-filter, if any); a bad one is an issue naming it. */
export function groupJoins(joins: readonly string[], source: string | undefined, ctx: Parameters<typeof addIssue>[0]): ListenConfig['join'] {
  return joins.flatMap((spec) => {
    const at = spec.lastIndexOf('@');
    const rawGroup = at < 0 ? spec : spec.slice(0, at);
    const group = /^\[.*\]$/.test(rawGroup) ? rawGroup.slice(1, -1) : rawGroup;
    const iface = at < 0 ? undefined : spec.slice(at + 1);
    if (!isMulticastAddress(group)) {
      addIssue(ctx, `invalid --join ${show(spec)}: expected a multicast group (224.0.0.0/4 or ff00::/8), optionally @INTERFACE`);
      return [];
    }
    if (iface === '') {
      addIssue(ctx, `invalid --join ${show(spec)}: name the interface after @, or leave out the @`);
      return [];
    }
    return [{ group, iface, source }];
  });
}

/** The --respond rules, parsed; a bad one is an issue naming it. */
export function respondRules(raw: string | string[] | undefined, ctx: Parameters<typeof addIssue>[0]): Rule[] {
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
