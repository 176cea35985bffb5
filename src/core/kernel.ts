/** What the Linux kernel knows about a UDP socket: its receive-buffer ceiling and the datagrams it dropped. */
import { readFileSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:dgram';

/** The kernel's ceiling for SO_RCVBUF (`net.core.rmem_max`), or undefined where it cannot be read. */
export function rmemMax(): number | undefined {
  try {
    const value = Number.parseInt(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'), 10);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The file descriptor under a dgram socket, read without the deprecated `_handle`. @internal */
export function socketFd(socket: Socket): number | undefined {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (!symbol) return undefined;
  const state = (socket as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[symbol];
  const fd = state?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** The inode of a socket's file descriptor (`socket:[12345]`), which names it in `/proc/net/udp`. @internal */
export function socketInode(socket: Socket): string | undefined {
  const fd = socketFd(socket);
  if (fd === undefined) return undefined;
  try {
    return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Datagrams the kernel dropped for this socket because its receive buffer was full
 * (the `drops` column of `/proc/net/udp` and `/proc/net/udp6`), or undefined off Linux.
 */
export function kernelDrops(inode: string | undefined): number | undefined {
  if (inode === undefined) return undefined;
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const columns = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      if (columns[9] === inode) {
        const drops = Number(columns[12]);
        return Number.isFinite(drops) ? drops : undefined;
      }
    }
  }
  return undefined;
}
