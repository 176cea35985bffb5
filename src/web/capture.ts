/** "Capture now": the last datagrams in the web view's ring as a pcap file, the same bytes `--pcap` writes. */
import { pcapFileHeader, pcapRecord } from '../format/pcap.js';
import { likelyDestination } from '../format/pcap-destination.js';
import type { RecordRing } from './ring.js';

/** The last `n` datagrams heard (not those the send box sent) still in `ring`, as one pcap file. */
export function capturePcap(ring: RecordRing, n: number): { pcap: Buffer; datagrams: number } {
  const parts: Buffer[] = [pcapFileHeader()];
  const picked = [];
  for (let id = ring.next - 1; id >= ring.first && picked.length < n; id--) {
    const entry = ring.get(id);
    if (entry?.kind === 'datagram') picked.push(entry.record);
  }
  const destinations = new Map<string, string>();
  for (const record of picked.reverse()) {
    let dst = destinations.get(record.from.address);
    if (dst === undefined) {
      dst = likelyDestination(record.from.address, record.local);
      destinations.set(record.from.address, dst);
    }
    parts.push(pcapRecord({ time: record.time, src: record.from.address, srcPort: record.from.port, dst, dstPort: record.local.port, payload: record.payload }));
  }
  return { pcap: Buffer.concat(parts), datagrams: picked.length };
}
