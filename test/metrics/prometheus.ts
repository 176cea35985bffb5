/** A real Prometheus server (Debian's package) for the tests: its own temp dir and free port, killed in teardown. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { startProcess, waitFor } from '../helpers.js';

/** Why Prometheus cannot be run here (printed by the test that skips), or undefined when it can. */
export function prometheusMissing(): string | undefined {
  const found = spawnSync('prometheus', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return found.status === 0 ? undefined : 'prometheus is not installed (apt-get install prometheus; .ci/run installs it)';
}

/** A free loopback TCP port: bound, read and closed again. */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One instant vector sample as /api/v1/query gives it. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A running Prometheus: ask it with {@link query}. */
export interface Prometheus {
  url: string;
  query(promql: string): Promise<PromSample[]>;
}

/**
 * Starts Prometheus scraping `targets` (job name → host:port) every second, on a free port with a temp dir; both are
 * removed when the test ends. Resolves once it is ready.
 */
export async function startPrometheus(targets: Record<string, string>): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'udpkit-prom-'));
  const jobs = Object.entries(targets)
    .map(([job, target]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ['${target}']\n`)
    .join('');
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}`);
  const port = await freeTcpPort();
  const server = startProcess('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  onTestFinished(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await server.exit;
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, { what: `Prometheus ready at ${url} (${server.stderr.text.slice(-500)})`, timeoutMs: 20_000, intervalMs: 200 });
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; data: { result: PromSample[] }; error?: string };
      if (body.status !== 'success') throw new Error(`${promql}: ${body.error ?? body.status}`);
      return body.data.result;
    },
  };
}

/** The value of the one sample `promql` gives (undefined when none). */
export async function scalar(prometheus: Prometheus, promql: string): Promise<number | undefined> {
  const [first] = await prometheus.query(promql);
  return first === undefined ? undefined : Number(first.value[1]);
}
