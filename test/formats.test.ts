/**
 * The config's formats: numberFormat (amounts), dateFormats and timezone, at the top level and per
 * input kind, and how their layers merge.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Money } from '../src/ingest/currency.js';
import { NOT_FAST, TimestampReader, commaDecimalAt, decimalAt, isBad, parseAmount, readAmount } from '../src/ingest/values.js';
import { NUMBER_FORMATS, type NumberFormat } from '../src/ingest/numbers.js';
import { DEFAULT_READ_SETTINGS, loadReadSettings, mergeReadSettings, readSettings, type ReadSettings } from '../src/ingest/settings.js';
import { Zone, ZONE_GAP } from '../src/ingest/timezone.js';
import { parseConfig } from '../src/ingest/config.js';

const utc = (s: string) => Date.parse(s);

describe('numberFormat', () => {
  it.each([
    ['1,234.56', '$342.09K', 342090, '$'], ['1,234.56', '$1,117.10K', 1117100, '$'], ['1,234.56', '1.5M USD', 1_500_000, 'USD'],
    ['1.234,56', '1.234.567,89 €', 1234567.89, 'EUR'], ['1.234,56', '€ 50.000', 50000, 'EUR'], ['1.234,56', 'R$ 1,5K', 1500, 'BRL'],
    ['1 234,56', '1 234,56\u00a0€', 1234.56, 'EUR'], ['1 234,56', 'EUR 12\u00a0345', 12345, 'EUR'], ['1 234,56', '1\u202f234,5 €', 1234.5, 'EUR'],
    ["1'234.56", "CHF 1'234.50", 1234.5, 'CHF'], ["1'234.56", '1\u2019000 CHF', 1000, 'CHF'],
  ])('%s: %s is %d in %s', (format, raw, value, currency) => {
    expect(readAmount(raw, false, format as NumberFormat)).toEqual(new Money(value, currency, raw));
  });

  it.each([
    ['1,234.56', '1,234.56', 1234.56], ['1,234.56', '1.234', 1.234], ['1,234.56', '2B', 2e9], ['1,234.56', '0.1K', 100],
    ['1.234,56', '50.000', 50000], ['1.234,56', '146536,25', 146536.25], ['1.234,56', '1.234', 1234], ['1.234,56', ',5', 0.5], ['1.234,56', '12', 12],
    ['1 234,56', '1 234 567', 1234567], ['1 234,56', '1234,5', 1234.5],
    ["1'234.56", "1'234'567.8", 1234567.8], ["1'234.56", '1234.5', 1234.5],
  ])('%s: %s is %d', (format, raw, value) => expect(parseAmount(raw, false, format as NumberFormat)).toBe(value));

  it('a suffix moves the point in the digits, so the value is the decimal written, never a product that is off', () => {
    expect(1.005 * 1e6).not.toBe(1005000); // 1004999.9999999999
    expect(parseAmount('1.005M', false)).toBe(1005000);
    expect(parseAmount('342.09K', false)).toBe(342090);
    expect(parseAmount('0.000000001B', false)).toBe(1);
  });

  it('an accounting negative in parentheses is a negative: allowed in spend only, as a minus sign', () => {
    for (const raw of ['(1,234.56)', '($1,234.56)', '$(1,234.56)', '(1,234.56) USD']) expect(parseAmount(raw, true)).toBe(-1234.56);
    expect(parseAmount('(1.234,56 €)', true, '1.234,56')).toBe(-1234.56);
    expect(parseAmount('(141.56K)', true)).toBe(-141560);
    expect(parseAmount('(1,234.56)', false)).toEqual({ bad: '"(1,234.56)" is negative (only spend amounts may be negative)' });
  });

  it.each([
    ['1.234,56', '1,234.56'], ['1.234,56', '50.00'], ['1.234,56', '1234.56'], ['1.234,56', '1,234,56'],
    ['1 234,56', '1.234,56'], ['1 234,56', '1 23,5'], ["1'234.56", '1,234.56'], ["1'234.56", "12'34"],
  ])('%s: %s does not fit and is rejected naming the value and the format', (format, raw) => {
    const read = parseAmount(raw, true, format as NumberFormat);
    expect(isBad(read)).toBe(true);
    expect((read as { bad: string }).bad).toMatch(new RegExp(`^${JSON.stringify(raw).replace(/[.()$]/g, '\\$&')} is not a number written as the numberFormat ${JSON.stringify(format)} says \\(expected e\\.g\\. `));
  });

  it.each(['-(5)', '(5', '5)', '((5))', '12k', '5KB', '1,000e3', '1.5e3K', '- 5 -', 'K'])('%s is not an amount under any format', (raw) => {
    for (const format of NUMBER_FORMATS) expect(isBad(parseAmount(raw, true, format))).toBe(true);
  });

  it('under the default, a value that does not fit keeps the message it always had', () => {
    expect(parseAmount('1.234,56', true)).toEqual({ bad: '"1.234,56" is not a number (expected e.g. 1200.50 or $1,200.50)' });
  });

  it('the byte readers give NOT_FAST or exactly the string reader\'s value, under every format', () => {
    const embed = (raw: string) => { const b = Buffer.from(`x,${raw},y`); return { b, s: 2, e: b.length - 2 }; };
    let fast = 0;
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.,'), minLength: 1, maxLength: 20 }), fc.constantFrom(...NUMBER_FORMATS), (raw, format) => {
      const { b, s, e } = embed(raw);
      const v = (format[5] === '.' ? decimalAt : commaDecimalAt)(b, s, e);
      if (v === NOT_FAST) return;
      fast++;
      expect(v).toBe(parseAmount(raw, false, format));
    }), { numRuns: 4000 });
    expect(fast).toBeGreaterThan(500);
  });
});

/** A timestamp reader with these settings over the defaults. */
const readerWith = async (layer: Partial<ReadSettings>) => new TimestampReader((await loadReadSettings({ ...DEFAULT_READ_SETTINGS, ...layer })).dates);

describe('timezone', () => {
  it('reads a time without an offset in the zone; dates, Z and offsets stay as written', async () => {
    const r = await readerWith({ timezone: 'Europe/Berlin' });
    expect(r.read('t', '2024-07-01 12:00:00')).toBe(utc('2024-07-01T10:00:00Z'));
    expect(r.read('t', '2024-01-15T12:00:00.250')).toBe(utc('2024-01-15T11:00:00.250Z'));
    expect(r.read('t', '2024-07-01T12:00:00Z')).toBe(utc('2024-07-01T12:00:00Z'));
    expect(r.read('t', '2024-07-01T12:00:00-05:00')).toBe(utc('2024-07-01T17:00:00Z'));
    // A date names a day in every zone: read in Berlin it would fall in the previous UTC day (and month).
    expect(r.read('t', '2024-03-01')).toBe(utc('2024-03-01T00:00:00Z'));
  });

  it('around the spring change, a time the clocks skip rejects the row; the times on either side are read', async () => {
    const berlin = await readerWith({ timezone: 'Europe/Berlin' });
    expect(berlin.read('t', '2024-03-31 01:59:59')).toBe(utc('2024-03-31T00:59:59Z'));
    expect(berlin.read('t', '2024-03-31 02:30:00')).toEqual({ bad: '"2024-03-31 02:30:00" does not exist in Europe/Berlin (its clocks skip that hour when daylight saving time starts)' });
    expect(berlin.read('t', '2024-03-31 03:00:00')).toBe(utc('2024-03-31T01:00:00Z'));
    const ny = await readerWith({ timezone: 'America/New_York' });
    expect(isBad(ny.read('t', '2024-03-10 02:15:00'))).toBe(true);
    expect(ny.read('t', '2024-03-10 03:15:00')).toBe(utc('2024-03-10T07:15:00Z'));
  });

  it('around the autumn change, a time that happens twice is the earlier instant', async () => {
    const berlin = await readerWith({ timezone: 'Europe/Berlin' });
    expect(berlin.read('t', '2024-10-27 02:30:00')).toBe(utc('2024-10-27T00:30:00Z')); // CEST, not 01:30Z (CET)
    expect(berlin.read('t', '2024-10-27 01:59:00')).toBe(utc('2024-10-26T23:59:00Z'));
    expect(berlin.read('t', '2024-10-27 03:00:00')).toBe(utc('2024-10-27T02:00:00Z'));
    const ny = await readerWith({ timezone: 'America/New_York' });
    expect(ny.read('t', '2024-11-03 01:30:00')).toBe(utc('2024-11-03T05:30:00Z')); // EDT, not 06:30Z (EST)
    // Lord Howe moves its clocks by 30 minutes.
    expect((await readerWith({ timezone: 'Australia/Lord_Howe' })).read('t', '2024-04-07 01:45:00')).toBe(utc('2024-04-06T14:45:00Z'));
  });

  it('agrees with Intl on every half hour across a year of changes (the per-day offsets are only a shortcut)', () => {
    for (const name of ['Europe/Berlin', 'America/Sao_Paulo', 'Australia/Lord_Howe']) {
      const zone = new Zone(name);
      const format = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
      const wallOf = (t: number) => {
        const p = Object.fromEntries(format.formatToParts(t).map((x) => [x.type, +x.value]));
        return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
      };
      // Every instant's wall-clock time leads back to it, or to an earlier instant with the same wall-clock time (an overlap).
      for (let t = Date.UTC(2018, 0, 1); t < Date.UTC(2019, 0, 1); t += 30 * 60_000) {
        const wall = wallOf(t), back = zone.instant(wall);
        if (back !== t && (back === ZONE_GAP || back > t || wallOf(back) !== wall)) expect.fail(`${name}: ${new Date(wall).toISOString()} (wall) read as ${String(back)}, written at ${t}`);
      }
    }
  }, 60_000);

  it('applies to dateFormats patterns that write a time of day, not to those of dates only', async () => {
    const r = await readerWith({ timezone: 'America/New_York', dateFormats: ['M/d/yyyy h:mm a', 'd MMM, yyyy'] });
    expect(r.read('t', '3/1/2024 9:30 AM')).toBe(utc('2024-03-01T14:30:00Z'));
    expect(r.read('t', '15 Apr, 2021')).toBe(utc('2021-04-15T00:00:00Z'));
    expect(isBad(r.read('t', '3/10/2024 2:30 AM'))).toBe(true);
  });

  it('the byte reader gives NOT_FAST or exactly what read gives, in a zone, across changes', async () => {
    const settings = await loadReadSettings({ ...DEFAULT_READ_SETTINGS, timezone: 'Europe/Berlin' });
    const r = new TimestampReader(settings.dates);
    r.read('t', '2024-01-01');
    const at = r.atReader('t');
    const stamp = fc.tuple(fc.constantFrom('2024-03-31', '2024-10-27', '2024-03-30', '2024-07-01'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom('', 'Z'))
      .map(([d, h, m, z]) => `${d} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00${z}`);
    let fast = 0;
    fc.assert(fc.property(stamp, (raw) => {
      const b = Buffer.from(raw), v = at(b, 0, b.length);
      if (v === NOT_FAST) { expect(isBad(r.read('t', raw))).toBe(true); return; }
      fast++;
      expect(v).toBe(r.read('t', raw));
    }), { numRuns: 2000 });
    expect(fast).toBeGreaterThan(1000);
  });
});

describe('dateFormats', () => {
  it('are tried in order after ISO 8601, and a value matching none names them', async () => {
    const r = await readerWith({ dateFormats: ['M/d/yyyy', 'd MMM, yyyy HH:mm:ss'], dateFormatsFrom: 'dateFormats' });
    expect(r.read('t', '2024-03-01T10:00:00Z')).toBe(utc('2024-03-01T10:00:00Z'));
    expect(r.read('t', '3/1/2024')).toBe(utc('2024-03-01T00:00:00Z'));
    expect(r.read('t', '15 Apr, 2021 00:02:00')).toBe(utc('2021-04-15T00:02:00Z'));
    expect(r.read('t', '15.04.2021')).toEqual({ bad: '"15.04.2021" is not a date (expected ISO 8601 such as 2024-03-01 or 2024-03-01T10:00:00Z or matching one of the dateFormats "M/d/yyyy", "d MMM, yyyy HH:mm:ss")' });
    expect(r.read('t', '3/1/24')).toEqual({ bad: '"3/1/24" is in the year 24 by the dateFormats pattern "M/d/yyyy" (expected a four-digit year; yy reads two digits as 1969–2068)' });
  });

  it('a bad pattern in the config is a usage error naming its key', async () => {
    const config = parseConfig({ formats: { deals: { dateFormats: ['M/d/yyyy', 'MM/dd'] } } }, 'c.json');
    await expect(loadReadSettings(readSettings(config, 'deals'), 'c.json')).rejects.toMatchObject({
      code: 'BAD_DATE_FORMAT', exitCode: 2, message: expect.stringMatching(/^c\.json: "formats\.deals\.dateFormats\.1" "MM\/dd": the pattern has no year/),
    });
  });
});

describe('read settings: layers', () => {
  const config = parseConfig({
    dateFormats: ['M/d/yyyy'], numberFormat: '1.234,56', timezone: 'Europe/Berlin',
    formats: { spend: { numberFormat: "1'234.56" }, deals: { dateFormats: ['d MMM, yyyy'], timezone: 'UTC' } },
  }, 'c.json');

  it('the top level holds for every kind; a kind\'s formats replace it key by key (a list as a whole); --date-format wins', () => {
    expect(readSettings(config, 'leads')).toEqual({ dateFormats: ['M/d/yyyy'], dateFormatsFrom: 'dateFormats', numberFormat: '1.234,56', timezone: 'Europe/Berlin' });
    expect(readSettings(config, 'spend')).toEqual({ dateFormats: ['M/d/yyyy'], dateFormatsFrom: 'dateFormats', numberFormat: "1'234.56", timezone: 'Europe/Berlin' });
    expect(readSettings(config, 'deals')).toEqual({ dateFormats: ['d MMM, yyyy'], dateFormatsFrom: 'formats.deals.dateFormats', numberFormat: '1.234,56', timezone: 'UTC' });
    expect(readSettings(config, 'deals', { dateFormat: 'dd.MM.yyyy' })).toMatchObject({ dateFormats: ['dd.MM.yyyy'], dateFormatsFrom: '--date-format', numberFormat: '1.234,56' });
    expect(readSettings(parseConfig({}, 'c.json'), 'deals')).toEqual(DEFAULT_READ_SETTINGS);
  });

  it('one more layer (a file\'s own, later) is one merge step', () => {
    const file = mergeReadSettings(readSettings(config, 'deals'), { numberFormat: '1 234,56' }, 'inputs.0.');
    expect(file).toEqual({ ...readSettings(config, 'deals'), numberFormat: '1 234,56' });
  });

  it('UTC named as a zone is no zone', async () => {
    expect((await loadReadSettings(readSettings(config, 'deals'))).dates.zone).toBeUndefined();
    expect((await loadReadSettings(readSettings(config, 'leads'))).dates.zone?.name).toBe('Europe/Berlin');
  });

  it('the config refuses an unknown format, zone or key, naming it', () => {
    const fails = (raw: unknown) => { try { parseConfig(raw, 'c.json'); return 'accepted'; } catch (e) { return (e as Error).message; } };
    expect(fails({ numberFormat: '1.234.56' })).toBe('c.json: "numberFormat": expected one of "1,234.56", "1.234,56", "1 234,56", "1\'234.56"');
    expect(fails({ formats: { spend: { timezone: 'Mars/Olympus' } } })).toBe('c.json: "formats.spend.timezone": expected an IANA time zone such as Europe/Berlin or America/New_York');
    expect(fails({ formats: { deals: { numberformat: '1,234.56' } } })).toBe('c.json: formats.deals: unknown key "numberformat"; did you mean "numberFormat"? (known keys: dateFormats, numberFormat, timezone, delimiter, sheet)');
    expect(fails({ formats: { sales: {} } })).toMatch(/^c\.json: formats: unknown key "sales"; did you mean/);
    expect(fails({ dateFormats: [''] })).toBe('c.json: "dateFormats.0": a date pattern must not be empty');
    // The no-break space that many locales print in "1 234,56" names the same format.
    expect(parseConfig({ numberFormat: '1\u00a0234,56' }, 'c.json').numberFormat).toBe('1 234,56');
  });
});
