/** Whether dist/ was built from the sources as they are now: what the global setup asks before any test runs. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What a build reads: a change to any of these makes dist/ stale. Folders count whole, and their own mtime too. */
const BUILD_INPUTS = ['src', 'scripts/bundle.mjs', 'package.json', 'package-lock.json'];

/** A path, its modification time, and whether it is a file. */
interface Stamped {
  path: string;
  mtimeMs: number;
  isFile: boolean;
}

/**
 * Every file and folder below `path` (itself included), bounded to 10,000 entries. A folder's own time counts:
 * removing or renaming a file changes only that, so a module moved away still marks the build stale.
 */
function walk(path: string, into: Stamped[] = []): Stamped[] {
  if (into.length >= 10_000 || !existsSync(path)) return into;
  const stat = statSync(path);
  into.push({ path, mtimeMs: stat.mtimeMs, isFile: stat.isFile() });
  if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name), into);
  return into;
}

/** The files package.json says the package is made of (main, module, types, bin, exports), relative to the root. */
export function declaredOutputs(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const found = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith('./dist/') || value.startsWith('dist/')) found.add(value.replace(/^\.\//, ''));
    } else if (value !== null && typeof value === 'object') {
      Object.values(value).forEach(collect);
    }
  };
  [pkg.main, pkg.module, pkg.types, pkg.bin, pkg.exports].forEach(collect);
  return [...found].sort();
}

/** The newest input of the build: each of {@link BUILD_INPUTS}, the tsconfig*.json files, everything below src/. */
export function newestInput(root: string): Stamped | undefined {
  const tsconfigs = readdirSync(root).filter((name) => /^tsconfig.*\.json$/.test(name));
  const inputs = [...BUILD_INPUTS, ...tsconfigs].flatMap((name) => walk(join(root, name)));
  // On a tie the file wins over its folder: the message then names what was edited.
  const newer = (a: Stamped, b: Stamped): boolean => a.mtimeMs > b.mtimeMs || (a.mtimeMs === b.mtimeMs && a.isFile && !b.isFile);
  return inputs.reduce<Stamped | undefined>((newest, entry) => (newest === undefined || newer(entry, newest) ? entry : newest), undefined);
}

/**
 * Why dist/ under `root` does not reflect the sources (missing, a declared output absent, or older than an input),
 * or undefined when it does. dist/ counts as old as its oldest file: the build empties it first, so that file was
 * written when the build began, and a source changed while the build ran is newer than it.
 */
export function staleReason(root: string): string | undefined {
  const dist = join(root, 'dist');
  if (!existsSync(dist)) return 'dist/ is missing';
  const absent = declaredOutputs(root).find((path) => !existsSync(join(root, path)));
  if (absent !== undefined) return `${absent} is missing (an earlier build did not finish)`;
  const built = walk(dist).filter((entry) => entry.isFile);
  if (built.length === 0) return 'dist/ is empty';
  const oldest = built.reduce((min, entry) => Math.min(min, entry.mtimeMs), Infinity);
  const newest = newestInput(root);
  if (newest !== undefined && newest.mtimeMs > oldest) return `dist/ is older than ${relative(root, newest.path) || newest.path}`;
  return undefined;
}
