/**
 * Turning values into text, by unit, and making text from input data safe for where it goes.
 */
import type { Unit } from '../metrics/types.js';
import { escapeLines, escapeText } from '../core/errors.js';

/** Money is rounded to 1e-9 in JSON and CSV (float sums drift below that); -0 becomes 0. */
export function machineNumber(value: number, unit: Unit): number {
  let v = value;
  if ((unit === 'money' || unit === 'money_per_day') && Math.abs(v) < 1e12) v = Math.round(v * 1e9) / 1e9;
  return v === 0 ? 0 : v;
}

/** A value as JSON/CSV carries it: numbers (money rounded), booleans, strings, null. */
export function machineValue(value: unknown, unit: Unit): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null; // never NaN or Infinity in any output
    return machineNumber(value, unit);
  }
  return value ?? null;
}

// Made on first use: building them costs every start (--help, JSON and CSV output too) about 10 ms.
let formats: { int: Intl.NumberFormat; money: Intl.NumberFormat; oneDecimal: Intl.NumberFormat; twoDecimals: Intl.NumberFormat } | undefined;
// signDisplay 'negative': a value that rounds to zero shows no sign (-0.001 is "0.00", not "-0.00").
const numberFormats = () => (formats ??= {
  int: new Intl.NumberFormat('en-US', { maximumFractionDigits: 0, signDisplay: 'negative' }),
  money: new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'negative' }),
  oneDecimal: new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'negative' }),
  twoDecimals: new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'negative' }),
});

/** A value as a person reads it in a table: rates as percent, money with separators. */
export function humanValue(value: unknown, unit: Unit): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number') return escapeText(String(value)); // controls, bidi and zero-width characters shown escaped
  if (!Number.isFinite(value)) return '—';
  const v = value === 0 ? 0 : value;
  const { int, money, oneDecimal, twoDecimals } = numberFormats();
  switch (unit) {
    case 'count': return Number.isInteger(v) ? int.format(v) : twoDecimals.format(v);
    case 'money': case 'money_per_day': return money.format(v);
    case 'rate': return oneDecimal.format(v * 100) + '%';
    case 'days': case 'months': return oneDecimal.format(v);
    case 'ratio': return twoDecimals.format(v);
    default: return String(v);
  }
}

/** What JSON.stringify leaves as it is but a terminal acts on or hides: DEL, C1 controls, bidi, zero-width and other format characters. */
const JSON_UNSAFE = /[\u007f-\u009f\p{Cf}\u2028\u2029]/gu;
const jsonEscape = (ch: string) => Array.from({ length: ch.length }, (_, i) => '\\u' + ch.charCodeAt(i).toString(16).padStart(4, '0')).join('');

/**
 * CSV, JSON or NDJSON printed on a terminal: text from the data is escaped — CSV as tables are (see
 * escapeText; line breaks kept), JSON with its own \u escapes, so the JSON value is the same. Piped
 * or written to a file, the output is left as it is (it is for programs and spreadsheets).
 */
export function* forTerminal(pieces: Iterable<string>, format: string): Generator<string> {
  for (const piece of pieces) yield format === 'csv' ? escapeLines(piece) : format === 'json' || format === 'ndjson' ? piece.replace(JSON_UNSAFE, jsonEscape) : piece;
}

/** A CSV text cell a spreadsheet would run as a formula gets a leading apostrophe. */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
}
