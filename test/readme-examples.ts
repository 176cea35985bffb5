/**
 * The examples README.md and `--help` give, read out of them: every command in a table cell, every shell session
 * (`$ command` lines with the output shown below them), every `--help` example. test/readme.test.ts runs them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMPARE_EXAMPLES } from '../src/cli/compare-args.js';
import { LISTEN_EXAMPLES } from '../src/cli/listen-args.js';
import { SEND_EXAMPLES } from '../src/cli/send-args.js';

/** One `$ command` of a session and the lines the README shows it printing. */
export interface SessionStep {
  command: string;
  shown: string[];
}

/** What the README and --help hold. */
export interface Examples {
  /** Commands from table cells (`HOST` written as 127.0.0.1), in README order, each once. */
  commands: string[];
  /** Shell sessions: the steps of one fenced block. */
  sessions: SessionStep[][];
  /** --help examples, with the command's name in place of `$0`. */
  help: string[];
}

const COMMAND = /(^|\|\s*)udp-(send|listen|compare)\b/;

/** Splits a table row into cells at `|` not escaped as `\|`. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The commands in the README's table cells and its sessions. */
export function readmeExamples(text = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')): Omit<Examples, 'help'> {
  const commands: string[] = [];
  const sessions: SessionStep[][] = [];
  let block: string[] | undefined;
  let header: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) {
      if (block === undefined) block = [];
      else {
        const session = sessionOf(block);
        if (session.length > 0) sessions.push(session);
        block = undefined;
      }
      continue;
    }
    if (block !== undefined) {
      block.push(line);
      continue;
    }
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    // The first row of a table is its header: the examples are in its `example` column (the flag tables) and its
    // `udpkit` column (the table for nc users); other columns mention commands in sentences.
    if (header === undefined) {
      header = cells(line);
      continue;
    }
    for (const [index, cell] of cells(line).entries()) {
      if (!['example', 'udpkit'].includes(header[index] ?? '')) continue;
      for (const [, code = ''] of cell.matchAll(/`([^`]+)`/g)) {
        const command = code.replace(/\\\|/g, '|').replace(/\bHOST\b/g, '127.0.0.1');
        // A command with its arguments: `udp-listen` alone, in a sentence, names the command, it is not an example.
        if (COMMAND.test(command) && /\s/.test(command) && !commands.includes(command)) commands.push(command);
      }
    }
  }
  return { commands, sessions };
}

/** A fenced block's `$ command` lines, each with the lines after it up to the next command or blank line. */
function sessionOf(lines: string[]): SessionStep[] {
  const steps: SessionStep[] = [];
  for (const line of lines) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), shown: [] });
    else if (line.trim() !== '' && steps.length > 0) steps.at(-1)?.shown.push(line);
  }
  return steps;
}

/** The `--help` examples of the three commands. */
export function helpExamples(): string[] {
  const named = (name: string, examples: readonly (readonly [string, string])[]) => examples.map(([command]) => command.replace(/\$0/g, name));
  return [...named('udp-listen', LISTEN_EXAMPLES), ...named('udp-send', SEND_EXAMPLES), ...named('udp-compare', COMPARE_EXAMPLES)];
}

/** Splits a command line into words as a shell would for these examples (quotes, no expansions). */
export function words(command: string): string[] {
  const out: string[] = [];
  for (const [, double, single, bare] of command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) out.push(double ?? single ?? bare ?? '');
  return out;
}

/** Options of udp-send and udp-listen that take a value (the word after them is not a host or port). */
const VALUED = new Set(
  'file encoding count c interval i rate r duration wait w format f frame connect-timeout send-timeout source s source-port p pcap pcap-filter ttl multicast-if multicast-loop max-reply host time timeout t join source-filter rcvbuf stop-on echo-rate max-frame max-conns idle-timeout expect script respond respond-file'.split(' '),
);

/** What one udp-send or udp-listen command asks: its options, and its positional words in order. */
export function parseCommand(command: string): { tool: string; options: Map<string, string | true>; positionals: string[] } {
  const all = words(command.split('|').map((part) => part.trim()).find((part) => COMMAND.test(part)) ?? command);
  const tool = all[0] ?? '';
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 1; i < all.length; i++) {
    const word = all[i] as string;
    if (word === '>' || word === '>>') {
      i += 1;
      continue;
    }
    if (word === '--') {
      positionals.push(...all.slice(i + 1));
      break;
    }
    if (/^-(-?[A-Za-z]|[46]$)/.test(word)) {
      const name = word.replace(/^--?/, '');
      // A group of short flags (`-ulp 5005`): the last may take the value.
      const last = name.length > 1 && !word.startsWith('--') ? name.at(-1) ?? '' : name;
      if (VALUED.has(last) && all[i + 1] !== undefined) {
        options.set(last, all[i + 1] as string);
        i += 1;
      } else options.set(name, true);
      continue;
    }
    positionals.push(word);
  }
  return { tool, options, positionals };
}
