/**
 * A JSON array read in parallel (byte ranges starting at guessed elements, see
 * src/parallel/json-ranges.ts) gives the bytes the serial read gives: stdout, stderr and the
 * --rejects file. FUNNEL_PARALLEL_MIN_BYTES=1 forces the parallel path on these small files
 * (about 1 MB: the serial read crosses chunk boundaries), FUNNEL_THREADS=1 disables it; the
 * parallel run is traced (FUNNEL_TRACE_PARALLEL), which says the path it took. As in
 * parallel.test.ts, the runs start the CLI without its watching parent (FUNNEL_CHILD=1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialAndParallel } from './helpers/parallel.js';
import { JsonArrayTable, openTable } from '../src/ingest/formats/index.js';
import { arraySplitPoints } from '../src/parallel/json-ranges.js';
import { rangeFractions } from '../src/parallel/ranges.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-par-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const stamp = (d: number, s: number) => new Date(Date.UTC(2023, 0, 1) + d * 86_400_000 + s * 1000).toISOString().slice(0, 19) + 'Z';

/**
 * Deals as JSON objects: amounts as numbers or strings (every 199th "12k": rejected, more than
 * stderr shows), notes holding `},{`, quotes, back slashes and escaped unicode now and then, a
 * missing closed_at for open deals. `id(i)`: the deal's id (undefined: D-i).
 */
function deals(rows: number, id: (i: number) => string | undefined = () => undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < rows; i++) {
    const created = Math.floor(rand() * 700);
    const status = rand() < 0.45 ? 'won' : rand() < 0.6 ? 'lost' : 'open';
    const o: Record<string, unknown> = { id: id(i) ?? `D-${i}`, created_at: stamp(created, Math.floor(rand() * 86400)), status };
    if (status !== 'open') o.closed_at = stamp(created + Math.floor(rand() * 90), Math.floor(rand() * 86400));
    o.amount = i % 199 === 5 ? '12k' : i % 3 === 0 ? Number((rand() * 30000).toFixed(2)) : (rand() * 30000).toFixed(2);
    o.source = ['ads', 'seo', 'partners', 'events'][i % 4];
    o.note = i % 3 === 0 ? `a"},{"id":"X-${i}","amount":1},{\\ é ${'\u{1F600}'.repeat(i % 2)}` : `note ${i}`;
    out.push(o);
  }
  return out;
}

/** `text` as written: JSON.stringify's, with non-ASCII letters written as \u escapes now and then (an emoji as two); `bom`: after a UTF-8 BOM. */
function write(name: string, text: string, bom = false): string {
  const path = join(dir, name);
  let n = 0;
  const escape = (c: string) => Array.from({ length: c.length }, (_, k) => `\\u${c.charCodeAt(k).toString(16).padStart(4, '0')}`).join('');
  writeFileSync(path, (bom ? '\ufeff' : '') + text.replace(/[^\x00-\x7f]/gu, (c) => (n++ % 2 === 0 ? c : escape(c))));
  return path;
}


/** Runs serially and in parallel (3 threads) with the same arguments, each in its own folder: their results, --rejects files and the parallel run's path. */
async function both(args: (rejects: string) => string[]) {
  const { serial, parallel, trace, serialRejects, parallelRejects } = await serialAndParallel(args('rejects.csv'), dir);
  const path = /funnel: parallel: .*: (read in \d+ ranges|read serially \(.*\))/.exec(trace)?.[1].replace(/^read in \d+ ranges$/, 'read in ranges');
  return { serial, parallel, serialRejects, parallelRejects, path };
}

/** The offsets where the array's elements start (a JSON scanner that tracks strings and depth from the file's start). */
function elementStarts(bytes: Buffer): Set<number> {
  const starts = new Set<number>();
  let depth = 0, inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) { if (c === 0x5c) i++; else if (c === 0x22) inString = false; continue; }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) { if (c === 0x7b && depth === 1) starts.add(i); depth++; }
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return starts;
}

function splitOf(path: string): number[] | undefined {
  const fd = openSync(path, 'r');
  try { return arraySplitPoints(fd, statSync(path).size, rangeFractions(3)); } finally { closeSync(fd); }
}

const DEALS = (file: string, format: string) => (rejects: string) => ['deals', '--deals', file, '--by', 'source', '--period', 'month', '--as-of', '2025-06-01', '--format', format, '--rejects', rejects];

describe('a JSON array read in parallel', { timeout: 120_000 }, () => {
  const rows = deals(7_000);
  const oneLine = write('deals-one-line.json', JSON.stringify(rows));
  // Pretty-printed, after a BOM and blank lines, with CRLF line ends and white space after the array.
  const pretty = write('deals-pretty.json', '\r\n\r\n' + JSON.stringify(rows, null, 2).replace(/\n/g, '\r\n') + '\r\n\r\n', true);

  it('splits only at elements of the array, never at `},{` inside a string', () => {
    for (const file of [oneLine, pretty]) {
      expect(statSync(file).size).toBeGreaterThan(2 ** 20); // the serial read crosses a chunk boundary
      const starts = splitOf(file)!;
      expect(starts.length).toBe(15);
      const real = elementStarts(readFileSync(file));
      for (const start of starts.slice(1)) expect(real.has(start)).toBe(true);
    }
  });

  it('a range says whether it ended exactly at an element (after a comma of the array) and how many lines it went over; a key the header lacks stops it', async () => {
    const bytes = readFileSync(pretty), real = [...elementStarts(bytes)].sort((a, b) => a - b);
    /** Reads bytes [start, end) as a range: its records, whether it ended clean, the lines it went over; or the error it stopped with. */
    const read = async (start: number, end: number, last: boolean, keys = ['id', 'created_at', 'status', 'closed_at', 'amount', 'source', 'note']) => {
      const table = openTable(pretty, { format: 'json', range: { start, end, firstLine: 2, header: keys, last } }) as JsonArrayTable;
      let records = 0;
      try { for await (const _ of table.scan(() => { records++; })); } catch (err) { return (err as Error).message; }
      return { records, endsClean: table.endsClean, lines: table.endLine - 2 };
    };
    const lf = (from: number, to: number) => bytes.subarray(from, to).toString('latin1').split('\n').length - 1;
    expect(await read(0, real[100], false)).toEqual({ records: 100, endsClean: true, lines: lf(0, real[100]) });
    expect(await read(real[100], real[250], false)).toEqual({ records: 150, endsClean: true, lines: lf(real[100], real[250]) });
    // Ending inside an element, or at a brace inside a string: not clean (the file is read serially).
    expect(await read(real[100], real[250] - 8, false)).toMatchObject({ records: 149, endsClean: false });
    const inString = bytes.indexOf('{\\\\', real[300]); // the `{` of a note's `},{\\`
    expect(await read(real[100], inString, false)).toMatchObject({ endsClean: false });
    expect(await read(real[6_900], bytes.length, true)).toEqual({ records: 100, endsClean: false, lines: lf(real[6_900], bytes.length) });
    // The last range must close the array; a key the header lacks stops a range.
    expect(await read(real[6_900], real[6_950], true)).toMatch(/read serially/);
    expect(await read(real[100], real[250], false, ['id', 'created_at', 'status', 'amount', 'source', 'note'])).toMatch(/read serially/);
  });

  // As JSON the main thread hashes the file and workers read every range; as CSV it reads ranges too.
  it.each([['one line', 'json'], ['pretty-printed', 'csv']])('%s as %s: byte-identical stdout, stderr and --rejects file, every rejection on its line', async (layout, format) => {
    const file = layout === 'one line' ? oneLine : pretty;
    const { serial, parallel, serialRejects, parallelRejects, path } = await both(DEALS(file, format));
    expect(serial.code).toBe(0);
    expect(serial.stderr).toMatch(layout === 'one line' ? /deals-one-line\.json:1: column "amount": "12k"/ : /deals-pretty\.json:\d{5}: column "amount": "12k"/);
    expect(serialRejects.split('\n').length).toBeGreaterThan(30);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(path).toBe('read in ranges');
  });

  it("an id repeated in the first range and a late one: the duplicate rejected with the line it was first seen on, whichever path", async () => {
    const file = write('deals-dup.json', JSON.stringify(deals(6_000, (i) => (i === 5_900 ? 'D-7' : undefined)), null, 1));
    const { serial, parallel, serialRejects, parallelRejects, path } = await both(DEALS(file, 'csv'));
    expect(serialRejects).toMatch(/column ""id"": ""D-7"" is a duplicate \(first seen at .*deals-dup\.json:\d+\)/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(['read in ranges', 'read serially (an id repeats across ranges)']).toContain(path);
  });

  it('a guess inside an element (an array of objects near a split target) is found out, and that element is not plain (a nested value): the file is read serially, the same bytes', async () => {
    // Element 1,000 holds 6,000 plain objects, one per line as the elements are: a third of the file, over several split targets.
    const inner = deals(6_000).map((o) => ({ ...o, id: `I-${String(o.id)}` }));
    const outer = deals(3_000);
    const items = `[\n${inner.map((x) => JSON.stringify(x)).join(',\n')}\n]`;
    const text = '[\n' + outer.map((o, i) => (i === 1_000 ? JSON.stringify({ ...o, items: '@' }).replace('"@"', () => items) : JSON.stringify(o))).join(',\n') + '\n]\n';
    const file = write('deals-inner.json', text);
    const starts = splitOf(file)!, real = elementStarts(readFileSync(file));
    expect(starts.slice(1).some((s) => !real.has(s))).toBe(true); // the guess took an inner object for an element
    const { serial, parallel, serialRejects, parallelRejects, path } = await both(DEALS(file, 'csv'));
    expect(serialRejects).toMatch(/column ""items"": nested JSON values are not supported/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(path).toMatch(/^read serially \(/);
  });

  it('a key that only late elements have, and --by it or a column no element has: the same bytes and usage error as the serial read', async () => {
    const late = deals(9_000).map((o, i) => (i >= 8_500 && i % 3 === 0 ? { ...o, region: `r${i % 4}` } : o));
    const file = write('deals-late-key.json', JSON.stringify(late));
    expect(statSync(file).size).toBeGreaterThan(2 ** 20 * 1.1); // the first chunk read (1 MiB) has no region
    for (const by of ['region', 'nowhere']) {
      const { serial, parallel, path } = await both(() => ['deals', '--deals', file, '--by', by, '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'csv']);
      expect(serial.code).toBe(by === 'region' ? 0 : 2);
      expect(parallel).toEqual(serial);
      if (by === 'region') expect(path).toMatch(/^read serially/);
    }
  });

  it('an array never closed (the file ends after a comma): the same error as the serial read', async () => {
    const file = write('deals-open.json', JSON.stringify(rows.slice(0, 4_000)).slice(0, -1) + ',\n');
    const { serial, parallel, path } = await both(DEALS(file, 'csv'));
    expect(serial.code).toBe(1);
    expect(serial.stderr).toMatch(/deals-open\.json:\d+: /);
    expect(parallel).toEqual(serial);
    expect(path).toMatch(/^read serially/);
  });
});
