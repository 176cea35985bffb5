/** The one place where errors become a message line and an exit code, and where argv is parsed by yargs. */
import type { Argv } from 'yargs';
import { UdpkitError, ERROR_CODES } from '../errors.js';
import type { CliIO } from './io.js';
import { quote, terminalLine } from '../format/safe-text.js';
import { describeWriteFailure, drain, failureOf, guard, put } from './output.js';

/** The package version, shown by --version. */
export const VERSION = '0.1.0';

/** Longest usage message kept; the rest is cut (a pasted blob must not flood the terminal). */
const MAX_USAGE_MESSAGE = 400;

/** yargs' wording made udpkit's: unknown arguments named and quoted (escaped, cut), everything on one line. */
export function usageMessage(message: string, argv: readonly string[] = []): string {
  const unknown = /^Unknown arguments?: ([\s\S]*)$/.exec(message);
  if (unknown) {
    // yargs names an unknown flag without its dashes: find how it was typed.
    const typed = (name: string): string =>
      argv.find((arg) => arg === `-${name}` || arg === `--${name}` || arg.startsWith(`--${name}=`))?.split('=')[0] ??
      (name.length === 1 && argv.some((arg) => /^-[^-]/.test(arg) && arg.includes(name)) ? `-${name}` : name);
    const values = (unknown[1] ?? '').split(', ').map(typed);
    const kind = values.every((v) => v.startsWith('-')) ? 'option' : 'argument';
    const shown = values.map((v) => (/^--?[A-Za-z0-9][\w-]*$/.test(v) ? v : quote(v)));
    return `unknown ${kind}${values.length === 1 ? '' : 's'} ${shown.join(', ')}`;
  }
  const line = message.replace(/\s*\n\s*/g, '; ');
  return line.length > MAX_USAGE_MESSAGE ? `${line.slice(0, MAX_USAGE_MESSAGE)}…(${line.length} characters)` : line;
}

/** An option given twice that takes one value is refused, naming both values (yargs would make an array of them). */
function refuseRepeats(parsed: Record<string, unknown>, repeatable: readonly string[]): void {
  const repeated = Object.entries(parsed).filter(
    ([key, value]) => Array.isArray(value) && key !== '_' && !repeatable.includes(key) && !/[A-Z]/.test(key),
  );
  // Prefer the long name: yargs fills every alias (`-c` and `--count`) with the same array.
  const [key, values] = repeated.find(([k]) => k.length > 1) ?? repeated[0] ?? [];
  if (key === undefined || !Array.isArray(values)) return;
  const flag = key.length > 1 ? `--${key}` : `-${key}`;
  throw new UdpkitError('E_USAGE', `${flag} was given ${values.length} times (${values.map((v) => quote(String(v))).join(', ')}): give it once`);
}

/**
 * Parses `argv` with a yargs builder. Help and --version text go to io.stdout and give `undefined`
 * (exit 0); unknown flags and missing arguments throw E_USAGE.
 */
export async function parseArgs<T>(builder: Argv<T>, argv: string[], io: CliIO, repeatable: readonly string[] = []): Promise<T | undefined> {
  let output = '';
  const parsed = await builder
    .exitProcess(false)
    .strict()
    .version(VERSION)
    .help('help')
    .alias('help', 'h')
    .wrap(100)
    .fail((message, error) => {
      throw error instanceof UdpkitError ? error : new UdpkitError('E_USAGE', usageMessage(error?.message ?? message, argv));
    })
    .parseAsync(argv, {}, (_error, _argv, text) => {
      output = text;
    });
  const flags = parsed as { help?: unknown; version?: unknown };
  if (flags.help === true || flags.version === true) {
    io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    return undefined;
  }
  refuseRepeats(parsed as Record<string, unknown>, repeatable);
  return parsed as T;
}

/** `name: internal error (please report it): ` and the error's stack, every line terminal-safe. */
export function internalErrorText(name: string, error: unknown): string {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `${name}: internal error (please report it): ${message.split('\n').map(terminalLine).join('\n')}\n`;
}

/**
 * Runs a command body and turns any failure into `name: message` on stderr and its exit code.
 * Expected failures (UdpkitError) print one line and never a stack trace; every line is made terminal-safe.
 * A failed write to stdout ends as exit 74 with one line; a failed stderr is silent but keeps the code.
 * Resolves once stdout and stderr have taken what was written (or stopped making progress).
 */
export async function runCommand(name: string, io: CliIO, body: () => Promise<number>): Promise<number> {
  guard(io.stdout);
  guard(io.stderr);
  let code: number;
  try {
    code = await body();
  } catch (error) {
    if (error instanceof UdpkitError) {
      put(io.stderr, `${name}: ${terminalLine(error.message)}\n`);
      code = error.exitCode;
    } else {
      put(io.stderr, internalErrorText(name, error));
      code = ERROR_CODES.E_INTERNAL;
    }
  }
  await drain(io.stdout);
  // A synchronous stream (a file, /dev/full) reports its failure on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  const stdoutFailure = failureOf(io.stdout);
  if (stdoutFailure && code === 0) {
    put(io.stderr, `${name}: cannot write output: ${describeWriteFailure(stdoutFailure)}\n`);
    code = ERROR_CODES.E_IO;
  }
  await drain(io.stderr);
  return code;
}
