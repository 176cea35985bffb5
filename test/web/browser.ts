/**
 * The web view's test helpers: Debian's Chromium driven by puppeteer-core (headless, fresh profile, no downloads
 * of anything), udp-listen --web started as a built bin, and the Python UDP peers of fixtures/udp-peer.py.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest';
import { listening, startBin, startProcess, type Running } from '../helpers.js';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
/** Why the browser tests cannot run here, or undefined. */
export const noBrowser = CHROMIUM === undefined ? "Debian's chromium is not installed (.ci/run installs it)" : undefined;

const PEER = fileURLToPath(new URL('../../fixtures/udp-peer.py', import.meta.url));

/** Launches headless Chromium with the flags the project's brief names and a fresh profile; closed by the caller. */
export async function launchBrowser(): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'udpkit-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  browser.once('disconnected', () => {
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      // Chromium may still be writing its profile as it goes; the folder is in tmp.
    }
  });
  return browser;
}

/** A running `udp-listen --web 0 … 0`: its UDP port, the web view's port, address with token, and the token. */
export interface WebRun extends Running {
  udpPort: number;
  webPort: number;
  url: string;
  token: string;
}

/** Starts `udp-listen --web 0 ARGS 0` (the built bin) and waits for its two lines. */
export async function startWebListen(args: string[] = [], options: Parameters<typeof startBin>[2] = {}): Promise<WebRun> {
  return startWebBin('udp-listen', ['--web', '0', ...args, '0'], options);
}

/** Starts a built bin whose ARGS include `--web 0`; waits for its listening line (when it has one) and its web view line. */
export async function startWebBin(name: string, args: string[], options: Parameters<typeof startBin>[2] = {}, listens = true): Promise<WebRun> {
  const run = startBin(name, args, options);
  const udpPort = listens ? await listening(run) : 0;
  const match = await run.stderr.waitFor(/web view: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))\n/);
  return { ...run, udpPort, url: match[1] as string, webPort: Number(match[2]), token: match[3] as string };
}

/** One browser for a test file: launched before its tests (unless there is none), closed after them. */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!noBrowser) browser = await launchBrowser();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser as Browser;
}

/** {@link openLivePage} for one test: the page is closed after it, and the test fails if the page threw. */
export async function openTestPage(browser: Browser, url: string): Promise<Page> {
  const { page, errors } = await openLivePage(browser, url);
  onTestFinished(() => page.close());
  onTestFinished(() => expect(errors).toEqual([]));
  return page;
}

/** Opens `url` (with its token) in a new page of `browser`; resolves once the stream is live. Page errors are collected. */
export async function openLivePage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url, { waitUntil: 'load' });
  // Checked on a timer, not on animation frames (puppeteer's default): a page behind another draws no frames, and two
  // pages opened at once once left the one behind never checked (a 10 s timeout under CI's load).
  await page.waitForFunction(`document.getElementById('status').textContent === 'live'`, { timeout: 10_000, polling: 100 });
  return { page, errors };
}

/** A Python UDP peer (fixtures/udp-peer.py MODE PORT ARGS); resolves once it has printed its own port. */
export async function pythonPeer(mode: string, port: number, ...args: string[]): Promise<Running & { ownPort: number }> {
  const run = startProcess('python3', [PEER, mode, String(port), ...args], { timeoutMs: 30_000 });
  const match = await run.stdout.waitFor(/^(\d+)\n/, 10_000);
  return { ...run, ownPort: Number(match[1]) };
}

/** An HTTP request to the web view with the headers given; resolves with the status and body. */
export function httpGet(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, timeout: 5000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${path} in 5 s`)));
    req.end(body);
  });
}
