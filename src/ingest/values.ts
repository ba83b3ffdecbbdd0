/**
 * Readers for the typed values of input columns: timestamps, amounts, probabilities.
 * Each returns the value, or a `Bad` carrying the sentence that explains what was expected,
 * so the caller can reject the row naming the column and the value. Nothing here defaults silently.
 */
import { showValue, usageError } from '../core/errors.js';
import { BARE_DOLLAR, DOLLAR_SIGN_CURRENCIES, EXPECTED_CURRENCY, Money, currencyOf } from './currency.js';
import { amountParts, amountSyntax, type NumberFormat } from './numbers.js';
import { ZONE_GAP, type Zone } from './timezone.js';

/** No real number or date is longer; a longer value is rejected before any regex sees it (backtracking on megabytes overflows the stack). */
const MAX_NUMBER_LENGTH = 64;

export interface Bad { readonly bad: string }
export const isBad = (v: unknown): v is Bad => typeof v === 'object' && v !== null && 'bad' in v;
const bad = (raw: string, what: string): Bad => ({ bad: `${showValue(raw)} ${what}` });

// ---------------------------------------------------------------------------------------------
// Timestamps → epoch milliseconds, UTC.

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const NUMERIC = /^\d+(?:\.\d+)?$/;
const DAY_MS = 86_400_000;
const EXPECTED_DATE = 'is not a date (expected ISO 8601 such as 2024-03-01 or 2024-03-01T10:00:00Z';

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28)
    : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (no Date object, no local time). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Days since 1970-01-01 of year-month-day, or undefined when there is no such date (month 13,
 * 31 April, 29 February of a common year, a year before 1000). The months of 1900–2199 — the dates
 * of nearly every export — are looked up in a table, without the calendar arithmetic.
 */
function civilDays(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1) return undefined;
  const k = (year - TABLE_FROM) * 12 + month - 1;
  if (k >= 0 && k < MONTH_START.length) return day > MONTH_LENGTH[k] ? undefined : MONTH_START[k] + day - 1;
  return year < 1000 || day > daysInMonth(year, month) ? undefined : daysFromCivil(year, month, day);
}
const TABLE_FROM = 1900, TABLE_YEARS = 300;
const MONTH_START = new Int32Array(TABLE_YEARS * 12), MONTH_LENGTH = new Uint8Array(TABLE_YEARS * 12);
for (let k = 0; k < MONTH_START.length; k++) {
  const year = TABLE_FROM + Math.floor(k / 12), month = (k % 12) + 1;
  MONTH_START[k] = daysFromCivil(year, month, 1);
  MONTH_LENGTH[k] = daysInMonth(year, month);
}

/** The number written by the 2 (or 4) digits at s[i], or −1 when any of them is not a digit. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48, b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}
function digits4(s: string, i: number): number {
  const hi = digits2(s, i), lo = digits2(s, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/**
 * The two layouts exports use most — `2024-03-01` and `2024-03-01T10:00:00Z` (or with a space, or
 * no Z) — read by position without a regex; anything else goes to the full ISO pattern.
 */
function parseCommonTimestamp(raw: string): number | undefined {
  const n = raw.length;
  if ((n !== 10 && n !== 19 && n !== 20) || raw.charCodeAt(4) !== 45 || raw.charCodeAt(7) !== 45) return undefined;
  const days = civilDays(digits4(raw, 0), digits2(raw, 5), digits2(raw, 8));
  if (days === undefined) return undefined;
  const ms = days * DAY_MS;
  if (n === 10) return ms;
  const sep = raw.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || raw.charCodeAt(13) !== 58 || raw.charCodeAt(16) !== 58 || (n === 20 && raw.charCodeAt(19) !== 90)) return undefined;
  const hour = digits2(raw, 11), minute = digits2(raw, 14), second = digits2(raw, 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  return ms + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** The number written by the 2 (or 4) ASCII digits at b[i], or −1. */
function digitBytes2(b: Uint8Array, i: number): number {
  const x = b[i] - 48, y = b[i + 1] - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}
function digitBytes4(b: Uint8Array, i: number): number {
  const hi = digitBytes2(b, i), lo = digitBytes2(b, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/**
 * parseCommonTimestamp over bytes[o, end) of a CSV chunk, without making a string: the same rules
 * (test/values.test.ts checks the two agree on every layout and on random near-misses).
 */
function commonTimestampBytes(b: Uint8Array, o: number, end: number): number | undefined {
  const n = end - o;
  if ((n !== 10 && n !== 19 && n !== 20) || b[o + 4] !== 45 || b[o + 7] !== 45) return undefined;
  const days = civilDays(digitBytes4(b, o), digitBytes2(b, o + 5), digitBytes2(b, o + 8));
  if (days === undefined) return undefined;
  const ms = days * DAY_MS;
  if (n === 10) return ms;
  const sep = b[o + 10];
  if ((sep !== 84 && sep !== 32) || b[o + 13] !== 58 || b[o + 16] !== 58 || (n === 20 && b[o + 19] !== 90)) return undefined;
  const hour = digitBytes2(b, o + 11), minute = digitBytes2(b, o + 14), second = digitBytes2(b, o + 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  return ms + ((hour * 60 + minute) * 60 + second) * 1000;
}

/**
 * Returned by the byte readers (over bytes[start, end) of a CSV chunk) when the value is not in a
 * common layout they know: the caller then makes the value a string and uses the full string
 * reader, which is the definition. So the byte readers can only agree with it.
 */
export const NOT_FAST: unique symbol = Symbol('not fast');

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * A plain decimal (digits with at most one point) in bytes[start, end), read without making a
 * string. Exact: with at most 15 digits the digits form an integer below 2^53 and 10^k (k ≤ 15) is
 * exact too, so one IEEE division gives the correctly rounded value — the same double as Number().
 */
export function decimalAt(bytes: Uint8Array, start: number, end: number): number | typeof NOT_FAST {
  let int = 0, digitsSeen = 0, point = -1;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c >= 48 && c <= 57) { int = int * 10 + (c - 48); digitsSeen++; }
    else if (c === 46 && point < 0) point = i;
    else return NOT_FAST;
  }
  if (digitsSeen === 0 || digitsSeen > 15) return NOT_FAST;
  return point < 0 ? int : int / POW10[end - point - 1];
}

/** decimalAt for the formats whose decimal mark is a comma (`146536,25`): the same rules and exactness. */
export function commaDecimalAt(bytes: Uint8Array, start: number, end: number): number | typeof NOT_FAST {
  let int = 0, digitsSeen = 0, point = -1;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c >= 48 && c <= 57) { int = int * 10 + (c - 48); digitsSeen++; }
    else if (c === 44 && point < 0) point = i;
    else return NOT_FAST;
  }
  if (digitsSeen === 0 || digitsSeen > 15) return NOT_FAST;
  return point < 0 ? int : int / POW10[end - point - 1];
}

/** Parses an ISO 8601 date or date-time; values without an offset are UTC. */
export function parseIsoTimestamp(raw: string): number | undefined {
  const common = parseCommonTimestamp(raw);
  if (common !== undefined) return common;
  const m = ISO.exec(raw);
  if (!m) return undefined;
  const year = +m[1], month = +m[2], day = +m[3];
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  let ms = daysFromCivil(year, month, day) * DAY_MS;
  if (m[4] !== undefined) {
    const hour = +m[4], minute = +m[5], second = m[6] === undefined ? 0 : +m[6];
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    ms += ((hour * 60 + minute) * 60 + second) * 1000;
    if (m[7] !== undefined) ms += Math.floor(Number('0.' + m[7]) * 1000);
    const offset = m[8];
    if (offset !== undefined && offset !== 'Z' && offset !== 'z') {
      const sign = offset[0] === '-' ? -1 : 1;
      const digits = offset.slice(1).replace(':', '');
      const oh = +digits.slice(0, 2), om = digits.length > 2 ? +digits.slice(2, 4) : 0;
      if (oh > 14 || om > 59) return undefined;
      ms -= sign * (oh * 60 + om) * 60_000;
    }
  }
  return ms;
}

/**
 * Reads every timestamp column of one input. Epoch seconds or milliseconds are accepted when the
 * column is numeric: a streaming reader cannot look at the whole column first, so the column's first
 * non-empty value decides, and a later value of the other kind is rejected (README: "Timestamps").
 */
/** Reads a value with a date pattern (--date-format, dateFormats), in UTC; undefined when it does not match. */
export type PatternParser = (raw: string) => number | undefined;

/**
 * Loads date-fns only when a date pattern is given (it is the largest module at start-up). A pattern
 * date-fns would refuse, or would read as something other than what its writer almost surely meant,
 * is a usage error before any input is read: date-fns throws (and writes a warning to the console)
 * only when a value reaches the token, which made a stack trace out of a typo.
 */
export async function loadPatternParser(pattern: string, where = '--date-format'): Promise<PatternParser> {
  const [{ parse }, { format }, { isValid }, { utc }] = await Promise.all([
    import('date-fns/parse'), import('date-fns/format'), import('date-fns/isValid'), import('@date-fns/utc')]);
  const refuse = (why: string, cause?: unknown) => usageError('BAD_DATE_FORMAT', `${where} ${showValue(pattern)}: ${why} (see https://date-fns.org/docs/parse)`, cause);
  if (pattern.trim() === '') throw refuse('the pattern is empty');
  // Y (week-numbering year) and D (day of the year) are nearly always typos for y and d.
  const tokens = pattern.replace(/''|'(?:''|[^'])*(?:'|$)/g, ''); // text in quotes is literal
  const week = /Y+/.exec(tokens), dayOfYear = /D+/.exec(tokens);
  if (week) throw refuse(`"${week[0]}" is the week-numbering year; use "${week[0].replaceAll('Y', 'y')}" for the calendar year`);
  if (dayOfYear) throw refuse(`"${dayOfYear[0]}" is the day of the year; use "${dayOfYear[0].replaceAll('D', 'd')}" for the day of the month`);
  // A pattern without a year would take the year of the reference date: a guess, refused.
  if (!/[yuRtT]/.test(tokens)) throw refuse('the pattern has no year (expected a date-fns pattern with one, e.g. MM/dd/yyyy or dd.MM.yy)');
  // Every token is tried once (format meets every token; parse stops at the first that does not
  // match): a date written with the pattern is read back with it.
  try {
    parse(format(TWO_DIGIT_YEAR_REFERENCE, pattern, { in: utc }), pattern, TWO_DIGIT_YEAR_REFERENCE, { in: utc });
  } catch (err) {
    throw refuse(`is not a date-fns pattern (${err instanceof Error ? err.message : String(err)})`, err);
  }
  return (raw) => {
    let d: Date;
    try { d = parse(raw, pattern, TWO_DIGIT_YEAR_REFERENCE, { in: utc }); } catch (err) { throw refuse(err instanceof Error ? err.message : String(err), err); }
    return isValid(d) ? d.getTime() : undefined;
  };
}

/**
 * Whether a date-fns pattern writes a wall-clock time: a time of day and no offset or epoch token.
 * A pattern of dates only names days, which stay UTC days in every zone (as ISO dates do).
 */
export function patternWritesLocalTime(pattern: string): boolean {
  const tokens = pattern.replace(/''|'(?:''|[^'])*(?:'|$)/g, '');
  return /[HhKkms]/.test(tokens) && !/[XxOztT]/.test(tokens);
}

/**
 * date-fns reads a two-digit year (`yy`) as the year within 50 years of its reference date's year:
 * from 2019, 00–68 are 2000–2068 and 69–99 are 1969–1999 (the POSIX rule). The pattern names a year
 * (loadPatternParser checks it), so the reference date's year is never taken for a value's; its
 * January 1 stands in for a missing month or day, as the epoch's did.
 */
const TWO_DIGIT_YEAR_REFERENCE = new Date(Date.UTC(2019, 0, 1));
/** The first millisecond of the year 1000: an earlier year is a typo or a short year read as four digits. */
const YEAR_1000 = daysFromCivil(1000, 1, 1) * DAY_MS;

/**
 * How a run reads the dates of one input beyond ISO 8601: its date-fns patterns, tried in order
 * after ISO 8601, and the zone of its wall-clock times (see settings.ts, which loads it).
 */
export interface DateReading {
  /** `local`: the pattern writes a time of day and no offset, so its values are read in `zone`; `named`: the pattern in messages. */
  readonly patterns: readonly { readonly parse: PatternParser; readonly local: boolean; readonly named: string }[];
  /** The patterns in messages: `--date-format MM/dd/yyyy`, `one of the dateFormats "M/d/yyyy", …`. */
  readonly named: string;
  /** The zone of timestamps written without an offset; undefined: UTC. */
  readonly zone?: Zone;
}

/** An ISO 8601 value that ends with an offset (Z, +02:00, -0500, +02). */
const ISO_OFFSET = /(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;

export class TimestampReader {
  /** Per column: whether its first value settled it as numeric (epoch) or as dates; undefined before. */
  private readonly columns = new Map<string, { numeric: boolean | undefined }>();
  private readonly patterns: DateReading['patterns'];
  private readonly zone: Zone | undefined;
  constructor(private readonly dates?: DateReading) {
    this.patterns = dates?.patterns ?? [];
    this.zone = dates?.zone;
  }

  read(column: string, raw: string): number | Bad {
    if (raw.length > MAX_NUMBER_LENGTH) return bad(raw, EXPECTED_DATE + ')');
    const iso = parseIsoTimestamp(raw);
    // A date without a time names a day, in every zone: it stays that day's 00:00 UTC.
    if (iso !== undefined) return this.settle(column, false, raw) ?? (this.zone !== undefined && raw.length > 10 && !ISO_OFFSET.test(raw) ? this.inZone(raw, iso) : iso);
    for (const pattern of this.patterns) {
      const ms = pattern.parse(raw);
      if (ms === undefined) continue;
      // "2/3/24" read with yyyy is the year 24: rejected, as an ISO year before 1000 is.
      if (ms < YEAR_1000) return bad(raw, `is in the year ${new Date(ms).getUTCFullYear()} by ${pattern.named} (expected a four-digit year; yy reads two digits as 1969–2068)`);
      return this.settle(column, false, raw) ?? (pattern.local && this.zone !== undefined ? this.inZone(raw, ms) : ms);
    }
    if (NUMERIC.test(raw)) {
      const n = Number(raw);
      // Below 10⁸ seconds (1973-03-03) a number is more likely a date written as digits (20240301) or an Excel
      // serial date (45352) than an epoch time: read as seconds it would be a plausible date in 1970. Rejected, not guessed.
      if (n < 1e8) return bad(raw, `is too small for an epoch timestamp (it would be ${new Date(n * 1000).toISOString().slice(0, 10)}); a date written as digits needs --date-format, e.g. yyyyMMdd`);
      const clash = this.settle(column, true, raw);
      if (clash) return clash;
      // Below 1e11 a number is read as seconds (1e11 s is the year 5138), above as milliseconds.
      const ms = n < 1e11 ? n * 1000 : n;
      return ms > 253_402_300_799_999 ? bad(raw, 'is out of range for an epoch timestamp') : Math.round(ms);
    }
    const hint = this.dates !== undefined && this.patterns.length > 0 ? ` or matching ${this.dates.named})` : ')';
    return bad(raw, EXPECTED_DATE + hint);
  }

  /** A wall-clock time (as if UTC) read in the zone: its instant, or why not. */
  private inZone(raw: string, wall: number): number | Bad {
    const instant = this.zone!.instant(wall);
    return instant === ZONE_GAP ? bad(raw, `does not exist in ${this.zone!.name} (its clocks skip that hour when daylight saving time starts)`) : instant;
  }

  /**
   * A date a format read typed (a workbook's date cell): taken as it is (no text to read), within
   * the years a date may have here, and settling its column as dates as a date written as text does.
   */
  date(column: string, date: Date): number | Bad {
    const ms = date.getTime();
    if (!(ms >= YEAR_1000 && ms <= 253_402_300_799_999)) return bad(Number.isNaN(ms) ? 'an invalid date' : date.toISOString(), 'is out of range (expected a date in the years 1000 to 9999)');
    return this.settle(column, false, date.toISOString()) ?? ms;
  }

  /**
   * The byte reader of one column, bound to its state (no lookup by column name per value): the
   * common layouts in bytes[start, end) once the column is settled as dates; NOT_FAST for anything
   * else (the first value of a column, other layouts, errors), which `read` then handles.
   */
  atReader(column: string): (bytes: Uint8Array, start: number, end: number) => number | typeof NOT_FAST {
    const state = this.state(column), zone = this.zone;
    if (zone === undefined) return (bytes, start, end) => (state.numeric !== false ? NOT_FAST : commonTimestampBytes(bytes, start, end) ?? NOT_FAST);
    // In a zone: a date (10 bytes) and a time with Z (20) as they are, a time without an offset (19) in the zone; a time it skips goes to `read`.
    return (bytes, start, end) => {
      if (state.numeric !== false) return NOT_FAST;
      const ms = commonTimestampBytes(bytes, start, end);
      if (ms === undefined) return NOT_FAST;
      if (end - start !== 19) return ms;
      const instant = zone.instant(ms);
      return instant === ZONE_GAP ? NOT_FAST : instant;
    };
  }

  /**
   * A probability (0..1, or a percent: above 1, or with %) in a column read as a stream. The
   * column's first value other than 0 settles which it holds, as for epoch timestamps (`numeric`:
   * percents); in a column of percents a bare value in (0, 1] could be either (is 1 one percent or
   * all?) and is rejected rather than guessed. In a column of fractions, a value above 1 is a percent.
   */
  probability(column: string, raw: string): number | Bad {
    const value = parseProbability(raw);
    if (isBad(value) || value === 0) return value;
    const written = raw.trim(), percent = written.endsWith('%') || Number(written) > 1;
    const state = this.state(column);
    if (state.numeric === undefined) state.numeric = percent;
    else if (state.numeric && !percent) {
      return bad(raw, `is ambiguous: earlier values of this column are percents (0..100), so it may mean ${written}% or ${+(value * 100).toFixed(10)}% (write it with %)`);
    }
    return value;
  }

  /** How each timestamp column was settled (numeric epoch or dates), and each probability column (percents or not), for comparing parallel ranges. */
  decisions(): [string, boolean][] {
    return [...this.columns].filter(([, s]) => s.numeric !== undefined).map(([column, s]) => [column, s.numeric!]);
  }

  private state(column: string): { numeric: boolean | undefined } {
    let state = this.columns.get(column);
    if (state === undefined) { state = { numeric: undefined }; this.columns.set(column, state); }
    return state;
  }

  private settle(column: string, numeric: boolean, raw: string): Bad | undefined {
    const state = this.state(column), seen = state.numeric;
    if (seen === undefined) { state.numeric = numeric; return undefined; }
    if (seen === numeric) return undefined;
    return seen
      ? bad(raw, 'is not an epoch timestamp like the earlier values of this column')
      : bad(raw, 'is a number, but the earlier values of this column are dates');
  }
}

// ---------------------------------------------------------------------------------------------
// Amounts: plain decimals, a currency before or after, groups of thousands and a decimal mark as the
// numberFormat says (see numbers.ts).

/** A plain decimal (digits, at most one point — `point`: its char code — digits on both sides allowed) read without a regex. */
function plainDecimal(raw: string, point = 46): number | undefined {
  let at = -1, digitsSeen = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) digitsSeen++;
    else if (c === point && at < 0) at = i;
    else return undefined;
  }
  if (digitsSeen === 0) return undefined;
  return point === 46 || at < 0 ? Number(raw) : Number(raw.slice(0, at) + '.' + raw.slice(at + 1));
}

/** An amount's value, without the currency it may state (see readAmount). */
export function parseAmount(raw: string, allowNegative: boolean, format?: NumberFormat): number | Bad {
  const read = readAmount(raw, allowNegative, format);
  return read instanceof Money ? read.value : read;
}

/** An amount a format read typed (a workbook's number cell): taken as it is, by the rules readAmount applies to its text; NOT_FAST for a cell of another type (its text is read). */
export function amountCell(cell: number | Date | boolean, allowNegative: boolean): number | Bad | typeof NOT_FAST {
  if (typeof cell !== 'number') return NOT_FAST;
  if (!Number.isFinite(cell)) return bad(String(cell), 'is out of range');
  if (cell < 0 && !allowNegative) return bad(String(cell), 'is negative (only spend amounts may be negative)');
  return cell + 0; // `+ 0` turns -0 into 0
}

/**
 * An amount written as `format` says (default "1,234.56"): a number when it states no currency, a
 * Money when a symbol or ISO code is written before or after it (`$1,200.50`, `1200 EUR`, `R$ 99`),
 * or why it cannot be read. A K, M or B suffix multiplies it by 10³, 10⁶, 10⁹; parentheses make it
 * negative (accounting), as a minus sign does.
 */
export function readAmount(raw: string, allowNegative: boolean, format?: NumberFormat): number | Money | Bad {
  const syntax = amountSyntax(format);
  if (raw.length > MAX_NUMBER_LENGTH) return bad(raw, syntax.expected);
  const plain = plainDecimal(raw, syntax.point.charCodeAt(0));
  if (plain !== undefined) return plain;
  const parts = amountParts(raw.trim(), syntax);
  if (parts === undefined) return bad(raw, syntax.expected);
  const { digits, negative, before, after } = parts;
  let currency: string | undefined;
  if (before !== undefined || after !== undefined) {
    for (const token of [before, after]) {
      if (token === undefined) continue;
      const named = currencyOf(token);
      if (named === undefined) return bad(raw, `states ${showValue(token)}, which is not a currency (${EXPECTED_CURRENCY})`);
      // `$100 USD` states one currency twice; `€100 USD` two.
      if (currency !== undefined && currency !== named) {
        const [a, b] = currency === BARE_DOLLAR ? [named, currency] : [currency, named];
        if (b !== BARE_DOLLAR || !DOLLAR_SIGN_CURRENCIES.has(a)) return bad(raw, `states two currencies (${currency} and ${named})`);
        currency = a;
      } else currency = named;
    }
  }
  const value = Number(digits);
  if (!Number.isFinite(value)) return bad(raw, 'is out of range');
  if (negative && value !== 0 && !allowNegative) return bad(raw, 'is negative (only spend amounts may be negative)');
  const n = (negative ? -value : value) + 0; // `+ 0` turns -0 into 0
  return currency === undefined ? n : new Money(n, currency, raw);
}

// ---------------------------------------------------------------------------------------------
// Probability: 0..1, or a percent (0..100, optionally with %).

const PLAIN_NUMBER = /^(\d+(?:\.\d*)?|\.\d+)(%)?$/;

export function parseProbability(raw: string): number | Bad {
  const m = raw.length > MAX_NUMBER_LENGTH ? null : PLAIN_NUMBER.exec(raw.trim());
  if (!m) return bad(raw, 'is not a probability (expected 0..1 or a percent 0..100)');
  const n = Number(m[1]);
  if (m[2] === '%' || n > 1) {
    return n > 100 ? bad(raw, 'is not a probability (expected 0..1 or a percent 0..100)') : n / 100;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Enumerations.

/**
 * The byte reader of a choice among words: the value of the first word the bytes spell, ASCII
 * letters in any case (as the string readers fold them); anything else (another word, non-ASCII
 * text) is NOT_FAST, and the string reader decides. `words` are lower-case, in the string reader's
 * order of precedence.
 */
export function choiceAt<T>(words: Iterable<readonly [string, T]>): (bytes: Uint8Array, start: number, end: number) => T | typeof NOT_FAST {
  // The words by their length (only a word of the field's length can match), each list in the order of precedence.
  const byLength: (readonly [Uint8Array, T])[][] = [];
  for (const [w, v] of words) if (/^[\x00-\x7f]*$/.test(w)) (byLength[w.length] ??= []).push([Buffer.from(w, 'latin1'), v]);
  return (bytes, start, end) => {
    const length = end - start, list = byLength[length];
    if (list === undefined) return NOT_FAST;
    next: for (let k = 0; k < list.length; k++) {
      const word = list[k][0];
      for (let i = 0; i < length; i++) {
        let c = bytes[start + i];
        if (c >= 65 && c <= 90) c |= 32;
        if (c !== word[i]) continue next;
      }
      return list[k][1];
    }
    return NOT_FAST;
  };
}

export function parseChoice<T extends string>(raw: string, choices: readonly T[]): T | Bad {
  const folded = raw.trim().toLowerCase();
  const hit = choices.find((c) => c === folded);
  return hit ?? bad(raw, `is not one of ${choices.join(', ')}`);
}
