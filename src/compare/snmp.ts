/** Host-wide packet counters from /proc/net/snmp: TCP segments and UDP datagrams sent. */
import { readFileSync } from 'node:fs';

/** Segments and datagrams this host has sent so far, or undefined where /proc/net/snmp cannot be read. */
export function packetCounters(): { tcpOutSegs: number; udpOutDatagrams: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/net/snmp', 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const field = (proto: string, name: string): number => {
    const rows = lines.filter((line) => line.startsWith(`${proto}: `));
    const header = rows[0]?.split(/\s+/) ?? [];
    const values = rows[1]?.split(/\s+/) ?? [];
    return Number(values[header.indexOf(name)]);
  };
  const tcpOutSegs = field('Tcp', 'OutSegs');
  const udpOutDatagrams = field('Udp', 'OutDatagrams');
  return Number.isFinite(tcpOutSegs) && Number.isFinite(udpOutDatagrams) ? { tcpOutSegs, udpOutDatagrams } : undefined;
}
