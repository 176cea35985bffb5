/**
 * The page's files (HTML, script, style), built from src/web/page/ by scripts/bundle.mjs into one CommonJS module,
 * dist/bin/web-page.cjs, loaded once, when a web view starts (a command without --web never reads it).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UdpkitError } from '../errors.js';

/** The page as served: its three files. */
export interface PageAssets {
  html: string;
  js: string;
  css: string;
}

let loaded: PageAssets | undefined;

/**
 * The built page: beside the bundled bin (dist/bin/), or from the sources' point of view in ../../dist/bin/.
 * @throws UdpkitError E_INTERNAL when the build did not make it
 */
export function pageAssets(): PageAssets {
  if (loaded) return loaded;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'web-page.cjs'), join(here, '../bin/web-page.cjs'), join(here, '../../dist/bin/web-page.cjs')];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) throw new UdpkitError('E_INTERNAL', `the web page is not built (looked for ${candidates.join(', ')}): run npm run build`);
  loaded = createRequire(import.meta.url)(found) as PageAssets;
  return loaded;
}
