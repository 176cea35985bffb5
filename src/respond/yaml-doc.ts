/** What the rules file and the script file share: reading YAML (or JSON), and checking it with zod into one line. */
import type * as z from 'zod/mini';
import { parse as parseYaml } from 'yaml';
import { UdpkitError } from '../errors.js';
import { show } from '../format/show.js';

/**
 * Reads `source` (the text of the file `name`) as YAML, of which JSON is a part, and checks it with `shape`.
 * @param fields what an entry may hold, named when an unknown field is found
 * @throws UdpkitError E_USAGE naming the file, where in it, and what was expected
 */
export function readDocument<T>(source: string, name: string, shape: z.ZodMiniType<T>, fields: string): T {
  let doc: unknown;
  try {
    doc = parseYaml(source, { prettyErrors: false });
  } catch (error) {
    throw new UdpkitError('E_USAGE', `${name}: not YAML or JSON: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  return checkDocument(doc, name, shape, fields);
}

/**
 * Checks a document already read (or a library caller's objects) with `shape`.
 * @throws UdpkitError E_USAGE naming `name`, where in the document, and what was expected
 */
export function checkDocument<T>(doc: unknown, name: string, shape: z.ZodMiniType<T>, fields: string): T {
  const checked = shape.safeParse(doc);
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  const keys = issue?.code === 'unrecognized_keys' ? `: unknown ${issue.keys.map((k) => show(k)).join(', ')} (expected ${fields})` : '';
  throw new UdpkitError('E_USAGE', `${name}: ${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}${keys}`);
}
