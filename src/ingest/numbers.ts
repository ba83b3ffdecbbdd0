/**
 * How amounts write their digits (the config's `numberFormat`): the character that groups
 * thousands and the decimal mark. Under every format an amount may carry a currency before or
 * after it, a K/M/B suffix (× 10³, 10⁶, 10⁹) and an accounting negative in parentheses. A value
 * that does not fit the declared format is never read by another: `1.234` is 1234 under "1.234,56"
 * and 1.234 under "1,234.56", as the file's writer meant it.
 */
import { showValue } from '../core/errors.js';

/** The formats, each named by how it writes one thousand two hundred and thirty-four and a bit. */
export const NUMBER_FORMATS = ['1,234.56', '1.234,56', '1 234,56', "1'234.56"] as const;
export type NumberFormat = (typeof NUMBER_FORMATS)[number];
export const DEFAULT_NUMBER_FORMAT: NumberFormat = '1,234.56';

/** The config may spell "1 234,56" with a no-break space (as many locales print it). */
export const numberFormatOf = (name: string): NumberFormat | undefined =>
  NUMBER_FORMATS.find((f) => f === name.replace(/[\u00a0\u202f]/g, ' '));

/** A currency before or after the number: a symbol (US$, C$, A$ and R$ included) or a three-letter code. */
const CURRENCY = String.raw`US\$|[CAR]\$|\p{Sc}|[A-Za-z]{3}`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface AmountSyntax {
  readonly format: NumberFormat;
  /** The decimal mark. */
  readonly point: string;
  /**
   * Groups: sign, currency, sign, open parenthesis, number, exponent, suffix, close parenthesis,
   * currency, close parenthesis (see readAmount).
   */
  readonly pattern: RegExp;
  /** Why a value that does not fit is rejected. */
  readonly expected: string;
  /** Every group character, to remove them. */
  readonly groups: RegExp;
}

function syntax(format: NumberFormat): AmountSyntax {
  const point = format[5];
  // "1 234,56": a space, a no-break space or a narrow no-break space (Intl's French) groups.
  const group = format === '1 234,56' ? '[ \\u00a0\\u202f]' : format === "1'234.56" ? "['\u2019]" : escape(format[1]);
  const p = escape(point);
  const number = String.raw`(?:\d{1,3}(?:${group}\d{3})+|\d+)(?:${p}\d*)?|${p}\d+`;
  const pattern = new RegExp(String.raw`^([+-])?\s*(\()?\s*(${CURRENCY})?\s*([+-])?(\()?(${number})(?:[eE]([+-]?\d+))?([KMB])?(\))?\s*(${CURRENCY})?\s*(\))?$`, 'u');
  const expected = format === DEFAULT_NUMBER_FORMAT
    ? 'is not a number (expected e.g. 1200.50 or $1,200.50)'
    : `is not a number written as the numberFormat ${showValue(format)} says (expected e.g. 1200${point}50 or 1${format[1]}200${point}50 €)`;
  return { format, point, pattern, expected, groups: new RegExp(group, 'g') };
}

const SYNTAXES = new Map(NUMBER_FORMATS.map((f) => [f, syntax(f)]));
const DEFAULT_SYNTAX = SYNTAXES.get(DEFAULT_NUMBER_FORMAT)!;
export const amountSyntax = (format?: NumberFormat): AmountSyntax => (format === undefined ? DEFAULT_SYNTAX : SYNTAXES.get(format)!);

/** The parts of an amount that fits its format (amountParts' answer, reused from call to call: read it before the next call). */
export interface AmountParts {
  /** The digits as a JavaScript number literal (groups gone, `.` as the point, suffix and exponent applied). */
  digits: string;
  negative: boolean;
  /** The currencies written before and after it, if any. */
  before: string | undefined;
  after: string | undefined;
}
const parts: AmountParts = { digits: '', negative: false, before: undefined, after: undefined };

const SUFFIX_ZEROS = { K: 3, M: 6, B: 9 } as const;

/**
 * The default format's common layouts (`$1,234.50`, `-1200 EUR`: no parentheses, no suffix), by a
 * simpler pattern that is quicker to run: the same groups as the full pattern's, less those.
 */
const COMMON = new RegExp(String.raw`^([+-])?\s*(${CURRENCY})?\s*([+-])?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*(${CURRENCY})?$`, 'u');

/** The parts of an amount written as `s` says (trimmed), or undefined when it does not fit. */
export function amountParts(trimmed: string, s: AmountSyntax): AmountParts | undefined {
  if (s.format === DEFAULT_NUMBER_FORMAT) {
    const c = COMMON.exec(trimmed);
    if (c) {
      const number = c[4], exponent = c[5];
      if ((c[1] && c[3]) || (exponent !== undefined && number.includes(','))) return undefined;
      parts.digits = exponent === undefined ? number.replaceAll(',', '') : `${number}e${exponent}`;
      parts.negative = (c[1] ?? c[3]) === '-';
      parts.before = c[2];
      parts.after = c[6];
      return parts;
    }
  }
  const m = s.pattern.exec(trimmed);
  if (!m) return undefined;
  const sign1 = m[1], open1 = m[2], sign2 = m[4], open2 = m[5], number = m[6], exponent = m[7], suffix = m[8], close2 = m[9], close1 = m[11];
  // One sign at most; a parenthesis pair instead of a sign.
  if (sign1 && sign2) return undefined;
  if ((open1 || open2 || close1 || close2) && ((open1 === undefined) === (open2 === undefined) || (close1 === undefined) === (close2 === undefined) || sign1 || sign2)) return undefined;
  let digits = number.replace(s.groups, '');
  if (s.point !== '.') digits = digits.replace(s.point, '.');
  if (suffix !== undefined) digits = shiftPoint(digits, SUFFIX_ZEROS[suffix as keyof typeof SUFFIX_ZEROS]);
  if (exponent !== undefined) {
    // An exponent only in the default format, on an ungrouped number without a suffix (1.5e3, not 1,000e3).
    if (digits.length !== number.length || suffix !== undefined || s.format !== DEFAULT_NUMBER_FORMAT) return undefined;
    digits += 'e' + exponent;
  }
  parts.digits = digits;
  parts.negative = open1 !== undefined || open2 !== undefined || (sign1 ?? sign2) === '-';
  parts.before = m[3];
  parts.after = m[10];
  return parts;
}

/** `digits` (with at most one `.`) times 10^zeros, written out, so the number is read once and exactly: 342.09K is 342090, not 342.09 × 1000. */
function shiftPoint(digits: string, zeros: number): string {
  const at = digits.indexOf('.');
  const whole = at < 0 ? digits : digits.slice(0, at), fraction = at < 0 ? '' : digits.slice(at + 1);
  const moved = fraction.padEnd(zeros, '0');
  return `${whole}${moved.slice(0, zeros)}.${moved.slice(zeros)}0`;
}
