/** Which address a listener binds: one given host, one family, or dual-stack `::` falling back to `0.0.0.0`. @internal */
import { fromSystemError } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';
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

/**
 * Tries each plan in turn with `attempt`; moves on from a failure only when it means IPv6 is off here.
 * @param what how the failure message starts, e.g. `cannot bind udp`
 * @throws UdpkitError from the failure that ended the attempts
 */
export async function bindFirst<T>(plans: BindPlan[], port: number, what: string, attempt: (plan: BindPlan) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (const [index, plan] of plans.entries()) {
    try {
      return await attempt(plan);
    } catch (error) {
      lastError = error;
      if (!(isIPv6Off(error) && index < plans.length - 1)) {
        throw fromSystemError(error, `${what} ${formatEndpoint({ address: plan.address, port })}`);
      }
    }
  }
  throw fromSystemError(lastError, `${what} port ${port}`);
}
