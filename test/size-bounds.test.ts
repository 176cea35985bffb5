/**
 * The house's size bounds, measured with the TypeScript compiler API: no function in src/ over 80 lines, no file
 * over 300. A new feature is assembled from parts; it does not grow one function.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 300;
const root = fileURLToPath(new URL('..', import.meta.url));

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Functions (declarations, methods, arrows, accessors) of `text` with their line counts. */
export function functionSizes(fileName: string, text: string): { name: string; line: number; lines: number }[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const own = 'name' in node && node.name !== undefined && ts.isIdentifier(node.name) ? node.name.text : undefined;
      // An arrow or function expression is named by the variable it is assigned to.
      const parent = node.parent;
      const assigned = ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name.text : undefined;
      const name = own ?? assigned ?? '(anonymous)';
      found.push({ name, line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('size bounds of src/', () => {
  const files = sources(join(root, 'src')).map((path) => ({ path: relative(root, path), text: readFileSync(path, 'utf8') }));

  it('measures what it should: a function of 81 lines is caught, one of 80 is not, arrows and methods too', () => {
    const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const sizes = functionSizes('x.ts', `function a() {\n${body(81)}\n}\nclass C {\n  m() {\n${body(80)}\n  }\n}\nconst f = () => {\n${body(3)}\n};\n`);
    expect(sizes.map((s) => [s.name, s.lines])).toEqual([
      ['a', 81],
      ['m', 80],
      ['f', 3],
    ]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.length).toBeGreaterThan(50);
    const over = files.flatMap(({ path, text }) =>
      functionSizes(path, text)
        .filter((f) => f.lines > MAX_FUNCTION_LINES)
        .map((f) => `${path}:${f.line} ${f.name} is ${f.lines} lines`),
    );
    expect(over).toEqual([]);
  });

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const over = files.filter(({ text }) => text.split('\n').length > MAX_FILE_LINES).map(({ path, text }) => `${path} has ${text.split('\n').length} lines`);
    expect(over).toEqual([]);
  });
});
