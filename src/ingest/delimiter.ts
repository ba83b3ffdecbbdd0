/** A CSV field delimiter as the user writes it (--delimiter, or an `inputs` entry of the config). */

const NAMED: Readonly<Record<string, string>> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };

export const DELIMITER_EXPECTED = 'expected one ASCII character other than a quote (or tab, comma, semicolon, pipe)';

/**
 * The delimiter `raw` names, or undefined when it names none. One ASCII character: the CSV reader
 * splits bytes, and a multi-byte delimiter would need decoding first.
 */
export function delimiterOf(raw: string): string | undefined {
  const d = NAMED[raw.toLowerCase()] ?? raw;
  if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') return undefined;
  return d;
}
