/** How `--help` is laid out: the width it wraps at, and examples that are never broken inside a command line. */
import type { CliIO } from './io.js';

/** One example of a command: the command line (`$0` stands for the command's name) and what it does. */
export type Example = readonly [command: string, description: string];

/** What a command's help shows after its options: examples, then a closing paragraph. */
export interface HelpTail {
  examples?: readonly Example[] | undefined;
  epilogue?: string | undefined;
}

/** The widest help is laid out: wider lines are harder to read, whatever the terminal. */
export const MAX_HELP_WIDTH = 100;

/** Below this the columns would be too narrow to hold a word; a narrower terminal wraps lines itself. */
const MIN_HELP_WIDTH = 40;

/** Spaces before an example, and between an example and its description (as yargs lays out its tables). */
const INDENT = 2;
const GAP = 2;

/**
 * The width help is wrapped at: the terminal's, when stdout is one; else `COLUMNS` when set (as `COLUMNS=80
 * udp-send --help | less`); else {@link MAX_HELP_WIDTH}. Never more than that, nor less than 40.
 */
export function helpWidth(io: CliIO): number {
  const terminal = io.stdout.isTTY === true ? (io.stdout as { columns?: unknown }).columns : undefined;
  const columns = typeof terminal === 'number' ? terminal : Number(io.env.COLUMNS);
  if (!Number.isInteger(columns) || columns <= 0) return MAX_HELP_WIDTH;
  return Math.max(MIN_HELP_WIDTH, Math.min(MAX_HELP_WIDTH, columns));
}

/** `text` in lines of at most `width` columns, broken between words (a longer word keeps a line of its own). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  return line === '' ? lines : [...lines, line];
}

/**
 * The width of the command column: the one that puts the most examples whole on one line beside their
 * description (the narrowest such, to leave the most room to the descriptions that wrap).
 */
function commandColumn(commands: readonly string[], descriptions: readonly string[], width: number): number {
  let best = { column: Math.min(Math.max(0, ...commands.map((c) => c.length)), Math.floor(width / 2)), fits: 0 };
  for (const column of [...new Set(commands.map((c) => c.length))].sort((a, b) => a - b)) {
    const fits = commands.filter((c, i) => c.length <= column && INDENT + column + GAP + (descriptions[i] ?? '').length <= width).length;
    if (fits > best.fits) best = { column, fits };
  }
  return best.column;
}

/**
 * The examples section: each example whole on one line with its description beside it, or, where the two do
 * not fit, the command on a line of its own and the description below it, in the same column as the others.
 * A command line is never broken: a broken one reads as two examples.
 */
export function examplesSection(name: string, examples: readonly Example[], width: number): string {
  const commands = examples.map(([command]) => command.replace(/\$0/g, name));
  const descriptions = examples.map(([, description]) => description);
  const column = commandColumn(commands, descriptions, width);
  const margin = ' '.repeat(INDENT + column + GAP);
  const lines = ['Examples:'];
  commands.forEach((command, i) => {
    const [first = '', ...rest] = wrapWords(descriptions[i] ?? '', Math.max(width - margin.length, 20));
    const beside = command.length <= column && margin.length + first.length <= width;
    lines.push(beside ? `${' '.repeat(INDENT)}${command.padEnd(column + GAP)}${first}` : `${' '.repeat(INDENT)}${command}`);
    if (!beside) lines.push(`${margin}${first}`);
    for (const line of rest) lines.push(`${margin}${line}`);
  });
  return lines.join('\n');
}

/** yargs' help (usage, positionals, options) followed by the examples and the epilogue, laid out at `width`. */
export function helpText(usage: string, name: string, tail: HelpTail, width: number): string {
  const parts = [usage.trimEnd()];
  if (tail.examples && tail.examples.length > 0) parts.push(examplesSection(name, tail.examples, width));
  if (tail.epilogue !== undefined) parts.push(wrapWords(tail.epilogue, width).join('\n'));
  parts.push(wrapWords(`Shell completion: ${name} completion >> ~/.bashrc (or ${name} completion zsh >> ~/.zshrc).`, width).join('\n'));
  return `${parts.join('\n\n')}\n`;
}
