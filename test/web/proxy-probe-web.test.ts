/**
 * The same page for udp-proxy and udp-probe (`--web`), in headless Chromium (Debian's package, puppeteer-core):
 * the proxy's two directions and each datagram's fate, the prober's targets with loss, RTT percentiles and jitter
 * over time; the same rules (token, Host, Origin, CSP) as udp-listen's page. Peers are Python's socket module.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { memoryIO, sleep, waitFor } from '../helpers.js';
import { httpGet, noBrowser, openTestPage, pythonPeer, sharedBrowser, startWebBin, type WebRun } from './browser.js';
import { proxyMain } from '../../src/cli/proxy.js';
import { probeMain } from '../../src/cli/probe.js';

if (noBrowser) console.log(`udp-proxy and udp-probe pages in Chromium skipped: ${noBrowser}`);

const shared = sharedBrowser();

async function openPage(run: WebRun): Promise<Page> {
  return openTestPage(shared(), run.url);
}

/** The text of `selector`'s first match, or of each match. */
const text = async (page: Page, selector: string): Promise<string> => (await page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`)) as string;
const texts = async (page: Page, selector: string): Promise<string[]> =>
  (await page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.textContent)`)) as string[];
const number = async (page: Page, selector: string): Promise<number> => Number((await text(page, selector)).replace(/,/g, ''));
/** Whether the page's section for `panel` is shown. */
const shown = async (page: Page, panel: string): Promise<boolean[]> =>
  (await page.evaluate(`[...document.querySelectorAll('[data-panel="${panel}"]')].map((e) => !e.hidden)`)) as boolean[];

/** The checks every page makes, whichever command serves it: token, Host, Origin, CSP, no send box but udp-listen's. */
async function refusesStrangers(run: WebRun): Promise<void> {
  const base = { host: `127.0.0.1:${run.webPort}` };
  const none = await httpGet(run.webPort, '/', base);
  expect([none.status, none.body]).toEqual([401, 'unauthorized\n']);
  expect((await httpGet(run.webPort, '/?token=wrong', base)).status).toBe(401);
  const token = { ...base, 'x-udpkit-token': run.token };
  expect((await httpGet(run.webPort, '/', { ...token, host: `rebind.example:${run.webPort}` })).status).toBe(403);
  expect((await httpGet(run.webPort, '/events', { ...token, origin: 'http://evil.example' })).status).toBe(403);
  const page = await httpGet(run.webPort, '/', token);
  expect(page.status).toBe(200);
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  const send = await httpGet(run.webPort, '/api/send', { ...token, 'content-type': 'application/json' }, 'POST', '{"address":"127.0.0.1","port":9,"mode":"text","data":"x"}');
  expect(send.status).toBe(404);
  expect((await httpGet(run.webPort, '/api/capture', token)).status).toBe(404);
}

describe.skipIf(noBrowser !== undefined)('udp-proxy --web in Chromium', () => {
  it('shows both directions and each datagram\'s fate: the rows, the drops by cause, the table and the charts; pause holds the log', async () => {
    const echo = await pythonPeer('echo', 0, '30');
    onTestFinished(() => void echo.child.kill());
    const run = await startWebBin('udp-proxy', ['--web', '0', '--host', '127.0.0.1', '--seed', '7', '--loss', 'up:30%', '--delay', 'down:5ms', '0', '127.0.0.1', String(echo.ownPort)]);
    onTestFinished(() => void run.child.kill());
    await refusesStrangers(run);
    const page = await openPage(run);
    expect(await text(page, '#command')).toBe('udp-proxy');
    expect(await shown(page, 'senders')).toEqual([false]);
    expect(await shown(page, 'directions')).toEqual([true, true]);
    expect(await texts(page, '#log thead th')).toEqual(['time', 'way', 'client', 'port', 'size', 'fate']);
    // The log's filter names what its peer column holds.
    expect(await page.evaluate(`document.getElementById('f-sender').parentElement.firstChild.textContent.trim()`)).toBe('client');
    const sender = await pythonPeer('send', run.udpPort, '40', 'fate %d');
    await sender.exit;
    await waitFor(async () => (await number(page, '#c-up')) === 40 && (await number(page, '#c-down')) > 0, { what: '40 up and the echoes down', timeoutMs: 10_000 });
    await waitFor(async () => (await texts(page, '#directions tbody td:first-child')).length === 2, { what: 'the directions table', timeoutMs: 5000 });
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
    const up = /summary up \(client → target\): 40 received, (\d+) forwarded, (\d+) dropped \(loss \d+\)/.exec(run.stderr.text);
    const down = /summary down \(target → client\): (\d+) received, \1 forwarded, 0 dropped/.exec(run.stderr.text);
    expect(up).not.toBeNull();
    expect(down).not.toBeNull();
    const [forwarded, dropped] = [Number(up?.[1]), Number(up?.[2])];
    expect(forwarded + dropped).toBe(40);
    expect(dropped).toBeGreaterThan(3);
    // Every fate reached the log (fewer than a render's rows): each up row forwarded or dropped for loss, down delayed.
    await page.waitForFunction(`document.getElementById('status').textContent === 'the command has stopped'`, { timeout: 5000 });
    const logged = `document.querySelectorAll('#log tbody tr').length === ${40 + forwarded}`;
    await page.waitForFunction(logged, { timeout: 5000 });
    const fates = await texts(page, '#log tbody tr.up .payload-text');
    expect(fates).toHaveLength(40);
    expect(fates.filter((f) => f === 'dropped: loss')).toHaveLength(dropped);
    expect(fates.filter((f) => f === 'forwarded')).toHaveLength(forwarded);
    expect(await texts(page, '#log tbody tr.up.bad .payload-text')).toHaveLength(dropped);
    const downs = await texts(page, '#log tbody tr.down .payload-text');
    expect(downs).toHaveLength(forwarded);
    expect(new Set(downs)).toEqual(new Set(['delayed 5.0 ms']));
    expect(await texts(page, '#log tbody tr.up td:nth-child(3)')).toEqual(Array(40).fill(`127.0.0.1:${sender.ownPort}`));
    const rows = (await page.evaluate(`[...document.querySelectorAll('#directions tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent))`)) as string[][];
    expect(rows[0]?.slice(0, 4)).toEqual(['up: client → target', '40', String(forwarded), `${dropped} (loss ${dropped})`]);
    expect(rows[1]?.slice(0, 4)).toEqual(['down: target → client', String(forwarded), String(forwarded), '0']);
    expect(rows[1]?.[7]).toBe('5.0');
    expect(await page.evaluate(`document.querySelectorAll('[data-panel="directions"] .uplot canvas').length`)).toBe(2);
  }, 60_000);

  it('pause freezes the log while the counters go on', async () => {
    const echo = await pythonPeer('echo', 0, '30');
    onTestFinished(() => void echo.child.kill());
    const run = await startWebBin('udp-proxy', ['--web', '0', '--host', '127.0.0.1', '0', '127.0.0.1', String(echo.ownPort)]);
    onTestFinished(() => void run.child.kill());
    const page = await openPage(run);
    await (await pythonPeer('send', run.udpPort, '10', 'a %d')).exit;
    await waitFor(async () => (await page.evaluate(`document.querySelectorAll('#log tbody tr').length`)) === 20, { what: '20 rows', timeoutMs: 10_000 });
    await page.click('#pause');
    await (await pythonPeer('send', run.udpPort, '10', 'b %d')).exit;
    await waitFor(async () => (await number(page, '#c-up')) === 20 && (await number(page, '#c-held')) === 20, { what: 'the counters past the pause', timeoutMs: 10_000 });
    expect(await page.evaluate(`document.querySelectorAll('#log tbody tr').length`)).toBe(20);
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  }, 60_000);
});

describe.skipIf(noBrowser !== undefined)('udp-probe --web in Chromium', () => {
  it('shows each target\'s loss, RTT percentiles and jitter over time; a report per row; a click charts one target', async () => {
    const echo = await pythonPeer('echo', 0, '30');
    onTestFinished(() => void echo.child.kill());
    // A port nothing listens on: the second target loses every probe (or is refused).
    const silent = await pythonPeer('send', 9, '0', '');
    await silent.exit;
    const good = `127.0.0.1:${echo.ownPort}`;
    const dead = `127.0.0.1:${silent.ownPort}`;
    const run = await startWebBin('udp-probe', ['--web', '0', '--interval', '20ms', '--timeout', '200ms', '--report', '500ms', good, dead], {}, false);
    onTestFinished(() => void run.child.kill());
    await refusesStrangers(run);
    const page = await openPage(run);
    expect(await text(page, '#command')).toBe('udp-probe');
    expect(await shown(page, 'targets')).toEqual([true, true]);
    expect(await shown(page, 'inspector')).toEqual([false]);
    // The filter says target, and offers no port filter (the log has no port column).
    expect(await page.evaluate(`document.getElementById('f-sender').parentElement.firstChild.textContent.trim()`)).toBe('target');
    expect(await page.evaluate(`document.getElementById('f-port').parentElement.hidden`)).toBe(true);
    await waitFor(async () => ((await page.evaluate(`document.querySelectorAll('#log tbody tr.report').length`)) as number) >= 8, { what: 'four reports per target', timeoutMs: 15_000 });
    await waitFor(async () => (await texts(page, '#targets tbody td:first-child')).length === 2, { what: 'the targets table', timeoutMs: 5000 });
    const cells = (await page.evaluate(`[...document.querySelectorAll('#targets tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent))`)) as string[][];
    const [first, second] = cells;
    expect(first?.[0]).toBe(good);
    expect(Number(first?.[2]?.replace(/,/g, ''))).toBeGreaterThan(20);
    expect(first?.[4]).toBe('0.0');
    expect(first?.[9]).toMatch(/^\d+\.\d$/);
    expect(first?.[10]).toMatch(/^\d+\.\d$/);
    expect(first?.[11]).toMatch(/^\d+\.\d$/);
    expect(second?.[0]).toBe(dead);
    expect(second?.[2]).toBe('0');
    const reports = await texts(page, `#log tbody tr.report td:nth-child(3)`);
    expect(new Set(reports)).toEqual(new Set([good, dead]));
    const goodReports = (await page.evaluate(`[...document.querySelectorAll('#log tbody tr.report')].filter((tr) => tr.cells[2].textContent === ${JSON.stringify(good)}).map((tr) => tr.querySelector('.payload-text').textContent)`)) as string[];
    expect(goodReports.at(-1)).toMatch(/^loss 0\.0 % \(0 of \d+\), rtt p50 [\d.]+ ms p99 [\d.]+ ms, jitter [\d.]+ ms$/);
    expect(await page.evaluate(`document.querySelectorAll('#log tbody tr.report.bad').length`)).toBeGreaterThan(0);
    expect(await page.evaluate(`document.querySelectorAll('[data-panel="targets"] .uplot canvas').length`)).toBe(3);
    await page.click('#targets tbody tr:nth-child(2) td');
    expect(await text(page, '#target-of')).toBe(dead);
    await waitFor(async () => (await texts(page, '#targets tbody tr.selected td:first-child')).join() === dead, { what: 'the target selected', timeoutMs: 3000 });
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
    // The summary per target, as without --web.
    expect(run.stderr.text).toContain(`\n${good}: `);
    expect(run.stderr.text).toMatch(/\n127\.0\.0\.1:\d+: \d+ sent, 0 received, \d+ lost \(100\.0 %\)/);
  }, 60_000);
});

describe('--web on udp-proxy and udp-probe', () => {
  it('is refused with one line when bad (and with udp-proxy --tcp); offered by completion', async () => {
    for (const [main, args, line] of [
      [proxyMain, ['--web', 'nope', '0', '127.0.0.1', '9'], 'udp-proxy: invalid --web "nope": expected PORT or ADDRESS:PORT (an IP address, [::1]:PORT for IPv6)\n'],
      [proxyMain, ['--tcp', '--web', '0', '0', '127.0.0.1', '9'], 'udp-proxy: --web works with UDP only: the page shows datagrams and their fates\n'],
      [probeMain, ['--web', '70000', '127.0.0.1:9'], 'udp-probe: invalid --web "70000": expected PORT or ADDRESS:PORT (an IP address, [::1]:PORT for IPv6)\n'],
    ] as const) {
      const { io, stderr } = memoryIO();
      expect(await main([...args], io)).toBe(64);
      expect(stderr.text).toBe(line);
    }
    for (const [main, name] of [[proxyMain, 'udp-proxy'], [probeMain, 'udp-probe']] as const) {
      const { io, stdout } = memoryIO();
      expect(await main(['--get-yargs-completions', name, '--w'], io)).toBe(0);
      expect(stdout.text.split('\n')).toContain('--web');
    }
  });
});

describe.skipIf(noBrowser !== undefined)('udp-proxy and udp-probe pages with traffic, for the eyes', () => {
  it('screenshots (artifacts/udp-proxy-web.png, artifacts/udp-probe-web.png)', async () => {
    const echo = await pythonPeer('echo', 0, '40');
    onTestFinished(() => void echo.child.kill());
    const relay = await startWebBin('udp-proxy', ['--web', '0', '--host', '127.0.0.1', '--loss', '8%', '--delay', '20ms', '--jitter', '5ms', '0', '127.0.0.1', String(echo.ownPort)]);
    onTestFinished(() => void relay.child.kill());
    const prober = await startWebBin('udp-probe', ['--web', '0', '--interval', '20ms', '--report', '1s', `127.0.0.1:${relay.udpPort}`, `127.0.0.1:${echo.ownPort}`], {}, false);
    onTestFinished(() => void prober.child.kill());
    const artifacts = fileURLToPath(new URL('../../artifacts/', import.meta.url));
    mkdirSync(artifacts, { recursive: true });
    // One page at a time, each waited for while it is in front (a page behind another draws no frames).
    const pages = [];
    for (const run of [relay, prober]) pages.push(await openPage(run));
    for (const page of pages) await page.setViewport({ width: 1400, height: 1000 });
    await sleep(9000);
    for (const [page, name] of [[pages[0], 'udp-proxy'], [pages[1], 'udp-probe']] as const) {
      // Two pages: only the one in front draws frames (a screenshot waits for one).
      await page?.bringToFront();
      await page?.click('#pause');
      await page?.evaluate('window.scrollTo(0, 0)');
      await page?.screenshot({ path: join(artifacts, `${name}-web.png`) });
    }
    console.log(`screenshots in ${artifacts}`);
  }, 60_000);
});
