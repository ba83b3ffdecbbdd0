/**
 * Worker-parallel and single-threaded runs give byte-identical output (stdout, stderr and the
 * --rejects file) on inputs whose split points fall among quoted multi-line fields;
 * an id repeated within a reading thread's ranges has them read again, and one repeated in two
 * threads' ranges makes the parallel path fall back to the serial read: the same bytes either way.
 * The main thread reads ranges too, except for JSON output (it hashes the file then), so the
 * cases that can go wrong run in both formats.
 * FUNNEL_PARALLEL_MIN_BYTES=1 forces the parallel path (on by default for large files) on these small files; FUNNEL_THREADS=1 disables it.
 * The files are small (thousands of rows, about 1 MB at most): 3 threads split a file into 14 ranges
 * whatever its size, so a few thousand rows already put split points in quoted fields, ids in
 * several ranges and rejections in many, and each run takes a fraction of a second.
 * The runs start the CLI without its watching parent (FUNNEL_CHILD=1, one Node start-up instead
 * of two): the watcher is not what these tests are about (test/bound.test.ts tests it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './helpers/cli.js';
import { serialAndParallel } from './helpers/parallel.js';
import { lineCount, splitCsv } from './helpers/ranges.js';
import { SharedProgress } from '../src/parallel/progress.js';
import { WorkerShare, type WorkerJob } from '../src/parallel/worker.js';
import { IdLog, repeatsAmong } from '../src/ingest/id-log.js';
import { IdBatch } from '../src/ingest/id-set.js';
import { parseConfig } from '../src/ingest/config.js';

/** Which of `shares` shares of the id check an id's hash falls in. */
function shareOfId(id: string, shares: number): number {
  const batch = new IdBatch();
  batch.add(id, 0);
  const log = new IdLog(undefined, shares);
  log.firstOrAddBatch(batch, new Float64Array(1));
  return log.byShare().findIndex((groups) => groups.some((g) => g.a.length > 0));
}

const dir = mkdtempSync(join(tmpdir(), 'funnel-par-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seed = 5;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const stamp = (d: number, s: number) => new Date(Date.UTC(2023, 0, 1) + d * 86_400_000 + s * 1000).toISOString().slice(0, 19) + 'Z';

/** Rows in most test files: enough for 14 ranges of several rows each (the last ones are 0.3 % of the file). */
const ROWS = 6_000;

/** `duplicateAt`: the row given id D-7, or a function naming the id a row repeats (undefined: its own). */
function dealsFile(name: string, rows: number, duplicateAt?: number | ((i: number) => string | undefined), money?: (i: number, amount: string) => string): string {
  const lines = ['id,created_at,status,closed_at,amount,source,note'];
  for (let i = 0; i < rows; i++) {
    const created = Math.floor(rand() * 700);
    const status = rand() < 0.45 ? 'won' : rand() < 0.6 ? 'lost' : 'open';
    const plain = i % 199 === 5 ? '12k' : (rand() * 30000).toFixed(2); // some rows are rejected (more than stderr shows)
    const amount = money ? money(i, plain) : plain;
    // Most rows carry a quoted note of several lines with escaped quotes: split targets land inside them.
    const note = rand() < 0.7 ? `"line one of ${i}\nsays ""hello, world""\n${'x'.repeat(Math.floor(rand() * 80))}\nend"` : '';
    const id = (typeof duplicateAt === 'function' ? duplicateAt(i) : i === duplicateAt ? 'D-7' : undefined) ?? `D-${i}`;
    lines.push([id, stamp(created, Math.floor(rand() * 86400)), status, status === 'open' ? '' : stamp(created + Math.floor(rand() * 90), Math.floor(rand() * 86400)), amount, ['ads', 'seo', 'partners', 'events'][i % 4], note].join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\r\n') + '\r\n');
  return path;
}

/**
 * Runs serially and in parallel (3 threads) at once (test/helpers/parallel.ts): the --rejects file
 * of each run kept, the parallel run's trace taken out of its stderr and read for the path it
 * took. The serial run, the reference, calls the built CLI in this process
 * (runMain: the same program without a Node start-up, ≈ 0.3 s of CPU a run), in this process's
 * time zone, which the parallel run is given too; `spawnSerial` starts it as a process instead
 * (for inputs named relative to the working directory: main() opens input files from this
 * process's working directory, not from the cwd it is given).
 */
async function both(args: (rejects: string) => string[], { spawnSerial = false } = {}) {
  const TZ = process.env.TZ ?? 'UTC';
  const inProcess = (a: string[], cwd: string, env: Record<string, string>) => runMain(a, { env, cwd });
  const { serial, parallel, trace, serialRejects, parallelRejects } = await serialAndParallel(args('rejects.csv'), dir, { env: { TZ }, serial: spawnSerial ? undefined : inProcess });
  const read = /funnel: parallel: .*: (read in \d+ ranges by \d+ threads \((.*)\)|read serially \(.*\))/.exec(trace);
  const path = read?.[1]?.replace(/^read in \d+ ranges (by \d+ threads) .*$/, 'read in ranges $1');
  // Who read the ranges: the main thread too, unless it hashes the file (JSON output shows the hash).
  const readers = read?.[2];
  return { serial, parallel, serialRejects, parallelRejects, path, readers, trace };
}

// Each test starts a few runs of the CLI (about a second of CPU each): a busy machine (2 cores shared
// by many) stretches that well past vitest's default limit, which is a safeguard here, not a measure.
describe('parallel reading', { timeout: 120_000 }, () => {
  // Over 1 MiB: the serial read (and the hash of the file) cross a chunk boundary (ingest/table.ts).
  const deals = dealsFile('deals.csv', 10_000);

  it('splits only at record boundaries, never inside a quoted field', () => {
    const text = readFileSync(deals, 'utf8');
    const ranges = splitCsv(deals, 3, 7)!;
    expect(ranges).toHaveLength(3);
    expect(ranges[0].start).toBe(0);
    expect(ranges.at(-1)!.end).toBe(Buffer.byteLength(text));
    for (const r of ranges.slice(1)) {
      const before = Buffer.from(text).subarray(0, r.start).toString();
      expect((before.match(/"/g) ?? []).length % 2).toBe(0); // outside quotes
      expect(before.endsWith('\n')).toBe(true);
      expect(r.firstLine).toBe(before.split('\n').length); // the line number the range starts on
    }
  });

  it('deals: byte-identical JSON, stderr and --rejects file', async () => {
    expect(readFileSync(deals).length).toBeGreaterThan(2 ** 20);
    const { serial, parallel, serialRejects, parallelRejects, path, readers } = await both((rejects) => ['deals', '--deals', deals, '--by', 'source', '--period', 'month', '--as-of', '2025-06-01', '--format', 'json', '--rejects', rejects]);
    expect(serial.code).toBe(0);
    expect(serial.stderr).toMatch(/deals\.csv:\d+: column "amount": "12k"/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(serialRejects.split('\n').length).toBeGreaterThan(30);
    expect(path).toBe('read in ranges by 3 threads');
    expect(readers).toBe('3 workers'); // the main thread hashes the file for the JSON's inputs
  });

  // CSV: no SHA-256 computed (only JSON shows it). Per day: thousands of cells, each worker sending them packed.
  it.each([['quarter', 20], ['day', 2000]] as const)('deals by source per %s as CSV: the same bytes in parallel', async (period, rows) => {
    const { serial, parallel, path, readers } = await both(() => ['deals', '--deals', deals, '--by', 'source', '--period', period, '--as-of', '2025-06-01', '--format', 'csv']);
    expect(serial.code).toBe(0);
    expect(serial.stdout.split('\n').length).toBeGreaterThan(rows);
    expect(parallel).toEqual(serial);
    expect(path).toBe('read in ranges by 3 threads');
    expect(readers).toBe('the main thread and 2 workers');
  });

  // JSON: the main thread hashes the file, so workers read every range. CSV: the main thread reads
  // ranges too, and may read the first ranges before a worker has started (then both D-7 rows can be
  // in its own ranges). Whichever path, the bytes are the serial read's.
  it.each(['json', 'csv'])("an id repeated in two threads' ranges (%s) falls back to the serial read, or is read again by the thread that read both: the same bytes, the duplicate rejected", async (format) => {
    // Row 7 is in the first range, row 1,800 in a later one.
    const dup = dealsFile(`deals-dup-${format}.csv`, ROWS, 1_800);
    const { serial, parallel, serialRejects, parallelRejects, path } = await both((rejects) => ['deals', '--deals', dup, '--period', 'quarter', '--as-of', '2025-06-01', '--format', format, '--rejects', rejects]);
    expect(serialRejects).toMatch(/column ""id"": ""D-7"" is a duplicate \(first seen at .*deals-dup-\w+\.csv:\d+\)/);
    expect(serial.code).toBe(0);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    // Threads take ranges from a shared counter: which thread reads which range depends on timing, so one
    // thread may read both rows (then it reads its ranges again). Either way the bytes are the same; the
    // fallback itself is tested deterministically below (repeatsAmong).
    expect(['read in ranges by 3 threads', 'read serially (an id repeats across ranges)']).toContain(path);
  });

  it('columns mapped to a list of headers, deals.status from boolean columns and a value map: the same bytes as the serial read', async () => {
    // The deals file with IsWon/IsClosed (from its status; now and then a value neither true nor false) and
    // "Won at" (a won deal's close time, the day after closed_at), the first of closed_at's list.
    const [head, ...lines] = readFileSync(deals, 'utf8').split('\r\n');
    const out = [head + ',IsWon,IsClosed,Won at', ...lines.map((line, i) => {
      if (line === '') return line;
      const f = line.split(','), status = f[2], closed = f[3];
      const won = status === 'won' ? (i % 500 === 9 ? 'maybe' : 'TRUE') : 'false';
      const wonAt = status === 'won' && i % 2 === 0 ? stamp(Math.floor((Date.parse(closed) - Date.UTC(2023, 0, 1)) / 86_400_000) + 1, 0) : '';
      return `${line},${won},${status === 'open' ? '0' : '1'},${wonAt}`;
    })].join('\r\n');
    const file = join(dir, 'deals-flags.csv');
    writeFileSync(file, out);
    const config = join(dir, 'flags.json');
    writeFileSync(config, JSON.stringify({ columns: { deals: { status: { won: 'IsWon', closed: 'IsClosed' }, closed_at: ['Won at', 'closed_at'], type: null } }, values: { deals: { source: { ads: 'paid', ' SEO': '' } } } }));
    const { serial, parallel, serialRejects, parallelRejects, path } = await both((rejects) => ['deals', '--deals', file, '--config', config, '--by', 'source', '--period', 'month', '--as-of', '2025-06-01', '--format', 'csv', '--rejects', rejects]);
    expect(serial.code).toBe(0);
    expect(serialRejects).toMatch(/column ""IsWon"" \(status\.won\): ""maybe"" is not true or false/);
    expect(serial.stdout).toMatch(/^\d{4}-\d\d,paid,/m);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(path).toBe('read in ranges by 3 threads');
  });

  it('deals under numberFormat "1.234,56" and a timezone (per kind): the same bytes as the serial read', async () => {
    // Amounts with a comma for the point, now and then grouped, with a K suffix, or written the other way (rejected);
    // times mostly without an offset (read in New York; some fall in a DST gap and are rejected), some with Z.
    const money = (i: number, a: string) => `"${i % 7 === 1 ? `€ ${Number(a).toLocaleString('de-DE')}` : i % 7 === 2 ? `${(Number(a) / 1000).toFixed(2).replace('.', ',')}K` : i % 503 === 3 ? '1,234.56' : a.replace('.', ',')}"`;
    const file = dealsFile('deals-formats.csv', 12_000, undefined, money);
    const text = readFileSync(file, 'utf8').replace(/(\d\d:\d\d:\d\d)Z/g, (m, time: string, at: number) => (at % 5 === 0 ? m : time));
    // Every 1000th deal created at a time New York skips (rejected), every 1000th from the 500th at one it has twice (the earlier).
    writeFileSync(file, text.replace(/^(D-(\d+)),[^,]*,/gm, (m, id: string, n: string) => (+n % 1000 === 7 ? `${id},2024-03-10 02:30:00,` : +n % 1000 === 507 ? `${id},2023-11-05 01:30:00,` : m)));
    const config = join(dir, 'formats.json');
    writeFileSync(config, JSON.stringify({ numberFormat: '1.234,56', formats: { deals: { timezone: 'America/New_York' } } }));
    const { serial, parallel, serialRejects, parallelRejects, path } = await both((rejects) => ['deals', '--deals', file, '--config', config, '--by', 'source', '--period', 'month', '--as-of', '2025-06-01', '--format', 'csv', '--rejects', rejects]);
    expect(serial.code).toBe(0);
    expect(serialRejects).toMatch(/does not exist in America\/New_York/);
    expect(serialRejects).toMatch(/""1,234\.56"" is not a number written as the numberFormat/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(path).toBe('read in ranges by 3 threads');
  }, 120_000); // three runs of the CLI on a shared machine

  it("a file listed in the config's inputs, read with its own columns, number format and time zone, and a constant that wins over its column: the same bytes as the serial read", async () => {
    const file = dealsFile('deals-listed.csv', ROWS, undefined, (_, a) => `"${a.replace('.', ',')}"`);
    const [, ...lines] = readFileSync(file, 'utf8').split('\r\n');
    writeFileSync(file, ['Deal,Created,Status,Closed,Value,Source,note', ...lines].join('\r\n'));
    const config = join(dir, 'listed.json');
    writeFileSync(config, JSON.stringify({
      formats: { deals: { numberFormat: '1,234.56' } },
      inputs: [{ kind: 'deals', file: 'deals-listed.csv', numberFormat: '1.234,56', timezone: 'Europe/Berlin', columns: { id: 'Deal', created_at: 'Created', closed_at: 'Closed', amount: 'Value' }, constants: { source: 'partners' } }],
    }));
    const { serial, parallel, serialRejects, parallelRejects, path } = await both((rejects) => ['deals', '--config', config, '--by', 'source', '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'csv', '--rejects', rejects], { spawnSerial: true });
    expect(serial.code).toBe(0);
    expect(serial.stdout).toMatch(/^2023-Q1,partners,/m);
    expect(serial.stderr).toContain('column "Source" is read as a dimension: the config sets source to "partners" for every row (inputs.0.constants.source)');
    expect(serialRejects).toMatch(/12k"+ is not a number written as the numberFormat "+1\.234,56/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(path).toBe('read in ranges by 3 threads');
  });

  // The run's currency is the first one a row states: a thread whose ranges meet another one first cannot know it.
  it.each([
    ['one currency, stated now and then', undefined, (i: number, a: string) => (i % 3 === 0 ? `$${a}` : a), 'read in ranges by 3 threads'],
    ['two currencies, no configured one', undefined, (i: number, a: string) => (i === 4 ? `$${a}` : i > 4_000 && i % 10 === 0 ? `€${a}` : a), 'read serially (amounts in 2 currencies)'],
    ['two currencies, the config\'s EUR', 'EUR', (i: number, a: string) => (i === 4 ? `$${a}` : i > 4_000 && i % 10 === 0 ? `${a} EUR` : a), 'read in ranges by 3 threads'],
  ] as const)('amounts with currencies (%s): the same bytes as the serial read, the other currency\'s rows rejected', async (_, currency, money, expected) => {
    const file = dealsFile(`deals-money-${currency ?? 'none'}-${expected.length}.csv`, ROWS, undefined, money);
    const config = join(dir, `currency-${currency ?? 'none'}.json`);
    writeFileSync(config, JSON.stringify(currency ? { currency } : {}));
    const { serial, parallel, serialRejects, parallelRejects, path } = await both((rejects) => ['deals', '--deals', file, '--config', config, '--by', 'source', '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'csv', '--rejects', rejects]);
    expect(serial.code).toBe(0);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(path).toBe(expected);
    const other = (serialRejects.match(/ is in (USD|EUR), but this run counts money in (EUR|USD)/g) ?? []).length;
    // Without a configured currency the first stated ($) is the run's; with EUR configured, that $ row is the one rejected.
    if (currency) expect(other).toBe(1);
    else if (expected.includes('2 currencies')) expect(other).toBeGreaterThan(100);
    else expect(other).toBe(0);
  });

  it("ids repeated across the file whose hashes fall in the main thread's share of the id check (CSV): found there, the same bytes as the serial read", async () => {
    // Each reading thread checks one share of the hash groups, over every thread's logs; as CSV the
    // main thread reads ranges and checks share 0. Five early ids whose hashes fall in share 0 repeat late in the file.
    const inShare0 = Array.from({ length: 400 }, (_, i) => `D-${i + 10}`).filter((id) => shareOfId(id, 3) === 0).slice(0, 5);
    expect(inShare0).toHaveLength(5);
    const dup = dealsFile('deals-dups-share0.csv', ROWS, (i) => (i >= 5_000 && i % 200 === 0 ? inShare0[(i - 5_000) / 200] : undefined));
    const { serial, parallel, serialRejects, parallelRejects, path, readers } = await both((rejects) => ['deals', '--deals', dup, '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'csv', '--rejects', rejects]);
    expect(serialRejects.match(/is a duplicate/g)).toHaveLength(5);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(['read in ranges by 3 threads', 'read serially (an id repeats across ranges)']).toContain(path);
    if (path !== 'read serially (an id repeats across ranges)') expect(readers).toBe('the main thread and 2 workers');
  });

  it.each(['json', 'csv'])("an id repeated within one range (%s): its reader's ranges are read again with an id table; the same bytes, in parallel", async (format) => {
    const dup = dealsFile(`deals-dup-in-range-${format}.csv`, ROWS, 180);
    const { serial, parallel, serialRejects, parallelRejects, path, trace } = await both((rejects) => ['deals', '--deals', dup, '--period', 'quarter', '--as-of', '2025-06-01', '--format', format, '--rejects', rejects]);
    expect(serialRejects).toMatch(/column ""id"": ""D-7"" is a duplicate \(first seen at .*deals-dup-in-range-\w+\.csv:\d+\)/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(path).toBe('read in ranges by 3 threads');
    expect(trace.match(/read again with an id table/g)).toHaveLength(1);
  });

  it.each(['json', 'csv'])('an id repeated in the first range and one of the last (%s): whichever thread reads that range, the same bytes as the serial read', async (format) => {
    // The last ranges go to whichever thread is free: its own ranges are read again (the same
    // thread) or the run falls back to the serial read (another thread). Both must give the serial answer.
    const dup = dealsFile(`deals-dup-late-${format}.csv`, ROWS, 5_900);
    const { serial, parallel, serialRejects, parallelRejects, path } = await both((rejects) => ['deals', '--deals', dup, '--period', 'quarter', '--as-of', '2025-06-01', '--format', format, '--rejects', rejects]);
    expect(serialRejects).toMatch(/column ""id"": ""D-7"" is a duplicate \(first seen at .*deals-dup-late-\w+\.csv:\d+\)/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(['read in ranges by 3 threads', 'read serially (an id repeats across ranges)']).toContain(path);
  });

  it("a worker's ranges that are not next to each other (0 and 2) with an id in both: read again from their real lines, the later row rejected, first seen in range 0", async () => {
    // Which worker reads which later range depends on timing; this reads a worker's share directly.
    const path = dealsFile('deals-share.csv', 3_000, 2_300);
    const ranges = splitCsv(path, 3, 7)!;
    const job: WorkerJob = {
      view: 'deals', path, header: 'id,created_at,status,closed_at,amount,source,note'.split(','), config: parseConfig({}, 'test'),
      read: {}, params: { by: [], period: 'quarter', asOf: Date.parse('2025-06-01') },
    };
    const duplicate = /"D-7" is a duplicate \(first seen at .*deals-share\.csv:(\d+)\)/;
    // Range 2 is handed out as the main thread does, before the lines before it are known (read as
    // starting on line 2); the worker asks for the real first lines when it must read again.
    const share = new WorkerShare(job);
    await share.read({ index: 0, ...ranges[0] });
    expect((await share.read({ index: 2, ...ranges[2], firstLine: 2 })).lines).toBe(lineCount(path, ranges[2]));
    // The check of its logs (as the workers make it together) finds the repeat within this worker's ranges.
    const [mine] = share.logs(); // one share of the groups (the job names none)
    expect(repeatsAmong([mine])).toEqual({ within: [true], across: false });
    let asked = 0;
    const result = await share.finish(true, async () => { asked++; return ranges.map((r) => r.firstLine); });
    expect(asked).toBe(1);
    expect(result.ranges.map((r) => r.index)).toEqual([0, 2]);
    const [late] = result.ranges[1].rejections.filter((r) => duplicate.test(r.reason));
    expect(late.line).toBeGreaterThan(ranges[2].firstLine);
    expect(Number(duplicate.exec(late.reason)![1])).toBeLessThan(ranges[1].firstLine);
    expect(result.ranges[0].rejections.some((r) => duplicate.test(r.reason))).toBe(false);
    // Range 2 alone has no duplicate: its first D-7 is the only one it sees.
    const alone = new WorkerShare(job);
    await alone.read({ index: 2, ...ranges[2] });
    const [logs] = alone.logs(); // one share of the groups (the job names none)
    // With the first worker's logs, the id is in two workers' ranges.
    expect(repeatsAmong([logs])).toEqual({ within: [false], across: false });
    expect(repeatsAmong([logs, mine]).across).toBe(true);
    const single = await alone.finish(false, () => { throw new Error('no id repeats: the real lines are not needed'); });
    expect(logs.reduce((n, g) => n + g.a.length, 0)).toBe(single.ranges[0].stats.accepted); // every accepted row's id
    expect(single.ranges[0].rejections.some((r) => duplicate.test(r.reason))).toBe(false);
    expect(single.ranges[0].stats.accepted).toBe(result.ranges[1].stats.accepted + 1);
  });

  it('a split guessed inside a quoted field (its lines look like records) falls back to the serial read', async () => {
    // One quoted field spans the middle of the file with lines of the header's width: the guessed
    // boundary lands inside it, the range before does not end at a record's end, and the run reads serially.
    const head = ['id,created_at,status,closed_at,amount,source,note'];
    for (let i = 0; i < 4_000; i++) head.push(`D-${i},${stamp(i % 300, i)},open,,,ads,`);
    const trap = Array.from({ length: 6_000 }, (_, i) => `X-${i},2024-01-01,open,,,ads,x`).join('\n');
    const tail = Array.from({ length: 4_000 }, (_, i) => `E-${i},${stamp(i % 300, i)},won,${stamp(i % 300 + 5, i)},10,seo,`);
    const path = join(dir, 'trap.csv');
    writeFileSync(path, [...head, `T-1,2024-01-01,open,,,ads,"${trap}"`, ...tail].join('\n') + '\n');
    const ranges = splitCsv(path, 2, 7)!;
    const text = readFileSync(path);
    expect(ranges[1].start).toBeGreaterThan(text.indexOf('"X-')); // the guess is inside the quoted field …
    expect(ranges[1].start).toBeLessThan(text.lastIndexOf('x"'));
    const { serial, parallel, path: taken } = await both(() => ['deals', '--deals', path, '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'json']);
    expect(serial.code).toBe(0);
    expect(parallel).toEqual(serial); // … and the answer is still the serial one
    expect(taken).toBe('read serially (a split fell inside a record)');
  });

  it('a worker counts lone CRs in its ranges as line breaks, as the tokenizer does: the same lines in messages', async () => {
    // Every third row ends with a lone CR (a hand-edited export); some rows are rejected, so stderr names lines.
    const rows = ['id,created_at,status,closed_at,amount'];
    for (let i = 0; i < 12_000; i++) rows.push(`D-${i},${stamp(i % 300, i)},${i % 2 ? 'won' : 'open'},${i % 2 ? stamp(i % 300 + 3, i) : ''},${i % 977 === 3 ? 'x' : '10'}`);
    const text = rows.map((r, i) => r + (i % 3 === 2 ? '\r' : '\n')).join('');
    const path = join(dir, 'lone-cr.csv');
    writeFileSync(path, text);
    // Each range says how many lines it went over, read as the main thread hands it out.
    const ranges = splitCsv(path, 3, 5)!;
    const share = new WorkerShare({
      view: 'deals', path, header: rows[0].split(','), config: parseConfig({}, 'test'), read: {}, params: { by: [], period: 'quarter', asOf: Date.parse('2025-06-01') },
    });
    for (const [index, r] of ranges.entries()) {
      const read = await share.read({ index, ...r, firstLine: index === 0 ? 1 : 2 });
      expect(read.lines).toBe((text.slice(r.start, r.end).match(/\r\n|\r|\n/g) ?? []).length); // ASCII: bytes are characters
    }
    const { serial, parallel, path: taken } = await both(() => ['deals', '--deals', path, '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'json']);
    expect(serial.stderr).toMatch(/lone-cr\.csv:\d+: column "amount": "x"/);
    expect(parallel).toEqual(serial);
    expect(taken).toBe('read in ranges by 3 threads');
    // As CSV, the main thread counts the lines of the ranges it reads itself.
    const csv = await both(() => ['deals', '--deals', path, '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'csv']);
    expect(csv.parallel).toEqual(csv.serial);
    expect(csv.serial.stderr).toBe(serial.stderr);
    expect(csv.readers).toBe('the main thread and 2 workers');
  });

  it.each(['json', 'csv'])('a file that ends inside a quoted field (%s): that rejection names the line the field opened on, so its range is read serially', async (format) => {
    // Over 1 MiB, so the header is read from a first chunk that does not end the file; short rows at
    // the end put more than the 64 clean records a split looks for into each of the last ranges (0.3 %
    // of the file each), before the field that is never closed.
    const path = join(dir, `unclosed-${format}.csv`);
    const short = Array.from({ length: 400 }, (_, i) => `S-${i},2024-02-01T00:00:00Z,open,,,ads,\r\n`).join('');
    writeFileSync(path, readFileSync(dealsFile('unclosed-base.csv', 10_000), 'latin1') + short + 'D-last,2024-01-01T00:00:00Z,open,,,ads,"never\nclosed\n');
    const { serial, parallel, serialRejects, parallelRejects, path: taken } = await both((rejects) => ['deals', '--deals', path, '--period', 'quarter', '--as-of', '2025-06-01', '--format', format, '--rejects', rejects]);
    expect(serialRejects).toMatch(/the quoted field opened on line \d+ is never closed/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(taken).toBe('read serially (the file ends inside a quoted field)');
  });

  // As CSV the main thread reads ranges too: the bad range may be its own (its read fails) or a worker's.
  it.each(['json', 'csv'])('a reading thread that fails (%s; a byte that is not UTF-8 in a late range) stops the others, one waiting for the first lines included; the serial read reports the error', async (format) => {
    // D-7 repeats within the first range: its reader asks for the first lines, which wait for every range.
    // Over 1 MiB: the header is read from a first chunk without the bad byte (otherwise the file is not split).
    const base = readFileSync(dealsFile(`bad-byte-base-${format}.csv`, 10_000, 180));
    const at = base.lastIndexOf('D-9990,');
    const path = join(dir, `bad-byte-${format}.csv`);
    writeFileSync(path, Buffer.concat([base.subarray(0, at), Buffer.from([0xff]), base.subarray(at)]));
    const { serial, parallel, path: taken } = await both(() => ['deals', '--deals', path, '--period', 'quarter', '--as-of', '2025-06-01', '--format', format]);
    expect(serial.stderr).toMatch(/bad-byte-\w+\.csv:\d+: is not UTF-8 text/);
    expect(parallel).toEqual(serial);
    if (format === 'json') expect(taken).toBe('read serially (a worker failed)');
    else expect(['read serially (a worker failed)', "read serially (the main thread's ranges failed)"]).toContain(taken);
  });

  it('a file it cannot split is read serially, and the workers started for it stop (the run ends)', async () => {
    // Every other row has a field too many: no place near a split target is followed by 64 clean records.
    const lines = ['id,created_at,status,closed_at,amount'];
    for (let i = 0; i < 4000; i++) lines.push(`D-${i},2024-03-01,open,,${i % 2 ? ',extra' : ''}`);
    const path = join(dir, 'ragged.csv');
    writeFileSync(path, lines.join('\n') + '\n');
    const { serial, parallel, path: how } = await both((rejects) => ['deals', '--deals', path, '--format', 'json', '--as-of', '2025-01-01', '--rejects', rejects]);
    expect(how).toBe('read serially (not split)');
    expect(parallel).toEqual(serial);
    expect(JSON.parse(serial.stdout).inputs.deals).toMatchObject({ rows: 4000, accepted: 2000, rejected: 2000 });
  });

  it('progress over reading threads: each counts in its own slot of shared memory, the line shows the sums', async () => {
    const counts = new SharedProgress(3);
    counts.set(0, 10, 100); counts.set(1, 5, 40); counts.set(0, 20, 210); counts.set(2, 1, 9);
    expect(counts.sums()).toEqual([26, 259]);
    // Another thread's view of the same buffer sees the counts (and past 2³² bytes).
    const other = new SharedProgress(counts.buffer);
    other.set(1, 6_000_000_000, 2 ** 40);
    expect(counts.sums()).toEqual([20 + 6_000_000_000 + 1, 210 + 2 ** 40 + 9]);
    // A reading thread's share counts the range it reads into its slot, and says so.
    const path = dealsFile('deals-progress.csv', 3_000);
    const fresh = new SharedProgress(2);
    let told = 0;
    const share = new WorkerShare({
      view: 'deals', path, header: 'id,created_at,status,closed_at,amount,source,note'.split(','), config: parseConfig({}, 'test'),
      read: {}, params: { by: [], period: 'quarter', asOf: Date.parse('2025-06-01') }, progress: { counts: fresh.buffer, slot: 1 },
    }, () => { told++; });
    const size = readFileSync(path).length;
    const { stats } = await share.read({ index: 0, start: 0, end: size, firstLine: 1 });
    expect(told).toBeGreaterThan(0);
    const [rows, bytes] = fresh.sums();
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(stats.rows);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(size);
    expect(new SharedProgress(fresh.buffer).sums()).toEqual([rows, bytes]);
  });

  it('stages: byte-identical JSON and CSV', async () => {
    const lines = ['id,created_at,source,name,mql_at,sql_at'];
    for (let i = 0; i < 8_000; i++) {
      const c = Math.floor(rand() * 500);
      lines.push([`L${i}`, stamp(c, i % 86400), ['ads', 'seo'][i % 2], `"Name ${i},\nsecond line"`, rand() < 0.5 ? stamp(c + 2, 10) : '', rand() < 0.2 ? stamp(c + 9, 99) : ''].join(','));
    }
    const leads = join(dir, 'leads.csv');
    writeFileSync(leads, lines.join('\n') + '\n');
    const { serial, parallel, path } = await both(() => ['stages', '--leads', leads, '--by', 'source', '--period', 'month', '--as-of', '2025-06-01', '--format', 'json']);
    expect(serial.code).toBe(0);
    expect(parallel).toEqual(serial);
    expect(path).toBe('read in ranges by 3 threads');
    const csv = await both(() => ['stages', '--leads', leads, '--by', 'source', '--period', 'month', '--as-of', '2025-06-01', '--format', 'csv']);
    expect(csv.serial.code).toBe(0);
    expect(csv.parallel).toEqual(csv.serial);
    expect(csv.readers).toBe('the main thread and 2 workers');
  });

  it('stages with stageColumns templates (stage 0\'s own column too): byte-identical JSON', async () => {
    const lines = ['id,created_at,source,Became a Lead Date,Became a MQL Date,Date entered "SQL (Sales Pipeline)"'];
    for (let i = 0; i < 8_000; i++) {
      const c = Math.floor(rand() * 500);
      lines.push([`L${i}`, stamp(c, i % 86400), ['ads', 'seo'][i % 2], rand() < 0.6 ? stamp(c + 1, 5) : '', rand() < 0.5 ? stamp(c + 2, 10) : '', rand() < 0.2 ? stamp(c + 9, 99) : ''].join(','));
    }
    const leads = join(dir, 'leads-templates.csv');
    writeFileSync(leads, lines.join('\n') + '\n');
    const config = join(dir, 'templates.config.json');
    writeFileSync(config, JSON.stringify({ stages: ['lead', 'mql', 'sql'], stageAliases: { MQL: 'mql' }, stageColumns: { leads: ['Became a {stage} Date', 'Date entered "{stage} (*)"'] } }));
    const { serial, parallel, path } = await both(() => ['stages', '--config', config, '--leads', leads, '--by', 'source', '--period', 'month', '--attribution', 'period', '--as-of', '2025-06-01', '--format', 'json']);
    expect(serial.code).toBe(0);
    expect(parallel).toEqual(serial);
    expect(path).toBe('read in ranges by 3 threads');
  });

  it('stages with rows without ids (anonymous stage entries, leads and events): byte-identical JSON and CSV; refused alike under cohort attribution', async () => {
    const lines = ['created_at,source,name,mql_at,sql_at'];
    for (let i = 0; i < 8_000; i++) {
      const c = Math.floor(rand() * 500);
      // Now and then a bad date (rejected, its line named) and a stage time before created_at (rejected too).
      const created = i % 997 === 5 ? 'soon' : stamp(c, i % 86400);
      lines.push([created, ['ads', 'seo'][i % 2], `"Name ${i},\nsecond line"`, rand() < 0.5 ? stamp(c + 2, 10) : i % 1009 === 7 ? stamp(c - 3, 0) : '', rand() < 0.2 ? stamp(c + 9, 99) : ''].join(','));
    }
    const leads = join(dir, 'leads-without-ids.csv'), events = join(dir, 'mqls-without-ids.csv');
    writeFileSync(leads, lines.join('\n') + '\n');
    writeFileSync(events, 'stage,at,source\n' + Array.from({ length: 300 }, (_, i) => `${['mql', 'sql'][i % 2]},${stamp(Math.floor(rand() * 500), i)},${['ads', 'seo', 'events'][i % 3]}`).join('\n') + '\n');
    const config = join(dir, 'no-ids.json');
    writeFileSync(config, JSON.stringify({ columns: { leads: { id: null }, events: { lead_id: null } } }));
    const args = (format: string) => ['stages', '--config', config, '--leads', leads, '--events', events, '--attribution', 'period', '--by', 'source', '--period', 'month', '--as-of', '2025-06-01', '--format', format];
    const { serial, parallel, path } = await both(() => args('json'));
    expect(serial.code).toBe(0);
    expect(serial.stderr).toMatch(/leads-without-ids\.csv:\d+: column "created_at": "soon" is not a date/);
    expect(parallel).toEqual(serial);
    expect(path).toBe('read in ranges by 3 threads');
    const csv = await both(() => args('csv'));
    expect(csv.parallel).toEqual(csv.serial);
    expect(csv.path).toBe('read in ranges by 3 threads');
    // A list ending in null finds no id header: known in the reading threads, which leave the refusal to the serial read.
    const maybe = join(dir, 'maybe-ids.json');
    writeFileSync(maybe, JSON.stringify({ columns: { leads: { id: ['Lead Id', null] } } }));
    const cohort = await both(() => ['stages', '--config', maybe, '--leads', leads, '--by', 'source', '--format', 'json']);
    expect(cohort.serial.code).toBe(2);
    expect(cohort.serial.stderr).toMatch(/leads-without-ids\.csv: its rows have no ids, so each is an anonymous stage entry; they count under --attribution period only/);
    expect(cohort.parallel).toEqual(cohort.serial);
  });

  /**
   * Every view reads its main input in parallel (quality: test/parallel-quality.test.ts): the same bytes as the serial read, rejections and
   * --rejects included. The order-sensitive parts are there on purpose: customers whose first won deal
   * ties with a later one of another source, subscriptions of one customer under several plans (its
   * group is its first row's).
   */
  describe('every view', () => {
    const customerDeals = join(dir, 'deals-customers.csv');
    const spend = join(dir, 'spend.csv'), subs = join(dir, 'subscriptions.csv');
    const dealLines = ['id,created_at,status,closed_at,amount,source,customer_id,note'];
    for (let i = 0; i < ROWS; i++) {
      // Customers' first wins often fall on the same instant (a tie keeps the deal read first, whose source may differ).
      const closedDay = Math.floor(rand() * 40);
      const status = rand() < 0.7 ? 'won' : 'lost';
      const amount = i % 211 === 7 ? 'lots' : (rand() * 9000).toFixed(2);
      dealLines.push([`D${i}`, stamp(closedDay - 3, 0), status, stamp(closedDay, 0), amount, ['ads', 'seo', 'partners', 'events'][i % 4], `C${Math.floor(rand() * 900)}`, rand() < 0.6 ? `"a note\nof ${i}"` : ''].join(','));
    }
    writeFileSync(customerDeals, dealLines.join('\n') + '\n');
    const spendLines = ['date,source,campaign,category,amount'];
    for (let i = 0; i < ROWS; i++) {
      const amount = i % 157 === 11 ? 'n/a' : (rand() * 500).toFixed(2);
      spendLines.push([stamp(Math.floor(rand() * 600), 0).slice(0, 10), ['ads', 'seo', 'partners'][i % 3], `"camp ${i % 9}"`, i % 5 === 0 ? 'sales' : 'marketing', amount].join(','));
    }
    writeFileSync(spend, spendLines.join('\n') + '\n');
    const subLines = ['customer_id,start_date,end_date,mrr,plan'];
    for (let i = 0; i < ROWS; i++) {
      const start = Math.floor(rand() * 500);
      const mrr = i % 181 === 13 ? '-' : (rand() * 300).toFixed(2);
      // Customers keep coming throughout the file: many have their first row in a late range.
      subLines.push([`C${Math.floor(rand() * (i / 4 + 20))}`, stamp(start, 0).slice(0, 10), rand() < 0.4 ? stamp(start + 30 + Math.floor(rand() * 300), 0).slice(0, 10) : '', mrr, ['basic', 'pro', 'team'][Math.floor(rand() * 3)]].join(','));
    }
    writeFileSync(subs, subLines.join('\n') + '\n');
    const asOf = ['--as-of', '2025-06-01'];

    it.each([
      ['marketing', ['marketing', '--spend', spend, '--by', 'source,campaign', '--period', 'quarter']],
      ['customers', ['customers', '--deals', customerDeals, '--spend', spend, '--subscriptions', subs, '--by', 'source', '--period', 'week']],
      ['mrr', ['mrr', '--subscriptions', subs, '--by', 'plan']],
      // One read of the deals for two views: each reading thread runs both folds over its ranges.
      ['report of deals and customers', ['report', '--deals', customerDeals, '--by', 'source', '--period', 'month']],
    ])('%s: byte-identical JSON and CSV, stderr and --rejects file', async (_view, args) => {
      for (const format of ['json', 'csv']) {
        const { serial, parallel, serialRejects, parallelRejects, path } = await both((rejects) => [...args, ...asOf, '--format', format, '--rejects', rejects]);
        expect(serial.code).toBe(0);
        expect(serial.stderr).toMatch(/rows? rejected/);
        expect(parallel).toEqual(serial);
        expect(parallelRejects).toBe(serialRejects);
        expect(serialRejects.split('\n').length).toBeGreaterThan(25);
        expect(path).toBe('read in ranges by 3 threads');
      }
    });
  });
});

/**
 * NDJSON deals: most lines plain (read by the scanner), some not (a nested value, text that is not
 * JSON, a line that is not an object, two keys naming one column, an escaped string, numbers in
 * exponent form) and some rows rejected by their values, with blank lines and CRLF line ends.
 * `extra`: a key that line `i` has besides (undefined: none).
 */
function dealsNdjson(name: string, rows: number, duplicateAt?: number, extra?: (i: number) => [string, string] | undefined): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const created = Math.floor(rand() * 700);
    const status = rand() < 0.45 ? 'won' : rand() < 0.6 ? 'lost' : 'open';
    const o: Record<string, unknown> = { id: i === duplicateAt ? 'D-7' : `D-${i}`, created_at: stamp(created, Math.floor(rand() * 86400)), status };
    if (status !== 'open') o.closed_at = stamp(created + Math.floor(rand() * 90), Math.floor(rand() * 86400));
    o.amount = i % 199 === 5 ? '12k' : i % 7 === 0 ? Number((rand() * 30000).toFixed(2)) : (rand() * 30000).toFixed(2);
    o.source = ['ads', 'seo', 'partners', 'events'][i % 4];
    o.note = i % 5 === 0 ? `say "hi"\t${'\u00e9'.repeat(i % 3)}` : `note ${i}`;
    const more = extra?.(i);
    if (more) o[more[0]] = more[1];
    let line = JSON.stringify(o);
    if (i % 211 === 9) line = line.replace('"note":', '"tags":["a"],"note":'); // a nested value: rejected
    if (i % 307 === 11) line = line.slice(0, -3); // not JSON: rejected with its text
    if (i % 401 === 13) line = '[1, 2]'; // not an object: rejected
    if (i % 503 === 17) line = line.replace('"source":', '"Source":"x","source":'); // two keys name one column: rejected
    if (i % 97 === 3) line = line.replace(/"amount":"?([\d.]+)"?/, (_m, a: string) => `"amount":${Number(a).toExponential()}`);
    lines.push(line);
    if (i % 1000 === 999) lines.push('');
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\r\n') + '\r\n');
  return path;
}

describe('parallel reading of NDJSON', { timeout: 120_000 }, () => {
  // Over 1 MiB: the header (the first read chunk's keys) does not hold every line.
  const deals = dealsNdjson('deals.ndjson', 10_000);

  it('deals: byte-identical JSON, stderr and --rejects file, every rejection on its line', async () => {
    expect(readFileSync(deals).length).toBeGreaterThan(2 ** 20);
    const { serial, parallel, serialRejects, parallelRejects, path, readers } = await both((rejects) => ['deals', '--deals', deals, '--by', 'source', '--period', 'month', '--as-of', '2025-06-01', '--format', 'json', '--rejects', rejects]);
    expect(serial.code).toBe(0);
    expect(serial.stderr).toMatch(/deals\.ndjson:\d+: not valid JSON/);
    expect(serialRejects).toMatch(/nested JSON values are not supported/);
    expect(serialRejects).toMatch(/expected a JSON object per row, found an array/);
    expect(serialRejects).toMatch(/name the same column/);
    expect(serialRejects).toMatch(/column ""amount"": ""12k""/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(path).toBe('read in ranges by 3 threads');
    expect(readers).toBe('3 workers');
  });

  it.each(['source', 'note'])('deals --by %s as CSV (the main thread reads ranges too): the same bytes in parallel', async (by) => {
    const { serial, parallel, path, readers } = await both(() => ['deals', '--deals', deals, '--by', by, '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'csv']);
    expect(serial.code).toBe(0);
    expect(parallel).toEqual(serial);
    expect(path).toBe('read in ranges by 3 threads');
    expect(readers).toBe('the main thread and 2 workers');
  });

  it.each(['json', 'csv'])('an id repeated across the file (%s): the same bytes, the duplicate rejected with the line it was first seen on', async (format) => {
    const dup = dealsNdjson(`deals-dup-${format}.ndjson`, 8_000, 7_000);
    const { serial, parallel, serialRejects, parallelRejects } = await both((rejects) => ['deals', '--deals', dup, '--period', 'quarter', '--as-of', '2025-06-01', '--format', format, '--rejects', rejects]);
    expect(serialRejects).toMatch(/column ""id"": ""D-7"" is a duplicate \(first seen at .*deals-dup-\w+\.ndjson:8\)/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
  });

  it('a key that only later lines have (a new column for the serial read) makes the file read serially: the same bytes, --by that key included', async () => {
    const late = dealsNdjson('deals-late-key.ndjson', 10_000, undefined, (i) => (i >= 9_000 && i % 3 === 0 ? ['region', `r${i % 4}`] : undefined));
    for (const by of ['source', 'region']) {
      const { serial, parallel, path } = await both(() => ['deals', '--deals', late, '--by', by, '--period', 'quarter', '--as-of', '2025-06-01', '--format', 'csv']);
      expect(serial.code).toBe(0);
      expect(serial.stdout).toMatch(by === 'region' ? /r1/ : /seo/);
      expect(parallel).toEqual(serial);
      // The range with the new key may be the main thread's own or a worker's.
      expect(['read serially (a worker failed)', "read serially (the main thread's ranges failed)"]).toContain(path);
    }
    // A --by column no line has: the same usage error either way.
    const { serial, parallel } = await both(() => ['deals', '--deals', late, '--by', 'nowhere', '--period', 'quarter', '--format', 'csv']);
    expect(serial.code).toBe(2);
    expect(parallel).toEqual(serial);
  });
});
