/** The page's browser code type-checks against the DOM (its own tsconfig: the root one is for Node and leaves it out). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('src/web/page type-checks (tsc -p src/web/page/tsconfig.json)', () => {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'src/web/page/tsconfig.json', '--noEmit'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
}, 120_000);
