/**
 * The examples README.md and `--help` give, read out of them: every command in a table cell, every shell session
 * (`$ command` lines with the output shown below them), every `--help` example. test/readme.test.ts runs them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMPARE_EXAMPLES } from '../src/cli/compare-args.js';
import { LISTEN_EXAMPLES } from '../src/cli/listen-args.js';
import { SEND_EXAMPLES } from '../src/cli/send-args.js';
import { PROBE_EXAMPLES } from '../src/cli/probe-args.js';
import { PROXY_EXAMPLES } from '../src/cli/proxy-args.js';

/** One `$ command` of a session and the lines the README shows it printing. */
export interface SessionStep {
  command: string;
  shown: string[];
}

/**
 * A worked example: the command lines of a section's script blocks (and of the `# FILE: COMMAND` headers of its
 * YAML blocks), in README order, run as a person would, one after the other.
 */
export interface Script {
  section: string;
  lines: string[];
  /** What the README shows a line printing (a plain block right after the YAML block that names the line). */
  shown: Record<string, string[]>;
}

/** A YAML block the README names (`# sensor.yaml: udp-listen … sensor.yaml …`): written to that file first. */
export interface NamedFile {
  name: string;
  text: string;
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

const COMMAND = /(^|\|\s*)udp-(send|listen|compare|proxy|probe)\b/;

/** Splits a table row into cells at `|` not escaped as `\|`. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The commands in the README's table cells and its sessions. */
export function readmeExamples(
  text = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8'),
): Omit<Examples, 'help'> & { scripts: Script[]; files: NamedFile[] } {
  const commands: string[] = [];
  const sessions: SessionStep[][] = [];
  const scripts: Script[] = [];
  const files: NamedFile[] = [];
  let block: string[] | undefined;
  let language = '';
  let header: string[] | undefined;
  let section = '';
  const script = (lines: string[]): void => {
    const last = scripts.at(-1);
    if (last !== undefined && last.section === section) last.lines.push(...lines);
    else scripts.push({ section, lines, shown: {} });
  };
  /** The command of the YAML block just closed, when nothing but blank lines came after it yet. */
  let named: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) {
      if (block === undefined) {
        block = [];
        language = line.slice(3).trim();
      } else {
        const session = sessionOf(block);
        if (session.length > 0) sessions.push(session);
        const file = /^# ([\w.-]+\.ya?ml): (udp-.*)$/.exec(block[0] ?? '');
        const output = language === '' && session.length === 0 && named !== undefined && !isScript(block);
        if (output) (scripts.at(-1) as Script).shown[named as string] = block.filter((l) => l.trim() !== '');
        named = undefined;
        if (language === 'yaml' && file) {
          files.push({ name: file[1] ?? '', text: block.join('\n') });
          script([file[2] ?? '']);
          named = file[2] ?? '';
        } else if (['', 'sh', 'bash'].includes(language) && session.length === 0 && isScript(block)) {
          script(block.filter((l) => l.trim() !== '' && !l.startsWith('#')));
        }
        block = undefined;
      }
      continue;
    }
    // A heading (not a comment inside a fenced block): the section the next worked example belongs to.
    if (line.startsWith('#') && block === undefined) section = line;
    if (block !== undefined) {
      block.push(line);
      continue;
    }
    if (line.trim() !== '' && !line.startsWith('```')) named = undefined;
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
  return { commands, sessions, scripts, files };
}

/** A block of commands only (no output shown): each line runs a udpkit command, or curl, python3, echo or tail. */
function isScript(block: string[]): boolean {
  const lines = block.filter((l) => l.trim() !== '' && !l.startsWith('#'));
  return lines.length > 0 && lines.some((l) => COMMAND.test(l)) && lines.every((l) => /^(udp-\w+|curl|python3|echo|tail) /.test(l));
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

/** The `--help` examples of every command. */
export function helpExamples(): string[] {
  const named = (name: string, examples: readonly (readonly [string, string])[]) => examples.map(([command]) => command.replace(/\$0/g, name));
  return [
    ...named('udp-listen', LISTEN_EXAMPLES),
    ...named('udp-send', SEND_EXAMPLES),
    ...named('udp-compare', COMPARE_EXAMPLES),
    ...named('udp-proxy', PROXY_EXAMPLES),
    ...named('udp-probe', PROBE_EXAMPLES),
  ];
}

/** Splits a command line into words as a shell would for these examples (quotes, no expansions). */
export function words(command: string): string[] {
  const out: string[] = [];
  for (const [, double, single, bare] of command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) out.push(double ?? single ?? bare ?? '');
  return out;
}

/** Options of the commands that take a value (the word after them is not a host or port). */
const VALUED = new Set(
  ('file encoding count c interval i rate r duration wait w format f frame connect-timeout send-timeout source s source-port p pcap pcap-filter ttl multicast-if multicast-loop max-reply host time timeout t join source-filter rcvbuf stop-on echo-rate max-frame max-conns idle-timeout ' +
    'expect script respond respond-file metrics web allow deny ' +
    'loss loss-burst delay jitter duplicate corrupt reorder queue mtu outage seed session-timeout max-sessions control slice reset-after blackhole-after ' +
    'size report').split(' '),
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
