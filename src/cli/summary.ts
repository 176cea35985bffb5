/** The human lines a listener prints on stderr: where it listens, per-second stats, and the closing summary. */
import type { Endpoint } from '../types.js';
import type { ListenerSummary } from '../core/stats.js';
import { formatEndpoint } from '../format/endpoint.js';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `listening on udp 239.1.2.3:5005 (joined on eth0), [ff15::1]:5005 (joined on the default interface)`. */
export function groupsLine(locals: readonly Endpoint[], joins: readonly { group: string; iface?: string | undefined; source?: string | undefined }[]): string {
  const parts = locals.map((local, index) => {
    const join = joins[index % joins.length];
    const on = join?.iface === undefined ? 'the default interface' : join.iface;
    const from = join?.source === undefined ? '' : `, from ${join.source} only`;
    return `${formatEndpoint(local)} (joined on ${on}${from})`;
  });
  return `listening on udp ${parts.join(', ')}\n`;
}

/** `5006, 7000-7010`: the ports in order, runs of consecutive ports as ranges. */
export function portRanges(ports: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length; ) {
    let j = i;
    while (j + 1 < ports.length && (ports[j + 1] as number) === (ports[j] as number) + 1) j++;
    parts.push(j > i + 1 ? `${ports[i]}-${ports[j]}` : ports.slice(i, j + 1).join(', '));
    i = j + 1;
  }
  return parts.join(', ');
}

/** `listening on udp [::]:5005`: scripts read the real port from this line. */
export function listeningLine(
  listener: Pick<ListenerSummary, 'protocol' | 'local'> & { locals?: readonly Endpoint[]; echoSkipped?: readonly string[] },
  host?: string,
): string {
  const locals = listener.locals ?? [listener.local];
  const first = `listening on ${listener.protocol} ${formatEndpoint(listener.local)}`;
  const ports = [...new Set(locals.map((l) => l.port))];
  if (ports.length > 1) {
    const addresses = [...new Set(locals.map((l) => formatEndpoint({ address: l.address, port: 0 }).replace(/:0$/, '')))];
    const where = addresses.length > 1 ? ` on ${addresses.join(', ')}` : '';
    return `${first}, and port${ports.length > 2 ? 's' : ''} ${portRanges(ports.slice(1))} (${ports.length} ports${where})\n`;
  }
  const rest = locals.slice(1).map(formatEndpoint);
  const skipped = listener.echoSkipped ?? [];
  const skippedPart = skipped.length > 0 ? `; not bound, answered from the wildcard: ${skipped.join(', ')}` : '';
  if (rest.length === 0) return `${first}${skippedPart}\n`;
  if (host !== undefined) return `listening on ${listener.protocol} ${locals.map(formatEndpoint).join(' and ')} (every address of ${host})\n`;
  return `${first}, and for echo replies from the address asked on ${rest.join(', ')}${skippedPart}\n`;
}

function dropsPart(summary: ListenerSummary): string {
  if (summary.kernelDrops === undefined) return summary.protocol === 'udp' ? ', kernel drops unknown' : '';
  return `, kernel drops ${summary.kernelDrops}`;
}

/** What the output side lost: records dropped while the reader was behind, bytes left when it stopped reading. */
export interface OutputLoss {
  dropped: number;
  abandonedBytes: number;
}

function outputPart(loss: OutputLoss | undefined): string {
  if (!loss) return '';
  const dropped = loss.dropped > 0 ? `, ${plural(loss.dropped, 'record')} dropped (output blocked: the reader fell behind)` : '';
  const abandoned = loss.abandonedBytes > 0 ? `, ${plural(loss.abandonedBytes, 'byte')} of output never read` : '';
  return dropped + abandoned;
}

function echoPart(summary: ListenerSummary): string {
  const echoed = (summary.replied > 0 ? `, ${summary.replied} replied` : '') + (summary.echoed > 0 ? `, ${summary.echoed} echoed` : '');
  const suppressed =
    summary.echoSuppressed > 0 ? `, ${summary.echoSuppressed} ${summary.echoSuppressed === 1 ? 'echo' : 'echoes'} not sent (own address or over the rate bound)` : '';
  const refused =
    summary.refusedReflectors > 0 ? `, ${summary.refusedReflectors} refused ${summary.refusedReflectors === 1 ? 'reflector' : 'reflectors'} (echoes to a well-known service's port)` : '';
  const denied = summary.denied > 0 ? `, ${summary.denied} denied (--allow/--deny)` : '';
  return echoed + suppressed + refused + denied;
}

/** What the responder's regex budget did (regex-budget.ts's counts). */
export interface RegexCounts {
  /** Payloads whose regex rules ran out of their CPU budget. */
  timeouts: number;
  /** Payloads whose regex rules were skipped, their sender cooling down after one that did. */
  skipped: number;
}

function regexPart(regex: RegexCounts | undefined): string {
  if (regex === undefined || regex.timeouts === 0) return '';
  const skipped = regex.skipped > 0 ? ` (and ${regex.skipped} more not tried: their sender was cooling down)` : '';
  return `, ${plural(regex.timeouts, 'message')} over the regex CPU budget${skipped}`;
}

/** The closing summary: records, bytes, distinct senders, duration, rate, echoes, errors, kernel and output drops. */
export function summaryLine(summary: ListenerSummary, loss?: OutputLoss, regex?: RegexCounts): string {
  const unit = summary.protocol === 'udp' ? 'datagram' : 'record';
  const who = summary.protocol === 'udp' ? 'sender' : 'connection';
  const senders = `${summary.sendersExact ? '' : '≈'}${plural(summary.senders, who)}`;
  const errors = summary.errors > 0 ? `, ${plural(summary.errors, 'socket error')}` : '';
  return (
    `summary: ${plural(summary.records, unit)}, ${plural(summary.bytes, 'byte')} from ${senders} ` +
    `in ${(summary.durationMs / 1000).toFixed(3)} s (${plural(Number(summary.ratePerSec.toFixed(0)), unit)}/s)${echoPart(summary)}${regexPart(regex)}${errors}` +
    `${dropsPart(summary)}${outputPart(loss)}\n`
  );
}

/** One `--stats` line: the rate over the last interval and the totals. */
export function statsLine(now: ListenerSummary, before: ListenerSummary, intervalMs: number): string {
  const rate = ((now.records - before.records) * 1000) / intervalMs;
  const drops = now.kernelDrops === undefined ? '' : `, kernel drops ${now.kernelDrops}`;
  return `stats: ${rate.toFixed(0)}/s, total ${now.records} (${now.bytes} bytes)${drops}\n`;
}
