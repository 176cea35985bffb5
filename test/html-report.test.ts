/**
 * The HTML report: one self-contained file (no script, no request: a Content-Security-Policy forbids them), opened in
 * headless Chromium (Debian's package, driven by puppeteer-core): no console error, no request but the file itself,
 * every scenario that has a picture drawn with marks, in light and dark. Screenshots go to artifacts/ for CI.
 * Also --save, --baseline and --format html.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../src/compare/html.js';
import { compareReportSchema } from '../src/compare/schema.js';
import type { CompareReport } from '../src/compare/types.js';
import { runBin } from './helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const noBrowser = CHROMIUM === undefined ? "Debian's chromium is not installed (.ci/run installs it)" : undefined;
if (noBrowser) console.log(`HTML report in Chromium skipped: ${noBrowser}`);
const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'udpkit-report-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** The scenarios that draw, and what. */
const PLOTTED = ['boundaries', 'overload', 'latency', 'lossy-link', 'bottleneck'];

const sample: CompareReport = {
  tool: 'udp-compare',
  version: '0',
  startedAt: Date.parse('2026-11-23T00:00:00.000Z'),
  durationMs: 1,
  machine: { platform: 'linux', kernel: 'x', node: 'v20', cpus: 2 },
  workload: { messages: 10, size: 64, rate: 100, loss: 0.1, duplicate: 0, linkRate: 20e6, linkBufferMs: 50, target: 'a<b>' },
  scenarios: [
    {
      name: 'latency',
      title: 'Latency <script>',
      status: 'ok',
      sentence: 'A & B',
      rows: [{ id: 'rtt-p50', measurement: 'rtt', udp: { value: 1, unit: 'µs' }, tcp: { value: null, reason: 'n"a' } }],
      plots: { cdf: { label: 'round trip', unit: 'ms', udp: [1, 2, 3], tcp: [2, 3, 4] } },
      durationMs: 1,
    },
  ],
};

describe('renderHtml', () => {
  it('is one file with no script and no reference to anything outside it; text is escaped', () => {
    const html = renderHtml(sample);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|\shref=|url\(|@import/i);
    expect(html).toContain('Latency &#60;script&#62;');
    expect(html).toContain('a&#60;b&#62;');
    expect(html).toContain('n/a (n&#34;a)');
    expect(html.match(/class="mark line (udp|tcp)"/g)).toHaveLength(2);
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('; 2026-11-23T00:00:00.000Z; udp-compare 0.');
    expect(html).toContain('@media print');
  });
});

describe.skipIf(noBrowser !== undefined)('the HTML report in headless Chromium', () => {
  it('udp-compare --save: no console error, no request, every plotted scenario has marks, light and dark; --baseline shows changes', async () => {
    const run = await runBin('udp-compare', ['--messages', '300', '--save', dir], undefined, 180_000);
    expect(run.code, run.stderr).toBe(0);
    const html = /^report: (.+\.html)$/m.exec(run.stderr)?.[1] as string;
    expect(existsSync(html)).toBe(true);
    const saved = readdirSync(dir);
    expect(saved.filter((f) => f.endsWith('.json'))).toHaveLength(2);
    const report = compareReportSchema.parse(JSON.parse(readFileSync(join(dir, 'last.json'), 'utf8')));
    const ran: string[] = report.scenarios.filter((s) => s.status === 'ok').map((s) => s.name);

    const { default: puppeteer } = await import('puppeteer-core');
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      mkdirSync(artifacts, { recursive: true });
      for (const scheme of ['light', 'dark'] as const) {
        const page = await browser.newPage();
        const requests: string[] = [];
        const errors: string[] = [];
        page.on('request', (request) => requests.push(request.url()));
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(String(error)));
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
        await page.setViewport({ width: 1000, height: 900 });
        await page.goto(`file://${html}`, { waitUntil: 'load' });
        const marks = Object.fromEntries(
          // Runs in the page (no DOM types here): each drawn section's name and its count of marks.
          await page.$$eval('section[data-status=ok]', (sections) =>
            sections.map((s) => {
              const section = s as unknown as { dataset: Record<string, string>; querySelectorAll(q: string): { length: number } };
              return [section.dataset.scenario, section.querySelectorAll('svg .mark').length];
            }),
          ),
        ) as Record<string, number>;
        expect(errors).toEqual([]);
        expect(requests).toEqual([`file://${html}`]);
        for (const name of PLOTTED.filter((n) => ran.includes(n))) expect(marks[name], `${name} in ${scheme}`).toBeGreaterThan(0);
        // Dark really is dark: the page background follows the reader's setting.
        const background = await page.$eval(
          'body',
          (body) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(body).backgroundColor,
        );
        expect(background).toBe(scheme === 'dark' ? 'rgb(18, 18, 20)' : 'rgb(255, 255, 255)');
        await page.screenshot({ path: join(artifacts, `udp-compare-report-${scheme}.png`), fullPage: true });
        await page.close();
      }
    } finally {
      await browser.close();
    }
    console.log(`screenshots in ${artifacts}`);

    const compared = await runBin('udp-compare', ['-s', 'boundaries', '--baseline', join(dir, 'last.json')], undefined, 60_000);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toContain(`compared with the run of ${new Date(report.startedAt).toISOString()}`);
    expect(compared.stdout).toMatch(/messages written +200 messages +200 messages +±0% \/ ±0%\n/);
    // A whole comparison and a browser: the bounds of the two runs above, not the suite's default 30 s.
  }, 300_000);

  it('--format html writes the page to stdout; a bad --baseline is refused before anything runs', async () => {
    const run = await runBin('udp-compare', ['-f', 'html', '-s', 'boundaries'], undefined, 60_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(run.stdout).toContain('data-scenario="boundaries"');
    const bad = await runBin('udp-compare', ['--baseline', '/etc/hostname', '-s', 'boundaries']);
    expect(bad.code).toBe(65);
    expect(bad.stderr).toBe('udp-compare: --baseline "/etc/hostname" is not a udp-compare JSON report (write one with --save or -f json)\n');
  });
});
