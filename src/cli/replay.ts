/**
 * `udp-send --pcap FILE`: the UDP payloads of a capture, replayed to a new destination with the capture's own
 * timing (as tcpreplay and Packet Sender do for UDP), or paced by --rate. The whole file is parsed first:
 * nothing is sent from a capture that does not parse.
 */
import { UdpkitError } from '../errors.js';
import { unreadable } from './file-errors.js';
import { readCapture, type CaptureContents, type CapturedDatagram } from '../format/pcap-read.js';
import { sleep } from '../clock.js';
import { show } from '../format/show.js';

/** The largest capture read: it is read whole, to be checked before anything is sent. */
export const MAX_CAPTURE_BYTES = 256 * 1024 * 1024;

/** A capture's datagrams, those of one port when asked, and what was left out. */
export interface Replay extends CaptureContents {
  /** Datagrams of the capture that --pcap-filter left out. */
  filteredOut: number;
}

/**
 * Reads and checks the capture, keeping the datagrams to or from `port` when given.
 * @throws UdpkitError E_NO_INPUT (missing, unreadable), E_DATA (not a capture, cut short, too large, no datagram)
 */
export async function loadReplay(path: string, port: number | undefined): Promise<Replay> {
  const { open } = await import('node:fs/promises');
  let file: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const { size, isDirectory } = await handle.stat().then((s) => ({ size: s.size, isDirectory: s.isDirectory() }));
      if (isDirectory) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (size > MAX_CAPTURE_BYTES) {
        throw new UdpkitError('E_DATA', `--pcap ${show(path)} is ${size} bytes, over the ${MAX_CAPTURE_BYTES} read: cut it first (editcap -c, tshark -c)`);
      }
      file = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadable(error, `cannot read --pcap ${show(path)}`);
  }
  const contents = readCapture(file, `--pcap ${show(path)}`);
  const kept = port === undefined ? contents.datagrams : contents.datagrams.filter((d) => d.srcPort === port || d.dstPort === port);
  if (kept.length === 0) {
    const which = port === undefined ? 'no UDP datagram' : `no UDP datagram to or from port ${port} (of ${contents.datagrams.length})`;
    throw new UdpkitError('E_DATA', `--pcap ${show(path)} holds ${which}: nothing to send`);
  }
  return { ...contents, datagrams: kept, filteredOut: contents.datagrams.length - kept.length };
}

/**
 * The payloads in capture order. With `timed`, each waits until its capture time (relative to the first) has passed
 * since the replay began; a gap is never shortened, a backwards step in the capture's clock is sent at once.
 */
export async function* replayPayloads(datagrams: readonly CapturedDatagram[], timed: boolean, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const first = datagrams[0]?.time ?? 0;
  const start = Number(process.hrtime.bigint()) / 1e6;
  for (const datagram of datagrams) {
    if (timed) {
      for (let turn = 0; turn < 10_000 && signal?.aborted !== true; turn++) {
        const wait = start + (datagram.time - first) - Number(process.hrtime.bigint()) / 1e6;
        if (wait <= 0) break;
        await sleep(wait, signal);
      }
    }
    if (signal?.aborted === true) return;
    yield datagram.payload;
  }
}
