/** `--allow CIDR` and `--deny CIDR` on the command line (udp-listen, udp-proxy): each CIDR parsed, a bad one named. */
import { addIssue, type TransformContext } from '../core/schemas.js';
import { parseCidr } from '../core/address-filter.js';

/** The flags as yargs gives them: one value or several. */
export interface AllowDenyArgs {
  allow?: string | string[] | undefined;
  deny?: string | string[] | undefined;
}

/** --allow and --deny as lists, each CIDR parsed and a bad one named (udp-listen and udp-proxy). */
export function cidrLists(args: AllowDenyArgs, ctx: TransformContext): { allow: string[]; deny: string[] } {
  const cidrs = (flag: 'allow' | 'deny'): string[] => {
    const given = args[flag];
    const list = typeof given === 'string' ? [given] : (given ?? []);
    for (const cidr of list) {
      try {
        parseCidr(cidr, `--${flag}`);
      } catch (error) {
        addIssue(ctx, (error as Error).message);
      }
    }
    return list;
  };
  return { allow: cidrs('allow'), deny: cidrs('deny') };
}
