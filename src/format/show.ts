/** How a value the user gave is shown in a message: quoted and escaped when it is text, as it is when a number. */
import { quote } from './safe-text.js';

/**
 * Quotes a value the user gave, so that the message shows exactly what was wrong (empty, spaces, escapes),
 * with every control byte escaped and long values cut.
 */
export function show(value: unknown): string {
  // A number came from a library caller, not a command line: shown as the number it is.
  return typeof value === 'number' ? String(value) : quote(value);
}
