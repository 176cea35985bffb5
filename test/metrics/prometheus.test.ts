/**
 * A real Prometheus scrapes `udp-probe --metrics` and `udp-listen --metrics`; its HTTP API then holds the probe's
 * counters and RTT buckets and the listener's datagram count, agreeing with what was sent.
 */
import { describe, expect, it } from 'vitest';
import { listening, startBin, waitFor } from '../helpers.js';
import { prometheusMissing, scalar, startPrometheus } from './prometheus.js';

const missing = prometheusMissing();
if (missing !== undefined) console.log(`skipping the Prometheus scrape test: ${missing}`);

/** The port of a bin's `metrics on http://127.0.0.1:PORT/metrics` line. */
async function metricsPort(run: ReturnType<typeof startBin>): Promise<number> {
  const match = await run.stderr.waitFor(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics\n/);
  return Number(match[1]);
}

describe.skipIf(missing !== undefined)('Prometheus scrapes udp-probe and udp-listen', () => {
  it('finds the counters, the RTT histogram and the listener count, agreeing with what was sent', { timeout: 60_000 }, async () => {
    const echo = startBin('udp-listen', ['--echo', '--host', '127.0.0.1', '--metrics', '0', '0']);
    const echoPort = await listening(echo);
    const listenMetrics = await metricsPort(echo);
    const target = `127.0.0.1:${echoPort}`;
    const prober = startBin('udp-probe', ['--interval', '10ms', '--timeout', '500ms', '--report', '1h', '--metrics', '0', target]);
    const probeMetrics = await metricsPort(prober);
    const prom = await startPrometheus({ probe: `127.0.0.1:${probeMetrics}`, listen: `127.0.0.1:${listenMetrics}` });
    const sel = `{job="probe",target="${target}",protocol="udp"}`;
    // A few scrapes of both, the prober still running.
    await waitFor(async () => ((await scalar(prom, `count_over_time(udpkit_probe_sent_total${sel}[1m])`)) ?? 0) >= 3, { what: 'three scrapes of udp-probe', timeoutMs: 20_000, intervalMs: 250 });
    // One evaluation: every series from the same scrape.
    const sent = (await scalar(prom, `udpkit_probe_sent_total${sel}`)) ?? 0;
    const received = (await scalar(prom, `udpkit_probe_received_total${sel}`)) ?? 0;
    expect(sent).toBeGreaterThan(100);
    // In flight at the scrape: at most the probes of one timeout (500 ms at 10 ms).
    expect(received).toBeGreaterThanOrEqual(sent - 50);
    expect(received).toBeLessThanOrEqual(sent);
    const lost = await prom.query(`udpkit_probe_lost_total${sel}`);
    expect(lost.map((s) => [s.metric.direction, Number(s.value[1])]).sort()).toEqual([['down', 0], ['up', 0]]);
    const buckets = await prom.query(`udpkit_probe_rtt_seconds_bucket${sel}`);
    expect(buckets.map((s) => s.metric.le)).toEqual(expect.arrayContaining(['0.00005', '0.001', '10', '+Inf']));
    expect(buckets).toHaveLength(18);
    const inf = Number(buckets.find((s) => s.metric.le === '+Inf')?.value[1]);
    expect(inf).toBe(received);
    expect(await scalar(prom, `udpkit_probe_rtt_seconds_count${sel}`)).toBe(received);
    expect(await scalar(prom, `histogram_quantile(0.5, udpkit_probe_rtt_seconds_bucket${sel})`)).toBeLessThan(0.1);
    expect(await scalar(prom, 'udpkit_build_info{job="probe",command="udp-probe"}')).toBe(1);
    expect(await scalar(prom, 'process_resident_memory_bytes{job="listen"}')).toBeGreaterThan(0);
    // Stop the prober: its summary says how many it sent; the listener got those and the two count questions (at
    // the start and at the end).
    prober.child.kill('SIGINT');
    expect((await prober.exit).code).toBe(0);
    const total = Number(/^127\.0\.0\.1:\d+: (\d+) sent, \1 received, 0 lost/m.exec(prober.stderr.text)?.[1]);
    expect(total).toBeGreaterThan(sent - 1);
    const listenSel = `{job="listen",port="${echoPort}",protocol="udp"}`;
    await waitFor(async () => (await scalar(prom, `udpkit_listener_datagrams_total${listenSel}`)) === total + 2, {
      what: `udpkit_listener_datagrams_total = ${total + 2}`,
      timeoutMs: 10_000,
      intervalMs: 250,
    });
    expect(await scalar(prom, `udpkit_listener_echoes_total${listenSel}`)).toBe(total + 2);
    expect(await scalar(prom, `udpkit_listener_senders${listenSel}`)).toBe(1);
    expect(await scalar(prom, `udpkit_listener_bytes_total${listenSel}`)).toBe(total * 64 + 2 * 'UDPKIT-COUNT?'.length);
  });
});
