/**
 * The layer rule (eslint-rules/layers.js, configured in eslint.config.js) holds: an import that points up a layer fails
 * lint in every form it can take, a file with no layer fails, and imports that point down pass. The code is linted as
 * if it were the file named, through ESLint's own API and the project's own config.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// The files named below mostly do not exist: type information (which needs the file in tsconfig) is left out here; the
// last test runs the full type-aware config on a file that does exist.
const eslint = new ESLint({ cwd: root, overrideConfig: { files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked } });

/** The layer rule's messages for `code` linted as `filePath`. */
async function layerMessages(code: string, filePath: string, linter = eslint): Promise<string[]> {
  const [result] = await linter.lintText(code, { filePath });
  const messages = result?.messages ?? [];
  // A parse error would hide the rule: none is expected.
  expect(messages.filter((m) => m.fatal === true)).toEqual([]);
  return messages.filter((m) => m.ruleId === 'udpkit/layers').map((m) => m.message);
}

const DOWN = 'imports point down the layers, bin → cli → web|metrics → index.ts → compare → proxy|probe|respond → core → format → errors.ts|types.ts|clock.ts|version.ts.';

describe('an import that points up a layer fails lint', () => {
  it.each([
    ['a static import', 'src/core/x.ts', "import { main } from '../cli/listen.js';\nexport const m = main;\n", '../cli/listen.js', 'core', 'cli'],
    ['an import type', 'src/core/x.ts', "import type { CliIO } from '../cli/io.js';\nexport type T = CliIO;\n", '../cli/io.js', 'core', 'cli'],
    ['a dynamic import()', 'src/core/x.ts', "export const load = () => import('../cli/run.js');\n", '../cli/run.js', 'core', 'cli'],
    ['import() in a template literal', 'src/core/x.ts', 'export const load = () => import(`../compare/run.js`);\n', '../compare/run.js', 'core', 'compare'],
    ['require()', 'src/format/x.ts', "declare const require: (m: string) => unknown;\nexport const c = require('../core/resolve.js');\n", '../core/resolve.js', 'format', 'core'],
    ['a re-export', 'src/compare/x.ts', "export { main } from '../cli/listen.js';\n", '../cli/listen.js', 'compare', 'cli'],
    ['export * from', 'src/core/x.ts', "export * from '../compare/run.js';\n", '../compare/run.js', 'core', 'compare'],
    ['typeof import() in a type', 'src/core/x.ts', "export type Run = typeof import('../cli/run.js');\n", '../cli/run.js', 'core', 'cli'],
    ['format into core', 'src/format/records.ts', "import { unmapEndpoint } from '../core/endpoint.js';\nexport const u = unmapEndpoint;\n", '../core/endpoint.js', 'format', 'core'],
    ['a root file into format', 'src/types.ts', "import { show } from './format/show.js';\nexport const s = show;\n", './format/show.js', 'errors.ts|types.ts|clock.ts|version.ts', 'format'],
    ['the root entry into cli', 'src/index.ts', "export { main } from './cli/listen.js';\n", './cli/listen.js', 'index.ts', 'cli'],
    ['core into the root entry by the package name', 'src/core/x.ts', "import { listen } from 'udpkit';\nexport const l = listen;\n", 'udpkit', 'core', 'index.ts'],
    ['core into a subpath entry by the package name', 'src/core/x.ts', "import { runCompare } from 'udpkit/compare';\nexport const r = runCompare;\n", 'udpkit/compare', 'core', 'compare'],
    ['a nested folder up two levels', 'src/compare/scenarios/x.ts', "import { main } from '../../cli/compare.js';\nexport const m = main;\n", '../../cli/compare.js', 'compare', 'cli'],
  ])('%s', async (_form, filePath, code, spec, from, to) => {
    expect(await layerMessages(code, filePath)).toEqual([`${filePath} (${from}) must not import ${spec} (${to}): ${DOWN}`]);
  });

  it('an import() or require() with a computed name fails: the rule could not check it', async () => {
    const code = "declare const require: (m: string) => unknown;\nexport const a = (m: string) => import(m);\nexport const b = (m: string) => require(`../${m}`);\n";
    const computed = (what: string): string => `A computed ${what} cannot be checked against the layers: name the module with a string literal.`;
    expect(await layerMessages(code, 'src/core/x.ts')).toEqual([computed('import()'), computed('require()')]);
  });
});

describe('every file in src/ has a layer', () => {
  it.each(['src/validate.ts', 'src/payload.ts', 'src/misc/relay.ts'])('%s has none: it fails lint', async (filePath) => {
    const [message] = await layerMessages('export const x = 1;\n', filePath);
    expect(message).toMatch(new RegExp(`^${filePath.replace(/\./g, '\\.')} has no layer: put it in one of src/bin/, src/cli/, `));
  });
});

describe('imports that point down, or stay in their layer, pass', () => {
  it.each([
    ['src/core/x.ts', "import { show } from '../format/show.js';\nimport { UdpkitError } from '../errors.js';\nimport { unmapEndpoint } from './endpoint.js';\nexport const all = [show, UdpkitError, unmapEndpoint];\n"],
    ['src/core/x.ts', "import { createSocket } from 'node:dgram';\nimport * as z from 'zod/mini';\nexport const load = () => import('./option-schemas.js');\nexport const all = [createSocket, z];\n"],
    ['src/format/x.ts', "import type { Endpoint } from '../types.js';\nexport type E = Endpoint;\n"],
    ['src/compare/x.ts', "export { send } from '../core/udp-sender.js';\n"],
    ['src/cli/x.ts', "import { runCompare } from '../compare/run.js';\nexport const load = () => import('../core/tcp-listener.js');\nexport const r = runCompare;\n"],
    ['src/index.ts', "export { listen } from './core/udp-listener.js';\nexport { UdpkitError } from './errors.js';\n"],
    ['src/bin/x.ts', "import { main } from '../cli/listen.js';\nimport { listen } from 'udpkit';\nexport const all = [main, listen];\n"],
    ['src/errors.ts', "import type { Family } from './types.js';\nexport type F = Family;\n"],
  ])('%s', async (filePath, code) => {
    expect(await layerMessages(code, filePath)).toEqual([]);
  });
});

describe('the config `npm run lint` uses, with type information', () => {
  it('refuses format/records.ts importing core, as it once did', async () => {
    const full = new ESLint({ cwd: root });
    const code = "import { unmapEndpoint } from '../core/endpoint.js';\nexport const u = unmapEndpoint;\n";
    expect(await layerMessages(code, 'src/format/records.ts', full)).toEqual([
      `src/format/records.ts (format) must not import ../core/endpoint.js (core): ${DOWN}`,
    ]);
  }, 60_000);
});
