/**
 * Turning values into text, by unit, and making text from input data safe for where it goes.
 */
import type { Unit } from '../metrics/types.js';
import { escapeText } from '../errors.js';

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

/** A CSV text cell a spreadsheet would run as a formula gets a leading apostrophe. */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
}
