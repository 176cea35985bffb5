/**
 * Before any test: dist/ is built from the sources when it is older than they are (the bins, udp-compare's peer
 * process and the tests that run them use dist/), so no test runs an old build without a word. The peer's path
 * reaches the tests (and their children) through UDPKIT_PEER_SCRIPT.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleReason } from './build-freshness.js';
import { removeOrphanNamespaces } from './namespaces.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs `npm run build` in the project; its output is shown only when it fails. Bounded to five minutes. */
function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const how = signal === null ? `exit ${code}` : `killed by ${signal}`;
      reject(new Error(`npm run build failed (${how}), so no test ran. Its output:\n${Buffer.concat(output).toString()}`));
    });
  });
}

/** Builds dist/ when it does not reflect the sources; says in one line which it did. */
async function freshDist(): Promise<void> {
  const reason = staleReason(root);
  if (reason === undefined) {
    console.log('global setup: dist/ is newer than src/, scripts/bundle.mjs, package.json and tsconfig*.json: not rebuilt');
    return;
  }
  const started = Date.now();
  await runBuild();
  const still = staleReason(root);
  if (still !== undefined) throw new Error(`global setup: after npm run build, ${still} (was a source changed while it ran?)`);
  console.log(`global setup: ${reason}: built it from the sources (npm run build, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

export default async function setup(): Promise<void> {
  // Namespaces a killed run left (its PID gone): tests and udp-compare name theirs udpkit-PID-… (test/namespaces.ts).
  if (process.getuid?.() === 0) {
    const orphans = removeOrphanNamespaces();
    if (orphans.length > 0) console.log(`global setup: removed ${orphans.length} network namespaces left by killed runs: ${orphans.join(' ')}`);
  }
  await freshDist();
  // The build bundles udp-compare's peer too: the in-process compare tests start the one just built (or checked fresh).
  process.env.UDPKIT_PEER_SCRIPT = join(root, 'dist/bin/compare-peer.mjs');
}
