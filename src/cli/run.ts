/** The one place where errors become a message line and an exit code, and where argv is parsed by yargs. */
import type { Argv } from 'yargs';
import { UdpkitError, ERROR_CODES } from '../errors.js';
import type { CliIO } from './io.js';
import { VERSION } from '../version.js';
import { COMPLETION_SHELLS, completionScript, completionShell } from './completion.js';
import { helpText, helpWidth, type HelpTail } from './help.js';
import { quote, terminalLine } from '../format/safe-text.js';
import { describeWriteFailure, drain, failureOf, guard, put, readerGone } from './output.js';

export { VERSION } from '../version.js';

/** Stands in for an argument after `--` while yargs parses, so that none of them is read as an option. */
const AFTER_END = '\u0000udpkit-operand-';

/** Longest usage message kept; the rest is cut (a pasted blob must not flood the terminal). */
const MAX_USAGE_MESSAGE = 400;

/** yargs' wording made udpkit's: unknown arguments named and quoted (escaped, cut), everything on one line. */
export function usageMessage(message: string, argv: readonly string[] = [], operands: readonly string[] = [], synopsis?: string): string {
  const unknown = /^Unknown arguments?: ([\s\S]*)$/.exec(message);
  if (unknown) {
    // yargs names an unknown flag without its dashes: find how it was typed. What came after `--` is an argument.
    const typed = (name: string): { text: string; option: boolean } => {
      if (name.startsWith(AFTER_END)) return { text: operands[Number(name.slice(AFTER_END.length))] ?? '', option: false };
      const text =
        argv.find((arg) => arg === `-${name}` || arg === `--${name}` || arg.startsWith(`--${name}=`))?.split('=')[0] ??
        (name.length === 1 && argv.some((arg) => /^-[^-]/.test(arg) && arg.includes(name)) ? `-${name}` : name);
      return { text, option: text.startsWith('-') };
    };
    const found = (unknown[1] ?? '').split(', ').map(typed);
    const values = found.map((v) => v.text);
    const kind = found.every((v) => v.option) ? 'option' : 'argument';
    const shown = found.map((v) => (v.option && /^--?[A-Za-z0-9][\w-]*$/.test(v.text) ? v.text : quote(v.text)));
    return `unknown ${kind}${values.length === 1 ? '' : 's'} ${shown.join(', ')}`;
  }
  const missing = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(message.trim());
  if (missing) {
    const lacking = Number(missing[2]) - Number(missing[1]);
    const what = lacking === 1 ? 'an argument' : `${lacking} arguments`;
    return `missing ${what}: expected ${synopsis ?? `at least ${missing[2]}`} (see --help)`;
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


/** The options a builder declares, with their aliases, and which of them take no value. */
function declared(builder: Argv<unknown>): { known: Set<string>; flags: Set<string> } {
  type Declared = { key: Record<string, unknown>; alias: Record<string, string[]>; boolean: string[] };
  const options = (builder as unknown as { getOptions(): Declared }).getOptions();
  const known = new Set(Object.keys(options.key));
  const flags = new Set(options.boolean);
  for (const [name, aliases] of Object.entries(options.alias)) {
    for (const alias of aliases) {
      known.add(alias);
      if (flags.has(name)) flags.add(alias);
    }
  }
  return { known, flags };
}

/**
 * Names the first option not declared, before yargs would complain of something else (a missing port, because
 * `-z` took the host as its value). `-1` and other negative numbers are values, not options.
 * @throws UdpkitError E_USAGE `unknown option -z`
 */
function refuseUnknownOptions(builder: Argv<unknown>, head: readonly string[]): void {
  const { known, flags } = declared(builder);
  const unknown = (option: string): UdpkitError =>
    new UdpkitError('E_USAGE', `unknown option ${/^--?[A-Za-z0-9][\w-]*$/.test(option) ? option : quote(option)}`);
  // An option that takes a value, with none after it (`--file` last, or followed by another option): yargs would
  // give it "" and the command would fail later on the empty value (`cannot read --file ""`, exit 66).
  const takeValue = (at: number, option: string): void => {
    const next = head[at + 1];
    const isOption = next !== undefined && /^-[^\d]/.test(next) && next !== '-' && known.has(next.replace(/^--?/, '').split('=')[0] as string);
    if (next === undefined || isOption) throw new UdpkitError('E_USAGE', `${option} needs a value (see --help)`);
  };
  for (let i = 0; i < head.length; i++) {
    const arg = head[i] as string;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0] as string;
      const bare = name.startsWith('no-') ? name.slice(3) : name;
      if (!known.has(name) && !known.has(bare)) throw unknown(`--${name}`);
      if (!arg.includes('=') && !flags.has(name) && !flags.has(bare)) {
        takeValue(i, `--${name}`);
        i += 1;
      }
      continue;
    }
    if (!arg.startsWith('-') || arg.length < 2 || (/^-\d+(\.\d+)?$/.test(arg) && !known.has(arg.slice(1)))) continue;
    // A group of short options (`-46`, `-ec3`): each a known one, until one that takes a value.
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] as string;
      if (!known.has(letter)) throw unknown(`-${letter}`);
      if (!flags.has(letter)) {
        if (j === arg.length - 1) {
          takeValue(i, `-${letter}`);
          i += 1;
        }
        break;
      }
    }
  }
}

/** What `--help=VALUE` may say to ask for help (`--help=1`), as a boolean is often written in scripts. */
const YES = new Set(['true', '1', 'yes', 'on']);

/**
 * A flag that takes no value, given one (`--help=1`, `-e=1`): yargs would read anything but `true` as false and
 * go on without a word, running a whole comparison for `udp-compare --help=1`. `--help` with a yes is help, and
 * is written back as `--help`; `--version` takes no value at all; other flags take `=true` or `=false`, as yargs
 * documents, and nothing else.
 * @param flags the options that take no value, with their aliases
 * @returns `head`, with each `--help=1` (or `-h=1`) written without its value
 * @throws UdpkitError E_USAGE `invalid --version "x": expected no value (give --version alone)`
 */
function flagValues(head: readonly string[], flags: ReadonlySet<string>): string[] {
  return head.map((arg) => {
    // `--name=value`, or a group of short options with a value for its last (`-e=1`, `-ec=3`), as yargs reads them.
    const match = /^--([^=]+)=([\s\S]*)$/.exec(arg) ?? /^-[^-=]*?([^-=])=([\s\S]*)$/.exec(arg);
    if (!match) return arg;
    const name = match[1] as string;
    const value = match[2] as string;
    if (!flags.has(name.startsWith('no-') ? name.slice(3) : name)) return arg;
    const help = name === 'help' || name === 'h';
    if (help && YES.has(value.toLowerCase())) return arg.slice(0, arg.lastIndexOf('='));
    // An ordinary switch may be turned off in place (`--echo=false`); help, version and `--no-x` are said alone.
    const switchable = !help && name !== 'version' && flags.has(name);
    if (switchable && (value === 'true' || value === 'false')) return arg;
    const typed = name.length > 1 ? `--${name}` : `-${name}`;
    throw new UdpkitError('E_USAGE', `invalid ${typed} ${quote(value)}: expected no value (give ${typed} alone${switchable ? `, or ${typed}=false` : ''})`);
  });
}

/** The default command's positionals as its usage writes them (`<host> <port> [message]`). */
function positionalsOf(builder: Argv<unknown>): string {
  type Commands = { getInternalMethods?: () => { getCommandInstance?: () => { getCommandHandlers?: () => Record<string, { original?: string }> } } };
  const handlers = (builder as unknown as Commands).getInternalMethods?.().getCommandInstance?.().getCommandHandlers?.() ?? {};
  const original = handlers.$0?.original ?? Object.values(handlers)[0]?.original ?? '';
  return original.replace(/^\$0\s*/, '');
}

/** Puts the arguments that came after `--` back where yargs saw their stand-ins. */
function restoreOperands(value: unknown, operands: readonly string[]): unknown {
  if (typeof value === 'string' && value.startsWith(AFTER_END)) return operands[Number(value.slice(AFTER_END.length))] ?? value;
  if (Array.isArray(value)) return value.map((v) => restoreOperands(v, operands));
  return value;
}

/** What {@link parseArgs} needs besides the builder: the end of the help (laid out here, see help.ts), and more. */
export interface ParseOptions extends HelpTail {
  /** Options that may be given more than once (the rest are refused when repeated). */
  repeatable?: readonly string[];
}

/**
 * Parses `argv` with a yargs builder. Help and --version text go to io.stdout and give `undefined`
 * (exit 0); unknown flags and missing arguments throw E_USAGE. `--` ends the options: what follows is taken
 * as arguments, whatever it looks like (`udp-send HOST PORT -- -x` sends `-x`). Help is wrapped at
 * {@link helpWidth}.
 */
export async function parseArgs<T>(builder: Argv<T>, argv: string[], io: CliIO, options: ParseOptions = {}): Promise<T | undefined> {
  // Shell completion, as yargs does it, with its output going where this command's output goes.
  const name = (builder as unknown as { $0: string }).$0;
  const positionals = positionalsOf(builder);
  if (argv[0] === '--get-yargs-completions') {
    const words = argv.slice(1);
    // The shell passes the command line from the command's own name on.
    if (words[0] !== undefined && (words[0] === name || words[0].endsWith(`/${name}`))) words.shift();
    const completions = await builder.getCompletion(words.length > 0 ? words : ['']);
    io.stdout.write(completions.length > 0 ? `${completions.join('\n')}\n` : '');
    return undefined;
  }
  // `completion [SHELL]`; `udp-send completion 5005` is still a host named completion and a port.
  if (argv[0] === 'completion' && argv.length <= 2 && !/^\d/.test(argv[1] ?? '')) {
    const shell = argv[1];
    if (shell !== undefined && !COMPLETION_SHELLS.includes(shell)) {
      throw new UdpkitError('E_USAGE', `completion: unknown shell ${quote(shell)}: expected ${COMPLETION_SHELLS.join(' or ')}`);
    }
    io.stdout.write(completionScript(name, completionShell(shell, io.env.SHELL)));
    return undefined;
  }
  const end = argv.indexOf('--');
  // -h is help's alias in every command (set below, where yargs is told); --help and --version are declared.
  const head = flagValues(end < 0 ? argv : argv.slice(0, end), new Set([...declared(builder).flags, 'h']));
  const operands = end < 0 ? [] : argv.slice(end + 1);
  if (!head.some((arg) => arg === '--help' || arg === '-h' || arg === '--version')) refuseUnknownOptions(builder, head);
  const operandsShown = (text: string): string =>
    text.replace(new RegExp(`${AFTER_END}(\\d+)`, 'g'), (_m, index: string) => operands[Number(index)] ?? '');
  let output = '';
  const width = helpWidth(io);
  const parsed = await builder
    .exitProcess(false)
    .strict()
    .version(VERSION)
    .help('help')
    .alias('help', 'h')
    .wrap(width)
    .fail((message, error) => {
      if (error instanceof UdpkitError) throw error;
      const text = error?.message ?? message;
      const synopsis = /^Not enough non-option/.test(text) ? `${name} ${positionals}`.trim() : undefined;
      throw new UdpkitError('E_USAGE', usageMessage(/^Unknown argument/.test(text) ? text : operandsShown(text), head, operands, synopsis));
    })
    .parseAsync([...head, ...operands.map((_operand, index) => `${AFTER_END}${index}`)], {}, (_error, _argv, text) => {
      output = text;
    });
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    (parsed as Record<string, unknown>)[key] = restoreOperands(value, operands);
  }
  const flags = parsed as { help?: unknown; version?: unknown };
  if (flags.help === true) {
    io.stdout.write(helpText(output, name, options, width));
    return undefined;
  }
  if (flags.version === true) {
    io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    return undefined;
  }
  refuseRepeats(parsed, options.repeatable ?? []);
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
 * A failed write to stdout ends as exit 74 with one line, except a reader that went away (EPIPE): that ends
 * quietly, keeping the code. A failed stderr is silent but keeps the code.
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
  if (stdoutFailure && code === 0 && !readerGone(stdoutFailure)) {
    put(io.stderr, `${name}: cannot write output: ${describeWriteFailure(stdoutFailure)}\n`);
    code = ERROR_CODES.E_IO;
  }
  await drain(io.stderr);
  return code;
}
