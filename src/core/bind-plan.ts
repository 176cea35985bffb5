/**
 * Which addresses a listener binds: one given address, every address of a given name, one family, or dual-stack
 * `::` falling back to `0.0.0.0`. @internal
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { errnoOf, fromSystemError } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';
import { resolveAll, resolveHost } from './resolve.js';

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
  const code = errnoOf(error);
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

/**
 * Binds what a listener was asked for: every address of a host name (the port of the first bound is used for the
 * others, so port 0 gives one port on all), else the first plan of {@link bindPlans} that works here.
 * @param portOf the port a bound `T` got
 * @throws UdpkitError from the first failure; what was bound before it is given to `release`
 */
export async function bindListener<T>(
  host: string | undefined,
  family: 0 | 4 | 6,
  port: number,
  what: string,
  attempt: (plan: BindPlan, port: number) => Promise<T>,
  portOf: (bound: T) => number,
  release: (bound: T) => void,
): Promise<T[]> {
  if (host === undefined || isIP(host) !== 0) {
    const plans = await bindPlans(host, family);
    return [await bindFirst(plans, port, what, (plan) => attempt(plan, port))];
  }
  const addresses = await resolveAll(host, family);
  const bound: T[] = [];
  let chosen = port;
  for (const resolved of addresses) {
    const v6 = resolved.family === 'IPv6';
    const plan: BindPlan = { family: v6 ? 6 : 4, address: resolved.address, ipv6Only: v6 };
    try {
      const made = await attempt(plan, chosen);
      bound.push(made);
      chosen = portOf(made);
    } catch (error) {
      for (const made of bound) release(made);
      throw fromSystemError(error, `${what} ${formatEndpoint({ address: plan.address, port: chosen })} (an address of ${host})`);
    }
  }
  return bound;
}

/**
 * The addresses configured on this host's interfaces now, of the families a wildcard socket of `family` hears:
 * where an echo must be able to answer from. IPv6 link-local addresses carry their `%interface` zone.
 */
export function interfaceAddresses(family: 4 | 6, dualStack: boolean): BindPlan[] {
  const plans: BindPlan[] = [];
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    for (const info of infos ?? []) {
      const v6 = info.family === 'IPv6';
      if (v6 ? family !== 6 : family !== 4 && !dualStack) continue;
      const address = v6 && info.address.toLowerCase().startsWith('fe80:') ? `${info.address}%${name}` : info.address;
      plans.push({ family: v6 ? 6 : 4, address, ipv6Only: v6 });
    }
  }
  return plans;
}

/**
 * Binds every port in turn with `bindPort`, all into one list; when one fails, what was bound before is released
 * and the failure thrown (a listener has all its ports or none).
 */
export async function bindPorts<T>(ports: readonly number[], bindPort: (port: number) => Promise<T[]>, release: (bound: T) => void): Promise<T[]> {
  const bound: T[] = [];
  for (const port of ports) {
    try {
      bound.push(...(await bindPort(port)));
    } catch (error) {
      for (const made of bound) release(made);
      throw error;
    }
  }
  return bound;
}
