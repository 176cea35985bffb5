/** The check the global setup makes before any test: is dist/ built from the sources as they are now? */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { declaredOutputs, staleReason } from './build-freshness.js';

const PACKAGE = {
  main: './dist/cjs/index.cjs',
  types: './dist/index.d.ts',
  bin: { tool: './dist/bin/tool.cjs' },
  exports: { '.': { import: { default: './dist/index.js' } }, './package.json': './package.json' },
};
const SOURCES = ['src/index.ts', 'src/core/a.ts', 'src/core/b.ts', 'scripts/bundle.mjs', 'tsconfig.json', 'tsconfig.build.json'];
const OUTPUTS = ['dist/cjs/index.cjs', 'dist/index.d.ts', 'dist/bin/tool.cjs', 'dist/index.js', 'dist/core/a.js'];

/** A project folder with sources an hour old and a build half an hour old: fresh until a test changes it. */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'udpkit-freshness-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string, ageSeconds: number): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    const at = Date.now() / 1000 - ageSeconds;
    utimesSync(join(root, path), at, at);
    for (let dir = dirname(join(root, path)); dir.startsWith(root) && dir !== root; dir = dirname(dir)) utimesSync(dir, at, at);
  };
  write('package.json', JSON.stringify(PACKAGE), 3600);
  for (const path of SOURCES) write(path, '// source\n', 3600);
  for (const path of OUTPUTS) write(path, '// built\n', 1800);
  return root;
}

/** Marks `path` (relative to `root`) as changed just now. */
function touch(root: string, path: string): void {
  const now = Date.now() / 1000;
  utimesSync(join(root, path), now, now);
}

describe('staleReason', () => {
  it('a build newer than every source is fresh', () => {
    expect(staleReason(project())).toBeUndefined();
  });

  it('no dist/ at all', () => {
    const root = project();
    rmSync(join(root, 'dist'), { recursive: true });
    expect(staleReason(root)).toBe('dist/ is missing');
  });

  it('a file package.json names is absent: a build that stopped part way', () => {
    const root = project();
    rmSync(join(root, 'dist/bin/tool.cjs'));
    expect(staleReason(root)).toBe('dist/bin/tool.cjs is missing (an earlier build did not finish)');
  });

  it.each(['src/core/b.ts', 'scripts/bundle.mjs', 'package.json', 'tsconfig.build.json'])('%s changed after the build: stale, naming it', (path) => {
    const root = project();
    touch(root, path);
    expect(staleReason(root)).toBe(`dist/ is older than ${path}`);
  });

  it('a source removed after the build: its folder changed, so stale', () => {
    const root = project();
    rmSync(join(root, 'src/core/b.ts'));
    expect(staleReason(root)).toBe('dist/ is older than src/core');
  });

  it('a source changed while the build ran is newer than the oldest built file: stale', () => {
    const root = project();
    const at = Date.now() / 1000 - 2000;
    utimesSync(join(root, 'dist/index.js'), at, at);
    const between = Date.now() / 1000 - 1900;
    utimesSync(join(root, 'src/index.ts'), between, between);
    expect(staleReason(root)).toBe('dist/ is older than src/index.ts');
  });

  it('reads the outputs from main, types, bin and exports, not the package.json export', () => {
    expect(declaredOutputs(project())).toEqual(['dist/bin/tool.cjs', 'dist/cjs/index.cjs', 'dist/index.d.ts', 'dist/index.js']);
  });
});

describe('this run', () => {
  it('tests a dist/ built from the sources as they are (the global setup builds it when it is older)', () => {
    expect(staleReason(fileURLToPath(new URL('..', import.meta.url)))).toBeUndefined();
  });
});
