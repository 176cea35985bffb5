/**
 * What keeps an echo listener from becoming a loop or an amplifier: it never answers its own address and port
 * (a spoofed datagram would make it talk to itself forever), and answers each sender at a bounded rate (two
 * echo listeners spoofed at each other ping-pong at that rate, not at wire speed). @internal
 */
import { isLocalAddress, localAddresses } from './local-address.js';

/**
 * Echoes per second per sender when none is given; a burst of as many is allowed. A loop between two echo
 * servers runs faster than this wherever their round trip is under a millisecond, so the bound breaks it.
 */
export const DEFAULT_ECHO_RATE = 1000;

/**
 * Source ports of well-known services that answer whatever they get (echo 7, daytime 13, qotd 17, chargen 19, time
 * 37, DNS 53, TFTP 69, portmap 111, NTP 123, NetBIOS 137, SNMP 161, CLDAP 389, SSDP 1900, mDNS 5353, memcached
 * 11211) and port 0: a spoofed datagram "from" one of them would make the echo and the service answer each other
 * forever, or make the echo a step of an amplification. Echoes to them are refused unless asked for.
 */
export const REFLECTOR_PORTS: ReadonlySet<number> = new Set([0, 7, 13, 17, 19, 37, 53, 69, 111, 123, 137, 161, 389, 1900, 5353, 11211]);

/** Senders whose buckets are kept; the oldest is forgotten past this (a forgotten sender starts with a full bucket). */
const MAX_TRACKED = 4096;

interface Bucket {
  tokens: number;
  at: number;
}

/** Decides, per datagram, whether an echo may be sent. */
export class EchoGuard {
  private readonly buckets = new Map<string, Bucket>();
  private readonly local: Set<string>;

  /**
   * @param ports the listener's own ports
   * @param rate echoes per second per sender (0: no bound)
   * @param anyPort echo to the {@link REFLECTOR_PORTS} too
   */
  constructor(
    private readonly ports: ReadonlySet<number>,
    private readonly rate: number = DEFAULT_ECHO_RATE,
    private readonly anyPort = false,
  ) {
    this.local = localAddresses();
  }

  /** True when an echo to source port `port` is refused: a well-known reflector's port, unless any port is allowed. */
  refuses(port: number): boolean {
    return !this.anyPort && REFLECTOR_PORTS.has(port);
  }

  /** Whether `address` is this host, by the addresses it had when the guard was made. */
  isLocal(address: string): boolean {
    return isLocalAddress(address, this.local);
  }

  /** True when an echo to `address`:`port` (unmapped) may be sent at `nowMs` (monotonic). */
  allow(address: string, port: number, nowMs: number): boolean {
    if (this.ports.has(port) && this.isLocal(address)) return false;
    if (this.rate <= 0) return true;
    const key = `${address}|${port}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = { tokens: this.rate, at: nowMs };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.rate, bucket.tokens + ((nowMs - bucket.at) * this.rate) / 1000);
      bucket.at = nowMs;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
