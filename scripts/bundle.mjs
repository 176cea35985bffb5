// Build step after tsc: bundles each bin into one CommonJS file (dist/bin/NAME.bundle.cjs) and writes a tiny
// loader (dist/bin/NAME.cjs) that runs it with a V8 code cache. A one-shot `udp-send` then starts in a few
// milliseconds more than a bare Node script instead of paying for resolving and compiling ~100 ESM files.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Every command package.json names in "bin" (a new command is one line there).
const bins = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin);

/**
 * `string-width` builds an Intl.Segmenter when it is imported, which loads ICU data (~12 ms here) although only
 * help text ever measures a string. Every import of it gets a stub that loads the real module on first call.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (args) => {
      if (args.namespace === 'lazy-string-width') return undefined;
      return { path: args.resolveDir, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let real; export default function stringWidth(s, o) { real ??= require('string-width').default; return real(s, o); }`,
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};

/** yargs imports Node's `assert` for two comparisons; loading `assert` costs ~3 ms, these two lines do not. */
const tinyAssert = {
  name: 'tiny-assert',
  setup(b) {
    b.onResolve({ filter: /^assert$/ }, () => ({ path: 'assert', namespace: 'tiny-assert' }));
    b.onLoad({ filter: /.*/, namespace: 'tiny-assert' }, () => ({
      contents:
        `export function strictEqual(a, b, m) { if (a !== b) throw new Error(m ?? 'expected ' + String(a) + ' === ' + String(b)); }\n` +
        `export function notStrictEqual(a, b, m) { if (a === b) throw new Error(m ?? 'expected ' + String(a) + ' !== ' + String(b)); }\n`,
      loader: 'js',
    }));
  },
};

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

// The code cache lives in the user's cache directory ($XDG_CACHE_HOME, else ~/.cache), keyed by udpkit's version and
// V8's: a root-owned global install run by another user can neither write beside the bundle nor needs to try.
// The file name also carries a hash of the bundle: V8 checks a cache against its source's length only, so a rebuilt
// bundle of the same length would otherwise run a stale cache (seen: `fd is not defined` after a rebuild).
/**
 * V8 options a command runs with, on its shebang line (an installed bin runs through it; `env -S` splits it).
 * udp-proxy holds every delayed datagram for its delay: they survive the young generation's scavenges, and V8 then
 * grows its semi-spaces to their 16 MB maximum and promotes the rest. With 4 MB semi-spaces its peak RSS under
 * 1,024 sessions, --delay 200ms and 50,000 datagrams/s was 95 MB against 107-109 (bench/proxy.mjs --only rss).
 */
const NODE_FLAGS = { 'udp-proxy': '--max-semi-space-size=4' };

const loader = (name, hash) => `#!/usr/bin/env ${NODE_FLAGS[name] ? `-S node ${NODE_FLAGS[name]}` : 'node'}
'use strict';
// Runs ${name}.bundle.cjs with a V8 code cache kept per user (made on first run, remade when V8 rejects it).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const file = path.join(__dirname, '${name}.bundle.cjs');
let cacheFile;
try {
  const base = process.env.XDG_CACHE_HOME || path.join(require('node:os').homedir(), '.cache');
  cacheFile = path.join(base, 'udpkit', '${version}-' + process.versions.v8, '${name}-${hash}.cache');
} catch {}
let cachedData;
try { if (cacheFile) cachedData = fs.readFileSync(cacheFile); } catch {}
const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
const module_ = { exports: {}, filename: file, id: file };
script.runInThisContext().call(module_.exports, module_.exports, Module.createRequire(file), module_, file, __dirname);
if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
  process.once('exit', () => {
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const temp = cacheFile + '.' + process.pid;
      fs.writeFileSync(temp, script.createCachedData());
      fs.renameSync(temp, cacheFile);
    } catch {}
  });
}
`;

mkdirSync(join(root, 'dist/bin'), { recursive: true });
for (const name of bins) {
  const bundle = join(root, `dist/bin/${name}.bundle.cjs`);
  await build({
    entryPoints: [join(root, `src/bin/${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    outfile: bundle,
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: "var __import_meta_url=require('node:url').pathToFileURL(__filename).href;" },
    plugins: [lazyStringWidth, tinyAssert],
    logLevel: 'warning',
  });
  // esbuild keeps `import('node:…')` of built-ins, which a vm.Script cannot run: make them lazy requires.
  const code = readFileSync(bundle, 'utf8').replace(/\bimport\("(node:[a-z_/]+)"\)/g, 'Promise.resolve().then(()=>require("$1"))');
  if (/\bimport\(/.test(code)) throw new Error(`${bundle}: a dynamic import() is left that the loader cannot run`);
  writeFileSync(bundle, code);
  const entry = join(root, `dist/bin/${name}.cjs`);
  writeFileSync(entry, loader(name, createHash('sha256').update(code).digest('hex').slice(0, 16)));
  chmodSync(entry, 0o755);
}

// udp-compare's peer (src/bin/compare-peer.ts), a process of its own started once per measurement: one ESM file
// (it awaits at the top level), found by compare/peer-process.ts at dist/bin/compare-peer.mjs.
await build({
  entryPoints: [join(root, 'src/bin/compare-peer.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: join(root, 'dist/bin/compare-peer.mjs'),
  logLevel: 'warning',
});

// The web view's page (src/web/page/, `udp-listen --web`): its script and style bundled for the browser (uPlot with
// them), and its HTML, into one CommonJS module that the server loads when a web view starts. dist/bin/ is where the
// package ships its .cjs files; nothing of it is fetched from elsewhere.
{
  const page = await build({
    entryPoints: [join(root, 'src/web/page/main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    outdir: join(root, 'dist/web-page'),
    write: false,
    logLevel: 'warning',
  });
  const text = (ext) => page.outputFiles.find((file) => file.path.endsWith(ext))?.text ?? '';
  const html = readFileSync(join(root, 'src/web/page/index.html'), 'utf8');
  writeFileSync(join(root, 'dist/bin/web-page.cjs'), `'use strict';\nmodule.exports = ${JSON.stringify({ html, js: text('.js'), css: text('.css') })};\n`);
}

// The library for ESM (`import 'udpkit'`, 'udpkit/format', 'udpkit/compare'): the three entries bundled together into
// dist/esm/, the code they share split into chunks, so each module still exists once. `import 'udpkit'` then reads a
// few files instead of some thirty (each ESM file costs about a millisecond to load); what is imported dynamically
// (zod, through the option schemas) stays a chunk of its own, loaded on the first call that needs it.
await build({
  entryPoints: { index: join(root, 'src/index.ts'), 'format/index': join(root, 'src/format/index.ts'), 'compare/index': join(root, 'src/compare/index.ts') },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir: join(root, 'dist/esm'),
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

// The library for CommonJS (`require('udpkit')`, `require('udpkit/format')`, `require('udpkit/compare')`): one bundle
// per entry with yargs and zod left as dependencies, in dist/cjs/ where a package.json says "commonjs", so the
// declarations copied beside them read as CommonJS types too. src/errors.ts is a file of its own that each bundle
// requires: an entry's copy of UdpkitError would fail `instanceof` against another's.
const cjs = join(root, 'dist/cjs');
mkdirSync(cjs, { recursive: true });
writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');
const sharedErrors = {
  name: 'shared-errors',
  setup(b) {
    b.onResolve({ filter: /(^|\/)errors\.js$/ }, (args) =>
      args.kind === 'entry-point' || !args.resolveDir.startsWith(join(root, 'src')) ? undefined : { path: './errors.cjs', external: true },
    );
  },
};
const libraries = { index: 'src/index.ts', format: 'src/format/index.ts', compare: 'src/compare/index.ts', errors: 'src/errors.ts' };
for (const [name, entry] of Object.entries(libraries)) {
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    outfile: join(cjs, `${name}.cjs`),
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: "var __import_meta_url=require('node:url').pathToFileURL(__filename).href;" },
    plugins: [sharedErrors],
    logLevel: 'warning',
  });
}
const copyDeclarations = (from, to) => {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) {
      if (source === cjs || entry.name === 'bin' || entry.name === 'cli' || entry.name === 'web') continue;
      copyDeclarations(source, join(to, entry.name));
    } else if (entry.name.endsWith('.d.ts')) {
      mkdirSync(to, { recursive: true });
      copyFileSync(source, join(to, entry.name));
    }
  }
};
copyDeclarations(join(root, 'dist'), cjs);
