import { escapeText } from '../core/errors.js';

/**
 * Column names for a message (a file's headers, what an input can be grouped by): the first 20,
 * each trimmed, cut at 40 characters and escaped, then how many more; "none" when there are none.
 */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).map((n) => showName(n.trim()));
  const more = names.length > 20 ? `, … (${names.length - 20} more)` : '';
  return shown.length ? shown.join(', ') + more : 'none';
}

/** One column name for a message: cut at 40 characters, escaped. */
export const showName = (name: string): string => escapeText(name.length > 40 ? name.slice(0, 40) + '…' : name);
