/** The checks of `udp-send --expect` and `--script` on the command line: what they take, and what they cannot go with. */
import { parseMatch, type Matcher } from '../respond/match.js';
import { show } from '../format/show.js';

/** The --expect MATCHes, parsed; a bad one is a problem naming it. */
export function expectations(raw: string | string[] | undefined, problem: (message: string) => void): Matcher[] {
  const texts = typeof raw === 'string' ? [raw] : (raw ?? []);
  return texts.flatMap((text) => {
    try {
      return [parseMatch(text, '--expect')];
    } catch (error) {
      problem((error as Error).message);
      return [];
    }
  });
}

/** What --expect and --script cannot go with (`message` as given: `-` for stdin). */
export function conversationProblems(
  args: { script?: string | undefined; wait?: number | undefined; message?: string | undefined; count?: number | undefined } & Record<string, unknown>,
  expecting: boolean,
  problem: (message: string) => void,
): void {
  const flag = args.script !== undefined ? '--script' : expecting ? '--expect' : undefined;
  if (flag === undefined) return;
  if (expecting && args.script !== undefined) problem('--expect and --script cannot be used together: put the expectations in the script');
  if (expecting && args.wait === undefined) problem('--expect needs --wait: how long to wait for each reply (e.g. -w 1s)');
  if (args.script !== undefined && args.message !== undefined) problem(`--script sends the script's steps, not a MESSAGE argument (got ${show(args.message)})`);
  if (args.script !== undefined && args.count !== undefined) problem('--count does not apply to --script: write the steps out');
  const others = ['lines', 'pcap', 'rate', 'interval', 'duration', 'connect', 'broadcast', 'json'].filter((k) => args[k] !== undefined && args[k] !== false);
  if (others.length > 0) problem(`--${others[0]} cannot go with ${flag}`);
}
