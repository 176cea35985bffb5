/**
 * `udp-listen --web` in headless Chromium (Debian's package, driven by puppeteer-core): the page with the token,
 * rows from a Python sender, the senders table, hex toggle and inspector, an XSS payload shown as text, the send
 * box reaching a Python receiver, "Capture now" read by tshark; and refused: no token, a wrong Host, another origin.
 */
import { createServer, request, type ClientRequest } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hexDump } from '../../src/format/hex.js';
import { hasIPv6, runBin, sleep, startBin, waitFor } from '../helpers.js';
import { httpGet, noBrowser, openTestPage, pythonPeer, sharedBrowser, startWebListen, type WebRun } from './browser.js';

if (noBrowser) console.log(`web view in Chromium skipped: ${noBrowser}`);

const shared = sharedBrowser();

async function openPage(run: WebRun): Promise<Page> {
  return openTestPage(shared(), run.url);
}

/** The log's rows, each as its cells' text. */
async function logRows(page: Page): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('#log tbody tr')].map((tr) => [...tr.cells].map((c, i) => i === 5 ? c.querySelector('.payload-text').textContent : c.textContent))`,
  )) as string[][];
}

async function rowCount(page: Page, selector: string): Promise<number> {
  return (await page.evaluate(`document.querySelectorAll(${JSON.stringify(selector)}).length`)) as number;
}

describe.skipIf(noBrowser !== undefined)('udp-listen --web in Chromium', () => {
  it('shows 100 datagrams of a Python sender as 100 rows; two senders in the table; hex toggle and inspector show the bytes', async () => {
    const run = await startWebListen();
    const page = await openPage(run);
    // The token has left the address bar for the cookie.
    expect(page.url()).toBe(`http://127.0.0.1:${run.webPort}/`);
    const first = await pythonPeer('send', run.udpPort, '100', 'message %d');
    await first.exit;
    await waitFor(async () => (await rowCount(page, '#log tbody tr')) === 100, { what: '100 rows in the log', timeoutMs: 10_000 });
    const rows = await logRows(page);
    expect(rows).toHaveLength(100);
    rows.forEach((cells, i) => {
      expect(cells.slice(1)).toEqual(['udp', `127.0.0.1:${first.ownPort}`, String(run.udpPort), String(`message ${i}`.length), `message ${i}`]);
    });
    const second = await pythonPeer('send', run.udpPort, '1', 'other');
    await second.exit;
    await waitFor(async () => (await rowCount(page, '#senders tbody tr')) === 2, { what: 'two senders in the table', timeoutMs: 10_000 });
    const table = (await page.evaluate(`[...document.querySelectorAll('#senders tbody tr')].map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent])`)) as string[][];
    expect(table).toEqual([[`127.0.0.1:${first.ownPort}`, '100'], [`127.0.0.1:${second.ownPort}`, '1']]);

    await page.click('#log tbody tr:nth-child(8) .hex-toggle');
    const dump = (await page.evaluate(`(() => { const hex = document.querySelector('#log tbody tr:nth-child(8) .hexdump'); return hex.hidden ? null : hex.textContent; })()`)) as string | null;
    expect(dump).toBe(hexDump(Buffer.from('message 7')));
    await page.click('#log tbody tr:nth-child(4) td:nth-child(3)');
    await page.waitForFunction(`document.getElementById('insp-text').textContent === 'message 3'`, { timeout: 5000 });
    expect(await page.evaluate(`document.getElementById('insp-hex').textContent`)).toBe(hexDump(Buffer.from('message 3')));
    run.child.kill('SIGINT');
    await page.waitForFunction(`document.getElementById('status').textContent === 'the command has stopped'`, { timeout: 5000 });
    expect((await run.exit).code).toBe(0);
    expect(run.stderr.text).toMatch(/summary: 101 datagrams, \d+ bytes from 2 senders/);
  }, 60_000);

  it('an XSS payload runs nothing and is shown as the characters it is', async () => {
    const run = await startWebListen();
    const page = await openPage(run);
    const payloads = ['<img src=x onerror="window.__pwned=1">', '</script><script>window.__pwned=2</script>', '<svg onload=window.__pwned=3>'];
    for (const payload of payloads) await (await pythonPeer('send', run.udpPort, '1', payload)).exit;
    await waitFor(async () => (await rowCount(page, '#log tbody tr')) === 3, { what: 'three rows', timeoutMs: 10_000 });
    await page.click('#log tbody tr:nth-child(1) td:nth-child(3)');
    await page.waitForFunction(`document.getElementById('insp-text').textContent === ${JSON.stringify(payloads[0])}`, { timeout: 5000 });
    expect((await logRows(page)).map((cells) => cells[5])).toEqual(payloads);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await rowCount(page, '#log img, #log svg, #log script, #insp-text *')).toBe(0);
  }, 60_000);

  it('the send box answers a Python receiver from the listener\'s port; the datagram shows as sent', async () => {
    const run = await startWebListen();
    const page = await openPage(run);
    const receiver = await pythonPeer('answer-wait', run.udpPort);
    await waitFor(async () => (await rowCount(page, '#senders tbody tr')) === 1, { what: 'the receiver in the senders table', timeoutMs: 10_000 });
    await page.click('#senders tbody tr td');
    await page.type('#send-data', 'pong\\x00\\n');
    await page.click('#send');
    const answer = await receiver.stdout.waitFor(/^\d+\n(\d+) ([0-9a-f]*)\n/, 10_000);
    expect(Number(answer[1])).toBe(run.udpPort);
    expect(answer[2]).toBe(Buffer.from('pong\0\n').toString('hex'));
    await page.waitForFunction(`[...document.querySelectorAll('#log tbody tr.sent')].length === 1`, { timeout: 5000 });
    const sent = (await logRows(page)).find((cells) => cells[1] === 'sent');
    expect(sent?.slice(1)).toEqual(['sent', `127.0.0.1:${receiver.ownPort}`, String(run.udpPort), '6', 'pong\\0\\n']);
    expect(await page.evaluate(`document.getElementById('send-result').textContent`)).toBe(`sent 6 bytes to 127.0.0.1:${receiver.ownPort}`);
  }, 60_000);

  it('"Capture now" downloads the last datagrams as a pcap that tshark reads', async () => {
    const run = await startWebListen();
    const page = await openPage(run);
    const downloads = mkdtempSync(join(tmpdir(), 'udpkit-web-download-'));
    onTestFinished(() => rmSync(downloads, { recursive: true, force: true }));
    const session = await shared().target().createCDPSession();
    await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    const peer = await pythonPeer('send', run.udpPort, '20', 'captured %d');
    await peer.exit;
    await waitFor(async () => (await rowCount(page, '#log tbody tr')) === 20, { what: '20 rows', timeoutMs: 10_000 });
    await page.$eval('#cap-n', (input) => {
      const field = input as unknown as { value: string; dispatchEvent(e: unknown): void };
      field.value = '5';
      field.dispatchEvent(new (globalThis as unknown as { Event: new (type: string) => unknown }).Event('input'));
    });
    await page.click('#capture');
    await waitFor(() => readdirSync(downloads).some((f) => f.endsWith('.pcap')), { what: 'a .pcap download', timeoutMs: 10_000 });
    const file = join(downloads, readdirSync(downloads).find((f) => f.endsWith('.pcap')) as string);
    const tshark = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'data.data'], { encoding: 'utf8', timeout: 30_000 });
    expect(tshark.status, tshark.stderr).toBe(0);
    const lines = tshark.stdout.trim().split('\n');
    expect(lines).toEqual([15, 16, 17, 18, 19].map((i) => `${peer.ownPort}\t${run.udpPort}\t${Buffer.from(`captured ${i}`).toString('hex')}`));
  }, 60_000);

  it('refuses a page of another origin that uses the cookie to send', async () => {
    const run = await startWebListen();
    const page = await openPage(run);
    const receiver = await pythonPeer('answer-wait', run.udpPort);
    await waitFor(async () => (await rowCount(page, '#senders tbody tr')) === 1, { what: 'the receiver heard', timeoutMs: 10_000 });
    // Another origin on the same host (so the SameSite cookie goes with it): a page that posts to the send box.
    const body = JSON.stringify({ address: '127.0.0.1', port: receiver.ownPort, mode: 'text', data: 'evil' });
    const script = `fetch('http://127.0.0.1:${run.webPort}/api/send', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)} }).then(() => { document.title = 'posted'; }, () => { document.title = 'failed'; });`;
    const other = createServer((_req, res) => res.end(`<!doctype html><title>other</title><script>${script}</script>`));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      other.closeAllConnections();
      return new Promise<void>((resolve) => other.close(() => resolve()));
    });
    const evil = await shared().newPage();
    onTestFinished(() => evil.close());
    // The browser keeps the answer from the other page (no CORS headers, CORP same-origin); the DevTools protocol
    // still sees its status: 403 is the Origin check (a missing cookie would be 401, the body's type 415).
    const cdp = await evil.createCDPSession();
    await cdp.send('Network.enable');
    const sendRequests = new Set<string>();
    const answered = new Map<string, number>();
    cdp.on('Network.requestWillBeSent', (event) => {
      if (event.request.url.endsWith('/api/send')) sendRequests.add(event.requestId);
    });
    cdp.on('Network.responseReceivedExtraInfo', (event) => answered.set(event.requestId, event.statusCode));
    const statuses = (): number[] => [...sendRequests].flatMap((id) => answered.get(id) ?? []);
    await evil.goto(`http://127.0.0.1:${(other.address() as { port: number }).port}/`, { waitUntil: 'load' });
    await evil.waitForFunction(`document.title !== 'other'`, { timeout: 5000 });
    await waitFor(() => statuses().length > 0, { what: 'the answer to the other origin', timeoutMs: 5000 });
    expect(statuses()).toEqual([403]);
    // Nothing reached the receiver (a quiet spell is the point), and nothing was sent.
    await sleep(500);
    expect(receiver.stdout.lines).toBe(1);
    expect(await page.evaluate(`document.getElementById('c-sent').textContent`)).toBe('0');
  }, 60_000);
});

describe('the web view refuses requests without the token or with a wrong Host', () => {
  it('no token, a wrong token: 401 and nothing else; a wrong Host: 403; a stream from another origin: 403', async () => {
    const run = await startWebListen();
    const host = `127.0.0.1:${run.webPort}`;
    const wrongTokens: Record<string, string>[] = [{ host }, { host, 'x-udpkit-token': 'x'.repeat(43) }, { host, cookie: `udpkit_web_${run.webPort}=nope` }];
    for (const headers of wrongTokens) {
      const res = await httpGet(run.webPort, '/', headers);
      expect(res.status).toBe(401);
      expect(res.body).toBe('unauthorized\n');
    }
    for (const path of ['/page.js', '/events', '/api/capture', `/?token=${run.token.slice(1)}x`]) expect((await httpGet(run.webPort, path, { host })).status).toBe(401);
    const token = { 'x-udpkit-token': run.token };
    expect((await httpGet(run.webPort, '/', { host, ...token })).status).toBe(200);
    expect((await httpGet(run.webPort, '/', { host: `localhost:${run.webPort}`, ...token })).status).toBe(200);
    for (const wrong of [`evil.example:${run.webPort}`, `127.0.0.1.nip.io:${run.webPort}`, '127.0.0.1', `127.0.0.1:${run.webPort + 1}`]) {
      const res = await httpGet(run.webPort, '/', { host: wrong, ...token });
      expect(res.status, wrong).toBe(403);
      expect(res.body).not.toContain('<html');
    }
    const elsewhere = { host, ...token, origin: 'http://evil.example' };
    expect((await httpGet(run.webPort, '/events', elsewhere)).status).toBe(403);
    const post = await httpGet(run.webPort, '/api/send', { ...elsewhere, 'content-type': 'application/json' }, 'POST', '{}');
    expect(post.status).toBe(403);
    const page = await httpGet(run.webPort, '/', { host, ...token });
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.body).not.toMatch(/<script>|<style>|\son\w+=/i);
    // At most 16 pages stream at once.
    const open = await Promise.all(
      Array.from({ length: 16 }, () => new Promise<ClientRequest>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: run.webPort, path: '/events', headers: { host, ...token } }, (res) => {
          expect(res.statusCode).toBe(200);
          resolve(req);
        });
        req.on('error', reject);
        req.end();
      })),
    );
    expect((await httpGet(run.webPort, '/events', { host, ...token })).status).toBe(503);
    for (const req of open) req.destroy();
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  }, 30_000);
});

describe.skipIf(noBrowser !== undefined)('udp-listen --web with traffic, for the eyes', () => {
  it('screenshots in light and dark (artifacts/udp-listen-web-*.png; docs/udp-listen-web.png is one of them)', async () => {
    const run = await startWebListen();
    const peers = await Promise.all([
      pythonPeer('paced', run.udpPort, '9', '40', 'temp=21.%d C'),
      pythonPeer('paced', run.udpPort, '9', '12', '/osc/fader/%d\\x00\\x00\\x00,f\\x00\\x00?\\x80\\x00\\x00'),
      pythonPeer('paced', run.udpPort, '9', '3', '{"seq":%d,"state":"ok"}\\n'),
    ]);
    const artifacts = fileURLToPath(new URL('../../artifacts/', import.meta.url));
    mkdirSync(artifacts, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      const page = await shared().newPage();
      onTestFinished(() => page.close());
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      await page.setViewport({ width: 1400, height: 1050 });
      await page.goto(run.url, { waitUntil: 'load' });
      await waitFor(async () => (await rowCount(page, '#senders tbody tr')) === 3, { what: 'three senders', timeoutMs: 10_000 });
      await sleep(scheme === 'light' ? 4000 : 1500);
      await page.click('#senders tbody tr:nth-child(2) td');
      await page.type('#send-data', 'ack\\n');
      await page.click('#send');
      await page.waitForFunction(`document.querySelectorAll('#log tbody tr.sent').length > 0`, { timeout: 5000 });
      await page.click('#pause');
      await page.click('#log tbody tr:nth-last-child(3) td:nth-child(3)');
      await page.click('#log tbody tr:nth-last-child(2) .hex-toggle');
      await page.evaluate('document.activeElement.blur(); window.scrollTo(0, 0)');
      await sleep(1200);
      const background = (await page.evaluate(`getComputedStyle(document.body).backgroundColor`)) as string;
      expect(background).toBe(scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
      expect(await rowCount(page, '.uplot canvas')).toBe(3);
      await page.screenshot({ path: join(artifacts, `udp-listen-web-${scheme}.png`) });
    }
    await Promise.all(peers.map((p) => p.exit));
    console.log(`screenshots in ${artifacts}`);
  }, 60_000);
});

describe('where the web view listens', () => {
  it('off loopback it warns; on [::1] its address has brackets; a port in use is exit 69 with one line', async () => {
    const wide = startBin('udp-listen', ['--web', '0.0.0.0:0', '0']);
    await wide.stderr.waitFor(/web view: http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+\n/);
    expect(wide.stderr.text).toContain('warning: --web 0.0.0.0 is not loopback: the page, its records and its send box are reachable by whoever has the token\n');
    wide.child.kill('SIGINT');
    expect((await wide.exit).code).toBe(0);

    if (await hasIPv6()) {
      const six = startBin('udp-listen', ['--web', '[::1]:0', '0']);
      const [, port, token] = await six.stderr.waitFor(/web view: http:\/\/\[::1\]:(\d+)\/\?token=([\w-]+)\n/);
      expect(six.stderr.text).not.toContain('warning');
      const res = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '::1', port: Number(port), path: '/', headers: { 'x-udpkit-token': token as string } }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(res).toBe(200);
      six.child.kill('SIGINT');
      expect((await six.exit).code).toBe(0);
    }

    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const port = (busy.address() as { port: number }).port;
    const refused = await runBin('udp-listen', ['--web', String(port), '0']);
    expect(refused.code).toBe(69);
    expect(refused.stderr).toMatch(new RegExp(`^listening on udp \\S+\\n(receive buffer: .*\\n)?udp-listen: cannot serve --web on 127\\.0\\.0\\.1:${port}: address already in use \\(EADDRINUSE\\)\\n$`));
  }, 30_000);
});
