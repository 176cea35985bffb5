/** The echo pair udp-compare measures against: udpkit's own echo listeners in this process, or a remote pair. */
import { listenTcp, type TcpListener } from '../core/tcp-listener.js';
import { listen, type UdpListener } from '../core/udp-listener.js';
import { resolveHost } from '../core/resolve.js';
import { isLocalAddress } from '../core/local-address.js';
import type { EchoTarget } from './types.js';

/** An echo target and how to stop it. */
export interface RunningTarget {
  target: EchoTarget;
  close(): Promise<void>;
}

/** Starts `udp-listen --echo` and `udp-listen --tcp --echo` equivalents on loopback ports chosen by the system. */
export async function startLocalTarget(): Promise<RunningTarget> {
  const udp: UdpListener = await listen({ port: 0, host: '127.0.0.1', echo: true, echoRate: 0 }, () => undefined);
  let tcp: TcpListener;
  try {
    tcp = await listenTcp({ port: 0, host: '127.0.0.1', echo: true }, () => undefined);
  } catch (error) {
    await udp.close();
    throw error;
  }
  return {
    target: { host: '127.0.0.1', family: 'IPv4', udpPort: udp.local.port, tcpPort: tcp.local.port, local: true, thisHost: true },
    close: async () => {
      await Promise.all([udp.close(), tcp.close()]);
    },
  };
}

/** A remote pair started with `udp-listen --echo PORT` and `udp-listen --tcp --echo PORT`. */
export async function remoteTarget(host: string, port: number): Promise<RunningTarget> {
  const resolved = await resolveHost(host);
  return {
    target: { host: resolved.address, family: resolved.family, udpPort: port, tcpPort: port, local: false, thisHost: isLocalAddress(resolved.address) },
    close: () => Promise.resolve(),
  };
}
