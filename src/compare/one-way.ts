/** One-way runs: a numbered workload from a sender to a counting receiver process, and the accounting of it. */
import { blastTcp, blastUdp, type BlastResult } from './blast.js';
import { startPeer } from './peer-process.js';
import type { ReceiverReport } from './receivers.js';
import { accountSequence, type SequenceAccount } from './sequence.js';

/** A receiver stops this long after its last message. */
const RECEIVER_IDLE_MS = 400;

/** Options of {@link oneWay}. */
export interface OneWayOptions {
  protocol: 'udp' | 'tcp';
  /** The receiver's address (bound by the receiver, sent to by the sender). */
  host: string;
  count: number;
  size: number;
  /** Messages per second, 0 for unpaced. */
  rate: number;
  /** Receiver busy time per message, in microseconds. */
  slowUs?: number;
  /** Receiver SO_RCVBUF (UDP). */
  rcvbuf?: number;
  /** Run the receiver under this wrapper (e.g. `ip netns exec B`). */
  recvWrapper?: string[];
  /** Run the sender as a peer process under this wrapper, instead of in this process. */
  sendWrapper?: string[];
  /** A relay started between sender and receiver (udp-proxy): given the receiver's port, the port to send to. */
  via?: (receiverPort: number) => Promise<{ port: number; close(): Promise<unknown> }>;
}

/** What a one-way run measured. */
export interface OneWayResult {
  blast: BlastResult;
  receiver: ReceiverReport;
  account: SequenceAccount;
}

/** Starts a counting receiver, sends the workload to it, and counts what arrived. */
export async function oneWay(options: OneWayOptions): Promise<OneWayResult> {
  const budgetMs = 60_000;
  const receiver = await startPeer<ReceiverReport>(
    [
      `${options.protocol}-recv`,
      '--host',
      options.host,
      '--slow-us',
      String(options.slowUs ?? 0),
      '--rcvbuf',
      String(options.rcvbuf ?? 0),
      '--idle-ms',
      String(RECEIVER_IDLE_MS),
      '--max-ms',
      String(budgetMs),
    ],
    { receiver: true, wrapper: options.recvWrapper, maxMs: budgetMs + 5000 },
  );
  const relay = await options.via?.(receiver.port);
  const port = relay?.port ?? receiver.port;
  try {
    const blastOptions = { host: options.host, port, count: options.count, size: options.size, rate: options.rate };
    let blast: BlastResult;
    if (options.sendWrapper) {
      const args = [`${options.protocol}-send`, '--host', options.host, '--port', String(port), '--count', String(options.count)];
      args.push('--size', String(options.size), '--rate', String(options.rate));
      const sender = await startPeer<BlastResult>(args, { receiver: false, wrapper: options.sendWrapper, maxMs: budgetMs });
      blast = await sender.result;
    } else {
      blast = options.protocol === 'udp' ? await blastUdp(blastOptions) : await blastTcp(blastOptions);
    }
    // The sender is done. A receiver that heard nothing (100% loss, a connect that never completed) would wait
    // out its whole budget: past its idle spell and a margin, ask it to report what arrived.
    const grace = setTimeout(() => receiver.stop(), RECEIVER_IDLE_MS + 1500);
    const report = await receiver.result.finally(() => clearTimeout(grace));
    return { blast, receiver: report, account: accountSequence(report.arrivals, options.count) };
  } finally {
    receiver.kill();
    await relay?.close();
  }
}
