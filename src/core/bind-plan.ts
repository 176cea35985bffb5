/** Which address a listener binds: one given host, one family, or dual-stack `::` falling back to `0.0.0.0`. @internal */
import { resolveHost } from './resolve.js';

/** One address to try, and whether an IPv6 socket should refuse IPv4. */
export interface BindPlan {
  family: 4 | 6;
  address: string;
  ipv6Only: boolean;
}

/** The addresses to try in order; the second is used only when IPv6 is off on this machine. */
export async function bindPlans(host: string | undefined, family: 0 | 4 | 6): Promise<BindPlan[]> {
  if (host !== undefined) {
    const resolved = await resolveHost(host, family);
    return [{ family: resolved.family === 'IPv6' ? 6 : 4, address: resolved.address, ipv6Only: false }];
  }
  if (family === 4) return [{ family: 4, address: '0.0.0.0', ipv6Only: false }];
  if (family === 6) return [{ family: 6, address: '::', ipv6Only: true }];
  return [
    { family: 6, address: '::', ipv6Only: false },
    { family: 4, address: '0.0.0.0', ipv6Only: false },
  ];
}

/** Whether a bind error means "IPv6 is off here", so the IPv4 plan should be tried. */
export function isIPv6Off(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL' || code === 'EPROTONOSUPPORT';
}
