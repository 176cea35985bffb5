/**
 * The npm package as users get it: the packed tarball holds what runs and nothing else, and installs into an
 * ESM project, a CommonJS project and a strict TypeScript project (`module: nodenext`, both module kinds).
 * Installing needs the npm registry (or npm's cache) for yargs and zod, as CI has.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'udpkit-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let tarball = '';
let files: string[] = [];

describe('the npm package', () => {
  beforeAll(() => {
    // --ignore-scripts: the global setup has just made dist/ match the sources; prepare would build it again.
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const packed = (JSON.parse(out) as { filename: string; files: { path: string }[] }[])[0];
    tarball = join(work, packed?.filename ?? '');
    files = (packed?.files ?? []).map((f) => f.path);
  }, 180_000);

  it('holds what a user runs and nothing else', () => {
    for (const needed of ['LICENSE', 'README.md', 'package.json', 'dist/esm/index.js', 'dist/esm/format/index.js', 'dist/esm/compare/index.js', 'dist/index.d.ts', 'dist/format/index.d.ts', 'dist/compare/index.d.ts', 'dist/cjs/index.cjs', 'dist/cjs/format.cjs', 'dist/cjs/compare.cjs', 'dist/cjs/errors.cjs', 'dist/cjs/index.d.ts', 'dist/cjs/format/index.d.ts', 'dist/cjs/compare/index.d.ts', 'dist/cjs/package.json', 'dist/bin/compare-peer.mjs']) {
      expect(files).toContain(needed);
    }
    for (const bin of ['udp-listen', 'udp-send', 'udp-compare', 'udp-proxy', 'udp-probe']) {
      expect(files).toContain(`dist/bin/${bin}.cjs`);
      expect(files).toContain(`dist/bin/${bin}.bundle.cjs`);
    }
    // No source maps to unshipped sources, no code cache, no demo, no unbundled bins or CLI, no module that only the
    // bundles above are made of (dist/*.js beside the declarations), nothing from the repo.
    const unwanted = /\.map$|\.cache$|demo|^dist\/bin\/.*\.(js|d\.ts)$|^dist\/(cjs\/)?cli\/|^dist\/(?!esm\/).*\.js$|^(src|test|bench|fixtures|scripts)\//;
    expect(files.filter((f) => unwanted.test(f))).toEqual([]);
  });

  it('installs and imports from ESM, CommonJS and strict TypeScript (nodenext)', () => {
    const project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball], {
      cwd: project,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(install.status, install.stderr).toBe(0);

    const probe = "typeof u.listen + ' ' + typeof u.sendTcp + ' ' + new u.UdpkitError('E_USAGE', 'x').exitCode + ' ' + typeof f.formatRecord + ' ' + typeof c.runCompare";
    writeFileSync(join(project, 'esm.mjs'), `import * as u from 'udpkit';\nimport * as f from 'udpkit/format';\nimport * as c from 'udpkit/compare';\nconsole.log(${probe});\n`);
    writeFileSync(join(project, 'cjs.cjs'), `const u = require('udpkit');\nconst f = require('udpkit/format');\nconst c = require('udpkit/compare');\nconsole.log(${probe});\n`);
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      expect(execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' }).trim()).toBe('function function 64 function function');
    }
    // Both bins run from the installed package.
    const help = spawnSync(process.execPath, [join(project, 'node_modules/udpkit/dist/bin/udp-send.cjs'), '--version'], { encoding: 'utf8' });
    expect(help.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
        files: ['typed.mts', 'typed.cts'],
      }),
    );
    const typed = `
import { listen, UdpkitError, type DatagramRecord, type UdpListener } from 'udpkit';
import { formatRecord } from 'udpkit/format';
import type { CompareReport } from 'udpkit/compare';
const handler = (record: DatagramRecord): void => void formatRecord(record, 'text').length;
const started: Promise<UdpListener> = listen({ port: 0 }, handler);
const code: number = new UdpkitError('E_USAGE', 'x').exitCode;
const version = (report: CompareReport): string => report.version;
export { started, code, version };
`;
    writeFileSync(join(project, 'typed.mts'), typed);
    writeFileSync(join(project, 'typed.cts'), typed);
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8', timeout: 120_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 300_000);

  it('installs globally from the tarball, as the README says (npm i -g ./udpkit-VERSION.tgz): every command runs', () => {
    const prefix = join(work, 'global');
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball], { encoding: 'utf8', timeout: 300_000 });
    expect(install.status, install.stderr).toBe(0);
    const bins = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin);
    for (const bin of bins) {
      const version = spawnSync(join(prefix, 'bin', bin), ['--version'], { encoding: 'utf8', env: { ...process.env, HOME: work, XDG_CACHE_HOME: join(work, 'cache') } });
      expect(version.stdout.trim(), `${bin}: ${version.stderr}`).toMatch(/^\d+\.\d+\.\d+$/);
    }
  }, 320_000);

  it('installs from git (a local clone of the committed tree): prepare builds it', () => {
    const project = join(work, 'from-git');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'from-git', private: true }));
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `git+file://${root}`], {
      cwd: project,
      encoding: 'utf8',
      timeout: 400_000,
    });
    expect(install.status, install.stderr).toBe(0);
    const version = spawnSync(process.execPath, [join(project, 'node_modules/udpkit/dist/bin/udp-send.cjs'), '--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(execFileSync(process.execPath, ['-e', "console.log(typeof require('udpkit').send)"], { cwd: project, encoding: 'utf8' }).trim()).toBe('function');
  }, 420_000);
});
