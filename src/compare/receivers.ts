/** Counting receivers for udp-compare's peer process: optionally slowed, they record sequence numbers and delays. */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { Deframer } from '../core/framing.js';
import { kernelDrops, socketInode } from '../core/kernel.js';
import { preciseNow, readStamp } from './sequence.js';

/** Options of a counting receiver. */
export interface ReceiverOptions {
  host: string;
  port: number;
  /** Busy time spent per message, in microseconds: a deliberately slow application. */
  slowUs: number;
  /** SO_RCVBUF to ask for (UDP), 0 for the default. */
  rcvbuf: number;
  /** Stop this long after the last message (UDP), in milliseconds. */
  idleMs: number;
  /** Stop after this long in any case, in milliseconds. */
  maxMs: number;
  /** Called once bound, with the real port. */
  onReady(port: number): void;
  /** Stops receiving now and reports what arrived (the sender is done, nothing more can come). */
  stop?: AbortSignal | undefined;
}

/** What a receiver saw. */
export interface ReceiverReport {
  arrivals: number[];
  /** One-way delays in milliseconds (send stamp to read), in arrival order. */
  delays: number[];
  /** When each message was read, in milliseconds after the first one, in arrival order. */
  times: number[];
  /** Read calls (datagrams for UDP, chunks for TCP). */
  reads: number;
  bytes: number;
  /** The first sizes read, to show boundaries. */
  firstSizes: number[];
  kernelDrops: number | null;
  /** Milliseconds from the first message to the last. */
  spanMs: number;
}

function spin(us: number): void {
  if (us <= 0) return;
  const end = performance.now() + us / 1000;
  for (let i = 0; i < 10_000_000 && performance.now() < end; i++);
}

function newReport(): ReceiverReport & { firstAt: number; lastAt: number } {
  return { arrivals: [], delays: [], times: [], reads: 0, bytes: 0, firstSizes: [], kernelDrops: null, spanMs: 0, firstAt: 0, lastAt: 0 };
}

function note(report: ReturnType<typeof newReport>, message: Buffer, slowUs: number): void {
  const now = preciseNow();
  const stamp = readStamp(message);
  if (stamp) {
    report.arrivals.push(stamp.seq);
    report.delays.push(now - stamp.sentAt);
  }
  if (report.firstAt === 0) report.firstAt = now;
  if (stamp) report.times.push(now - report.firstAt);
  report.lastAt = now;
  spin(slowUs);
}

function finish(report: ReturnType<typeof newReport>): ReceiverReport {
  const { firstAt, lastAt, ...rest } = report;
  return { ...rest, spanMs: lastAt - firstAt };
}

/** Receives stamped datagrams until idle or out of time. */
export function receiveUdp(options: ReceiverOptions): Promise<ReceiverReport> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
    const report = newReport();
    let idle: NodeJS.Timeout | undefined;
    let inode: string | undefined;
    const stop = (): void => {
      clearTimeout(idle);
      clearTimeout(hard);
      report.kernelDrops = kernelDrops(inode) ?? null;
      socket.close();
      resolve(finish(report));
    };
    const hard = setTimeout(stop, options.maxMs);
    options.stop?.addEventListener('abort', stop, { once: true });
    socket.on('error', reject);
    socket.on('message', (message) => {
      report.reads += 1;
      report.bytes += message.length;
      if (report.firstSizes.length < 8) report.firstSizes.push(message.length);
      note(report, message, options.slowUs);
      if (idle) idle.refresh();
      else idle = setTimeout(stop, options.idleMs);
    });
    socket.bind(options.port, options.host, () => {
      if (options.rcvbuf > 0) socket.setRecvBufferSize(options.rcvbuf);
      inode = socketInode(socket);
      options.onReady(socket.address().port);
    });
  });
}

/** Receives one TCP connection of length-framed stamped messages until the peer closes or out of time. */
export function receiveTcp(options: ReceiverOptions): Promise<ReceiverReport> {
  return new Promise((resolve, reject) => {
    const report = newReport();
    const deframer = new Deframer('length', 16 * 1024 * 1024);
    const server = createServer({ noDelay: true }, (socket) => {
      server.close();
      socket.on('data', (chunk: Buffer) => {
        report.reads += 1;
        report.bytes += chunk.length;
        if (report.firstSizes.length < 8) report.firstSizes.push(chunk.length);
        for (const message of deframer.push(chunk)) note(report, message, options.slowUs);
      });
      socket.on('error', () => undefined);
      socket.on('end', () => socket.end());
      socket.on('close', () => {
        clearTimeout(hard);
        resolve(finish(report));
      });
    });
    const end = (): void => {
      clearTimeout(hard);
      server.close();
      resolve(finish(report));
    };
    const hard = setTimeout(end, options.maxMs);
    options.stop?.addEventListener('abort', end, { once: true });
    server.on('error', reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      options.onReady(typeof address === 'object' && address ? address.port : 0);
    });
  });
}
