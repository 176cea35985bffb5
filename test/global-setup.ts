/**
 * Before any test: udp-compare's peer (a process of its own) is bundled from the sources being tested, so the
 * compare tests never run an old dist/ peer. Its path reaches the tests (and their children) through
 * UDPKIT_PEER_SCRIPT; the bundle is removed afterwards.
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'udpkit-test-peer-'));
  const outfile = join(dir, 'peer.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../src/bin/compare-peer.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  process.env.UDPKIT_PEER_SCRIPT = outfile;
  return () => rmSync(dir, { recursive: true, force: true });
}
