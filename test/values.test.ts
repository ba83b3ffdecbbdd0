import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Money, RunCurrency, settleMoney } from '../src/ingest/currency.js';
import { DEFAULT_READ_SETTINGS, loadReadSettings } from '../src/ingest/settings.js';
import { NOT_FAST, decimalAt, TimestampReader, loadPatternParser, parseAmount, readAmount, parseIsoTimestamp, parseProbability, parseChoice, isBad, daysFromCivil } from '../src/ingest/values.js';

const utc = (s: string) => Date.parse(s);
/** The timestamp reader of a run given --date-format `pattern`. */
const flagReader = async (pattern: string) => new TimestampReader((await loadReadSettings({ ...DEFAULT_READ_SETTINGS, dateFormats: [pattern], dateFormatsFrom: '--date-format' })).dates);

describe('the test environment', () => {
  it('runs under a non-UTC time zone, so local-time slips show', () => {
    expect(new Date(0).getTimezoneOffset()).not.toBe(0);
  });
});

describe('ISO 8601 timestamps', () => {
  it.each([
    ['2024-03-01', '2024-03-01T00:00:00Z'],
    ['2024-03-01T10:00:00', '2024-03-01T10:00:00Z'],
    ['2024-03-01 10:00:00', '2024-03-01T10:00:00Z'],
    ['2024-03-01T10:00', '2024-03-01T10:00:00Z'],
    ['2024-03-01T10:00:00Z', '2024-03-01T10:00:00Z'],
    ['2024-03-01T10:00:00.250Z', '2024-03-01T10:00:00.250Z'],
    ['2024-03-01T10:00:00+02:00', '2024-03-01T08:00:00Z'],
    ['2024-03-01T10:00:00-05:30', '2024-03-01T15:30:00Z'],
    ['2024-03-01T10:00:00+0200', '2024-03-01T08:00:00Z'],
    ['2024-03-01 00:30:00+01:00', '2024-02-29T23:30:00Z'], // offset crosses a month end (leap day)
    ['2024-02-29', '2024-02-29T00:00:00Z'],
    ['2000-02-29', '2000-02-29T00:00:00Z'],
  ])('%s is %s in UTC, whatever the machine TZ', (raw, expected) => {
    expect(parseIsoTimestamp(raw)).toBe(utc(expected));
  });

  it.each(['2024-02-30', '2023-02-29', '1900-02-29', '0000-00-00', '2024-13-01', '2024-00-10', '2024-03-01T24:00:00',
    '2024-03-01T10:60:00', '2024-03-01T10:00:60', '2024-03-01T10:00:00+25:00', '2024-3-1', 'yesterday', '', '2024-03-01T', '0999-01-01',
    '999x-01-01', '2024-0x-01', '2024-01-3x', '2024-01-01T1x:00:00', '2024-01-01T10:00:0x', '2024-01-01X10:00:00', '2024-01-01T10:00:00X', '2024/01/01', '2024-01-01T10-00-00'])(
    '%s is not a date', (raw) => expect(parseIsoTimestamp(raw)).toBeUndefined());

  it('the fast path and the full pattern agree on every day of 1999–2001, with and without a time', () => {
    for (let ms = Date.UTC(1999, 0, 1); ms < Date.UTC(2002, 0, 1); ms += 86_400_000 + 3_723_000) {
      const iso = new Date(ms).toISOString();
      expect(parseIsoTimestamp(iso.slice(0, 10))).toBe(Date.parse(iso.slice(0, 10)));
      expect(parseIsoTimestamp(iso.slice(0, 19) + 'Z')).toBe(Date.parse(iso.slice(0, 19) + 'Z'));
      expect(parseIsoTimestamp(iso.slice(0, 10) + ' ' + iso.slice(11, 19))).toBe(Date.parse(iso.slice(0, 19) + 'Z'));
    }
  });

  it('reads every day of 1899–2200 as Date.UTC does (the month table covers 1900–2199), and no day past a month end', () => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    for (let y = 1899; y <= 2200; y++) for (let m = 1; m <= 12; m++) {
      const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
      for (let d = 1; d <= last; d++) {
        const raw = `${y}-${pad(m)}-${pad(d)}`;
        if (parseIsoTimestamp(raw) !== Date.UTC(y, m - 1, d)) expect(parseIsoTimestamp(raw), raw).toBe(Date.UTC(y, m - 1, d));
      }
      for (const d of [last + 1, 31, 32, 0]) {
        if (d <= last && d !== 0) continue;
        if (parseIsoTimestamp(`${y}-${pad(m)}-${pad(d)}`) !== undefined) expect(parseIsoTimestamp(`${y}-${pad(m)}-${pad(d)}`), `${y}-${pad(m)}-${pad(d)}`).toBeUndefined();
      }
    }
  });

  it('daysFromCivil agrees with Date.UTC over four centuries', () => {
    for (let y = 1900; y <= 2300; y += 7) for (let m = 1; m <= 12; m++) {
      expect(daysFromCivil(y, m, 28) * 86_400_000).toBe(Date.UTC(y, m - 1, 28));
    }
  });
});

describe('TimestampReader', () => {
  it('reads epoch seconds and milliseconds in a numeric column', () => {
    const r = new TimestampReader();
    expect(r.read('at', '1709251200')).toBe(utc('2024-03-01T00:00:00Z'));
    expect(r.read('at', '1709251200000')).toBe(utc('2024-03-01T00:00:00Z'));
    expect(r.read('at', '1709251200.5')).toBe(utc('2024-03-01T00:00:00.500Z'));
  });

  it('rejects a number below 10^8 (a date written as digits, an Excel serial date) rather than read it as a 1970 epoch time', () => {
    const r = new TimestampReader();
    expect(r.read('at', '20240301')).toEqual({ bad: '"20240301" is too small for an epoch timestamp (it would be 1970-08-23); a date written as digits needs --date-format, e.g. yyyyMMdd' });
    expect(r.read('at', '45352')).toEqual({ bad: expect.stringMatching(/^"45352" is too small for an epoch timestamp \(it would be 1970-01-01\)/) });
    // Not settled by a rejected value: a date still reads.
    expect(r.read('at', '2024-03-01')).toBe(utc('2024-03-01T00:00:00Z'));
    expect(new TimestampReader().read('at', '100000000')).toBe(utc('1973-03-03T09:46:40Z'));
  });

  it('rejects a date in a column that started numeric, and a number in a date column', () => {
    const r = new TimestampReader();
    expect(r.read('a', '1709251200')).toBeTypeOf('number');
    expect(r.read('a', '2024-03-01')).toEqual({ bad: '"2024-03-01" is not an epoch timestamp like the earlier values of this column' });
    expect(r.read('b', '2024-03-01')).toBeTypeOf('number');
    expect(r.read('b', '1709251200')).toEqual({ bad: '"1709251200" is a number, but the earlier values of this column are dates' });
  });

  it('parses --date-format patterns as UTC', async () => {
    const r = await flagReader('MM/dd/yyyy');
    expect(r.read('d', '03/01/2024')).toBe(utc('2024-03-01T00:00:00Z'));
    expect(r.read('d', '2024-03-02')).toBe(utc('2024-03-02T00:00:00Z')); // ISO still accepted
    expect(r.read('d', '02/30/2024')).toEqual({ bad: '"02/30/2024" is not a date (expected ISO 8601 such as 2024-03-01 or 2024-03-01T10:00:00Z or matching --date-format MM/dd/yyyy)' });
    const withTime = await flagReader('dd.MM.yyyy HH:mm');
    expect(withTime.read('d', '31.01.2024 23:30')).toBe(utc('2024-01-31T23:30:00Z'));
  });

  it('refuses a --date-format pattern date-fns would refuse or misread, before any value is read (a usage error, no console warning)', async () => {
    const warn = console.warn;
    let warned = false;
    console.warn = () => { warned = true; };
    try {
      for (const [pattern, why] of [['YYYY-MM-dd', '"YYYY" is the week-numbering year; use "yyyy"'], ['MM/DD/yyyy', '"DD" is the day of the year; use "dd"'],
        ['MM/dd/yyyl', 'unescaped latin alphabet character `l`'], [' ', 'the pattern is empty']]) {
        const err = await loadPatternParser(pattern).then(() => undefined, (e: unknown) => e as { code: string; exitCode: number; message: string });
        expect(err).toMatchObject({ code: 'BAD_DATE_FORMAT', exitCode: 2 });
        expect(err!.message).toContain(why);
      }
      // Quoted text is literal: a Y in quotes is no token.
      const quoted = await flagReader("'Y'yyyy-MM-dd");
      expect(quoted.read('d', 'Y2024-03-01')).toBe(utc('2024-03-01T00:00:00Z'));
    } finally {
      console.warn = warn;
    }
    expect(warned).toBe(false);
  });

  it('reads two-digit years (yy) by the POSIX rule: 00–68 are 2000–2068, 69–99 are 1969–1999', async () => {
    const r = await flagReader('MM/dd/yy');
    expect(r.read('d', '02/23/26')).toBe(utc('2026-02-23T00:00:00Z'));
    expect(r.read('d', '01/01/00')).toBe(utc('2000-01-01T00:00:00Z'));
    expect(r.read('d', '12/31/68')).toBe(utc('2068-12-31T00:00:00Z'));
    expect(r.read('d', '01/01/69')).toBe(utc('1969-01-01T00:00:00Z'));
    expect(r.read('d', '12/31/99')).toBe(utc('1999-12-31T00:00:00Z'));
    const dotted = await flagReader('dd.MM.yy HH:mm');
    expect(dotted.read('d', '05.03.24 10:30')).toBe(utc('2024-03-05T10:30:00Z'));
  });

  it('rejects a year before 1000 read by a pattern (a short year under yyyy), as ISO dates do', async () => {
    const r = await flagReader('M/d/yyyy');
    expect(r.read('d', '2/23/26')).toEqual({ bad: '"2/23/26" is in the year 26 by --date-format M/d/yyyy (expected a four-digit year; yy reads two digits as 1969–2068)' });
    expect(r.read('d', '2/23/2026')).toBe(utc('2026-02-23T00:00:00Z'));
  });

  it('refuses a pattern without a year, or one date-fns cannot read, as a usage error', async () => {
    await expect(loadPatternParser('MM/dd')).rejects.toMatchObject({ code: 'BAD_DATE_FORMAT', exitCode: 2, message: expect.stringMatching(/has no year/) });
    await expect(loadPatternParser("dd 'year' MM")).rejects.toMatchObject({ code: 'BAD_DATE_FORMAT' });
    await expect(loadPatternParser('MM/jj/yyyy')).rejects.toMatchObject({ code: 'BAD_DATE_FORMAT', exitCode: 2, message: expect.stringMatching(/is not a date-fns pattern/) });
    await expect(loadPatternParser('t')).resolves.toBeTypeOf('function');
  });

  it('settles a probability column as percents or fractions by its first value other than 0; a bare value up to 1 among percents is ambiguous', () => {
    const percents = new TimestampReader();
    expect(percents.probability('probability', '0')).toBe(0); // settles nothing
    expect(percents.probability('probability', '35')).toBe(0.35);
    expect(percents.probability('probability', '1')).toEqual({ bad: '"1" is ambiguous: earlier values of this column are percents (0..100), so it may mean 1% or 100% (write it with %)' });
    expect(percents.probability('probability', '0.5')).toEqual({ bad: expect.stringContaining('may mean 0.5% or 50%') });
    expect(percents.probability('probability', '1%')).toBe(0.01);
    expect(percents.probability('probability', '100')).toBe(1);
    expect(percents.decisions()).toEqual([['probability', true]]);
    const fractions = new TimestampReader();
    expect(fractions.probability('probability', '0.3')).toBe(0.3);
    expect(fractions.probability('probability', '1')).toBe(1);
    expect(fractions.probability('probability', '35')).toBe(0.35); // above 1: a percent, as the spec reads it
    expect(fractions.decisions()).toEqual([['probability', false]]);
    expect(new TimestampReader().probability('probability', '80%')).toBe(0.8);
  });

  it('gives the expected-format hint for unreadable values', () => {
    expect(new TimestampReader().read('d', 'soon')).toEqual({ bad: '"soon" is not a date (expected ISO 8601 such as 2024-03-01 or 2024-03-01T10:00:00Z)' });
  });
});

describe('amounts', () => {
  it.each([
    ['1200', 1200], ['1200.50', 1200.5], ['$1,234.50', 1234.5], ['€ 99', 99], ['£1,000,000', 1_000_000], ['.5', 0.5],
    ['0', 0], ['-0', 0], ['+12', 12], ['1.5e3', 1500], ['  42  ', 42],
  ])('%s → %d', (raw, expected) => expect(parseAmount(raw, false)).toBe(expected));

  it.each([
    ['$1,234.50', 1234.5, '$'], ['€ 99', 99, 'EUR'], ['99€', 99, 'EUR'], ['£5', 5, 'GBP'], ['¥300', 300, 'JPY'], ['₹ 1,000', 1000, 'INR'],
    ['R$ 10', 10, 'BRL'], ['US$10', 10, 'USD'], ['C$10', 10, 'CAD'], ['A$ 10', 10, 'AUD'], ['100 USD', 100, 'USD'], ['CHF 100', 100, 'CHF'],
    ['100sek', 100, 'SEK'], ['1000.5 EUR', 1000.5, 'EUR'], ['100\u00a0€', 100, 'EUR'], ['$100 USD', 100, 'USD'], ['$100 CAD', 100, 'CAD'],
    ['-€5', -5, 'EUR'],
  ])('%s states its currency: %d in %s', (raw, value, currency) => {
    expect(readAmount(raw, true)).toEqual(new Money(value, currency, raw));
  });

  it('a plain amount states no currency', () => expect(readAmount('1200.50', false)).toBe(1200.5));

  it.each([
    ['5 XYZ', '"5 XYZ" states "XYZ", which is not a currency (expected an ISO 4217 code such as USD or EUR, or one of € £ ¥ ₹ $ R$ US$ C$ A$)'],
    ['₿5', '"₿5" states "₿", which is not a currency (expected an ISO 4217 code such as USD or EUR, or one of € £ ¥ ₹ $ R$ US$ C$ A$)'],
    ['€100 USD', '"€100 USD" states two currencies (EUR and USD)'],
    ['$100 EUR', '"$100 EUR" states two currencies ($ and EUR)'],
  ])('%s is rejected', (raw, reason) => expect(readAmount(raw, true)).toEqual({ bad: reason }));

  it('turns -0 into 0 so no "-0" reaches an output', () => {
    expect(Object.is(parseAmount('-0', true), 0)).toBe(true);
  });

  it.each(['abc', '12k', '1,23', '1,2345', 'NaN', 'Infinity', '0x10', '1 000', '$', '', '--5', '$-5-', '1,000e3'])(
    '%s is not a number', (raw) => expect(parseAmount(raw, true)).toEqual({ bad: `${JSON.stringify(raw)} is not a number (expected e.g. 1200.50 or $1,200.50)` }));

  it('rejects 1e309 as out of range', () => expect(parseAmount('1e309', false)).toEqual({ bad: '"1e309" is out of range' }));

  it('allows negative amounts only where asked (spend refunds)', () => {
    expect(parseAmount('-$850.00', true)).toBe(-850);
    expect(parseAmount('$-850', true)).toBe(-850);
    expect(parseAmount('-850', false)).toEqual({ bad: '"-850" is negative (only spend amounts may be negative)' });
  });
});

describe('probability', () => {
  it.each([['0', 0], ['0.35', 0.35], ['1', 1], ['35', 0.35], ['80%', 0.8], ['0.5%', 0.005], ['100', 1]])(
    '%s → %d', (raw, expected) => expect(parseProbability(raw)).toBeCloseTo(expected, 12));
  it.each(['150', '-0.2', 'high', '1.5.2'])('%s is rejected', (raw) => expect(isBad(parseProbability(raw))).toBe(true));
});

describe('choices', () => {
  it('match case-insensitively and name the allowed values otherwise', () => {
    expect(parseChoice(' Won ', ['open', 'won', 'lost'])).toBe('won');
    expect(parseChoice('pending', ['open', 'won', 'lost'])).toEqual({ bad: '"pending" is not one of open, won, lost' });
  });
});

describe('megabyte values', () => {
  it('are rejected, not fed to a backtracking regex', () => {
    const digits = '9'.repeat(10_000_000);
    expect(parseAmount(digits, false)).toEqual({ bad: `"${'9'.repeat(60)}…" is not a number (expected e.g. 1200.50 or $1,200.50)` });
    expect(isBad(parseProbability(digits))).toBe(true);
    expect(isBad(new TimestampReader().read('d', digits))).toBe(true);
  });
});

import { monthsFromDays } from '../src/engine/periods.js';
describe('monthsFromDays', () => {
  it('agrees with Date over four centuries', () => {
    for (let day = -50_000; day < 120_000; day += 13) {
      const d = new Date(day * 86_400_000);
      expect(monthsFromDays(day)).toBe(d.getUTCFullYear() * 12 + d.getUTCMonth());
    }
  });
});

import { PeriodScheme, civilFromDays } from '../src/engine/periods.js';
import { format } from 'date-fns';
import { UTCDate } from '@date-fns/utc';
import { SCHEMAS, compileRowParser } from '../src/ingest/schemas.js';
import { parseConfig } from '../src/ingest/config.js';
describe('period labels agree with date-fns (the oracle) on every day of 1999–2031', () => {
  it('day, ISO week, month, quarter, year', () => {
    const schemes = { day: 'yyyy-MM-dd', week: "RRRR-'W'II", month: 'yyyy-MM', quarter: 'yyyy-QQQ', year: 'yyyy' } as const;
    for (const [period, pattern] of Object.entries(schemes)) {
      const s = new PeriodScheme(period as keyof typeof schemes);
      for (let day = 10_592; day < 22_700; day += period === 'day' ? 7 : 1) {
        const ms = day * 86_400_000 + 43_200_000;
        expect(s.label(s.index(ms)), `${period} ${new Date(ms).toISOString()}`).toBe(format(new UTCDate(ms), pattern));
      }
    }
  });
  it('civilFromDays agrees with Date', () => {
    for (let day = -40_000; day < 80_000; day += 11) {
      const d = new Date(day * 86_400_000);
      expect(civilFromDays(day)).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
    }
  });
});

describe('the byte readers of the CSV reader agree with the string readers (the definition)', () => {
  /** `raw` inside a larger buffer, so offsets matter. */
  const embed = (raw: string) => {
    const b = Buffer.from('9,' + raw + ',9');
    return { b, s: 2, e: b.length - 2 };
  };
  const validTimestamp = fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
    .chain((d) => fc.constantFrom(d.toISOString().slice(0, 10), d.toISOString().slice(0, 19), d.toISOString().slice(0, 19) + 'Z', d.toISOString().slice(0, 19).replace('T', ' ')));
  const nearTimestamp = fc.oneof(
    // A valid one with one character changed: the near misses a reader must not accept.
    fc.tuple(validTimestamp, fc.nat(), fc.constantFrom(...'0123456789-: TZz.+x')).map(([t, i, c]) => t.slice(0, i % t.length) + c + t.slice((i % t.length) + 1)),
    fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
      .chain((d) => fc.constantFrom(d.toISOString().slice(0, 10), d.toISOString().slice(0, 19), d.toISOString().slice(0, 19) + 'Z', d.toISOString().slice(0, 19).replace('T', ' '))),
    fc.string({ unit: fc.constantFrom(...'0123456789-: TZz.+x'), minLength: 8, maxLength: 22 }),
    fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
      .map(([y, mo, d, h, mi, s]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')} ${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}`),
  );

  it('timestamps: the byte reader gives NOT_FAST or exactly what read gives', () => {
    let fast = 0;
    fc.assert(fc.property(nearTimestamp, (raw) => {
      const r = new TimestampReader();
      r.read('at', '2024-01-01');
      const { b, s, e } = embed(raw);
      const v = r.atReader('at')(b, s, e);
      if (v !== NOT_FAST) { fast++; expect(v).toBe(r.read('at', raw)); }
    }), { numRuns: 5000 });
    expect(fast).toBeGreaterThan(1000); // the fast path really ran
  });

  it('timestamps: the byte reader leaves the first value and numeric columns to read', () => {
    const r = new TimestampReader();
    const { b, s, e } = embed('2024-03-01');
    expect(r.atReader('at')(b, s, e)).toBe(NOT_FAST); // the column is not settled yet
    r.read('epoch', '1700000000');
    expect(r.atReader('epoch')(b, s, e)).toBe(NOT_FAST);
  });

  it('choices (status, type, category): the byte reader gives NOT_FAST or exactly what the string reader gives', () => {
    const config = parseConfig({ status: { won: ['Closed Won', 'gewonnen', 'Zoë won'], lost: ['closed lost', 'won lost', 'WON'] } }, 'test');
    const ctx = { config, timestamps: new TimestampReader() };
    const columns = [
      ...compileRowParser(SCHEMAS.deals(ctx)).columns.filter((c) => c.key === 'status' || c.key === 'type'),
      ...compileRowParser(SCHEMAS.spend(ctx)).columns.filter((c) => c.key === 'category'),
    ];
    expect(columns.map((c) => c.at !== undefined)).toEqual([true, true, true]);
    const word = fc.oneof(
      fc.constantFrom('won', 'Won', 'WON', 'lost', 'open', 'OPEN', 'Closed Won', 'closed won', 'CLOSED LOST', 'gewonnen', 'Zoë won', 'ZOË WON', 'won lost',
        'new', 'Expansion', 'renewal', 'marketing', 'SALES', 'wonx', 'wo', 'ope n', 'Ωpen', 'opeN'),
      fc.string({ unit: fc.constantFrom(...'wonlstpeWONLSTPE cdëa'), minLength: 1, maxLength: 11 }),
    ).filter((w) => w !== '' && w === w.trim()); // the fast path never sees a value to trim (that takes the string path)
    let fast = 0;
    fc.assert(fc.property(word, (raw) => {
      const { b, s, e } = embed(raw);
      for (const c of columns) {
        const v = c.at!(b, s, e);
        if (v !== NOT_FAST) { fast++; expect(v).toBe(c.read(raw)); }
        else if (!/[^\x00-\x7f]/.test(raw)) expect(isBad(c.read(raw))).toBe(true); // an ASCII word it left to the string reader is not one
      }
    }), { numRuns: 3000 });
    expect(fast).toBeGreaterThan(300);
  });

  it('amounts: decimalAt gives NOT_FAST or exactly parseAmount (both signs allowed or not)', () => {
    let fast = 0;
    const amount = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789.'), minLength: 1, maxLength: 24 }),
      fc.double({ min: 0, max: 1e16, noNaN: true }).map(String),
      fc.string({ unit: fc.constantFrom(...'0123456789.,$-+e '), minLength: 1, maxLength: 12 }),
    );
    fc.assert(fc.property(amount, (raw) => {
      const { b, s, e } = embed(raw);
      const v = decimalAt(b, s, e);
      if (v !== NOT_FAST) {
        fast++;
        expect(v).toBe(parseAmount(raw, false));
        expect(v).toBe(parseAmount(raw, true));
      }
    }), { numRuns: 5000 });
    expect(fast).toBeGreaterThan(1000);
  });
});

describe('the run\'s currency', () => {
  it('is the first one stated; a row in another is rejected naming both; an amount that states none is in it', () => {
    const run = new RunCurrency();
    expect(settleMoney(5, undefined, run, 'amount')).toBe(5);
    expect(settleMoney(new Money(7, '$', '$7'), undefined, run, 'amount')).toBe(7);
    expect(run.code).toBe('USD');
    expect(settleMoney(new Money(9, 'EUR', '€9'), undefined, run, 'amount')).toEqual({
      path: 'amount', message: '"€9" is in EUR, but this run counts money in USD (the first currency stated in the input; set "currency" in the config to choose); amounts in two currencies are never added up',
    });
    expect(settleMoney(3, 'EUR', run, 'amount')).toEqual({ path: 'currency', message: expect.stringMatching(/^"EUR" is in EUR, but this run counts money in USD/) });
    expect([...run.met]).toEqual(['USD', 'EUR']);
  });

  it('a configured currency wins, and a bare $ is it when it is a dollar currency, else USD', () => {
    const cad = new RunCurrency('CAD');
    expect(settleMoney(new Money(7, '$', '$7'), undefined, cad, 'amount')).toBe(7);
    expect(settleMoney(new Money(7, 'USD', '7 USD'), undefined, cad, 'amount')).toEqual({ path: 'amount', message: expect.stringContaining('is in USD, but this run counts money in CAD (the config\'s "currency")') });
    const eur = new RunCurrency('EUR');
    expect(settleMoney(new Money(7, '$', '$7'), undefined, eur, 'amount')).toEqual({ path: 'amount', message: expect.stringContaining('"$7" is in USD, but this run counts money in EUR') });
  });

  it('the currency column wins over what the amount states; the two must agree (a $ agrees with a dollar currency)', () => {
    const run = new RunCurrency();
    expect(settleMoney(new Money(7, '$', '$7'), 'CAD', run, 'amount')).toBe(7);
    expect(run.code).toBe('CAD');
    expect(settleMoney(new Money(7, 'EUR', '€7'), 'CAD', run, 'amount')).toEqual({ path: 'amount', message: '"€7" is in EUR, but the row\'s currency column says CAD' });
  });
});
