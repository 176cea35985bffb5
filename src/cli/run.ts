/** The one place where errors become a message line and an exit code, and where argv is parsed by yargs. */
import type { Argv } from 'yargs';
import { UdpkitError, ERROR_CODES } from '../errors.js';
import type { CliIO } from './io.js';

/** The package version, shown by --version. */
export const VERSION = '0.1.0';

/**
 * Parses `argv` with a yargs builder. Help and --version text go to io.stdout and give `undefined`
 * (exit 0); unknown flags and missing arguments throw E_USAGE.
 */
export async function parseArgs<T>(builder: Argv<T>, argv: string[], io: CliIO): Promise<T | undefined> {
  let output = '';
  const parsed = await builder
    .exitProcess(false)
    .strict()
    .version(VERSION)
    .help('help')
    .alias('help', 'h')
    .wrap(100)
    .fail((message, error) => {
      throw error instanceof UdpkitError ? error : new UdpkitError('E_USAGE', error?.message ?? message);
    })
    .parseAsync(argv, {}, (_error, _argv, text) => {
      output = text;
    });
  const flags = parsed as { help?: unknown; version?: unknown };
  if (flags.help === true || flags.version === true) {
    io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    return undefined;
  }
  return parsed as T;
}

/**
 * Runs a command body and turns any failure into `name: message` on stderr and its exit code.
 * Expected failures (UdpkitError) print one line (per problem) and never a stack trace.
 */
export async function runCommand(name: string, io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UdpkitError) {
      io.stderr.write(`${name}: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`${name}: internal error (please report it): ${message}\n`);
    return ERROR_CODES.E_INTERNAL;
  }
}
