/** A UDP socket for the comparison's own clients: bound before it is used, and a bind that fails rejects. */
import { createSocket, type Socket } from 'node:dgram';
import { formatEndpoint } from '../format/endpoint.js';
import { fromSystemError } from '../errors.js';
import type { Family } from '../types.js';

/** Where to bind: an address of this host (default: every address of the family) and a port (default: any free). */
export interface LocalBind {
  address?: string | undefined;
  port?: number | undefined;
}

/**
 * Opens a UDP socket of `family` and binds it.
 * @throws UdpkitError when the bind fails (E_ADDR_IN_USE, E_UNAVAILABLE for an address not on this host, …),
 * naming the address and port; the socket is closed then.
 */
export async function openUdpSocket(family: Family, local: LocalBind = {}): Promise<Socket> {
  const socket = createSocket(family === 'IPv6' ? 'udp6' : 'udp4');
  const port = local.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    // Until the bind settles, an error is the bind's: it rejects. A listener that swallowed it would leave the
    // bind callback uncalled and the caller waiting forever.
    const failed = (error: Error): void => {
      try {
        socket.close();
      } catch {
        // Already closed by dgram: nothing is left to release.
      }
      const address = local.address ?? (family === 'IPv6' ? '::' : '0.0.0.0');
      reject(fromSystemError(error, `cannot bind udp ${formatEndpoint({ address, port })}`));
    };
    socket.once('error', failed);
    socket.bind(port, local.address, () => {
      socket.off('error', failed);
      resolve();
    });
  });
  // Bound. A send without a callback reports its failure as an 'error' event: the caller sees it as a reply that
  // never came (a timeout, a loss), where an unheard 'error' would end the process.
  socket.on('error', () => undefined);
  return socket;
}
