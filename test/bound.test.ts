/**
 * Bounded time and memory on pathological files: the split-point search and long records cost time
 * linear in their size (checked by counting the bytes scanned, never by timing), `report` refuses
 * an input it could read only once, and runs that would grow without bound stop with one line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundaryNear } from '../src/parallel/ranges.js';
import { CsvTokenizer } from '../src/ingest/csv.js';
import { WorkerShare } from '../src/parallel/worker.js';
import { parseConfig } from '../src/ingest/config.js';
import { BIN, ROOT, runCli } from './helpers/cli.js';
import { Groups, MAX_GROUP_CELLS } from '../src/engine/groups.js';
import { spawn, spawnSync } from 'node:child_process';

const dir = mkdtempSync(join(tmpdir(), 'funnel-bound-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bytes boundaryNear tokenizes near `target` in `text`, and the boundary it finds. */
function searchCost(text: string, target: number, width: number): { at: number; bytes: number } {
  const path = join(dir, `split-${target}.csv`);
  writeFileSync(path, text);
  const fd = openSync(path, 'r');
  try {
    const work = { bytes: 0 };
    const at = boundaryNear(fd, Buffer.byteLength(text), target, width, ',', work);
    return { at, bytes: work.bytes };
  } finally { closeSync(fd); }
}

const WINDOW = 256 * 1024;
const records = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `D-${from + i},2024-01-0${(i % 9) + 1},won\n`).join('');

describe('the split-point search is linear in its window', () => {
  it('a long run of blank lines is passed over, not scanned once per line', () => {
    const head = 'id,created_at,status\n' + records(100);
    const text = head + '\n'.repeat(200_000) + records(200, 100);
    const { at, bytes } = searchCost(text, head.length + 10, 3);
    // Every guess in the run reads the same records: one scan of the records after it.
    expect(at).toBe(head.length + 200_000);
    expect(bytes).toBeLessThan(64 * 1024);
  });

  it('a quoted field of many short lines costs a bounded scan (then the file is read serially)', () => {
    const head = 'id,created_at,status\n' + records(10);
    const field = '"' + 'note,x\n'.repeat(300_000) + '"';
    const text = head + `D-x,2024-01-01,${field}\n` + records(100, 10);
    const { at, bytes } = searchCost(text, head.length + 100, 3);
    expect(at).toBe(-1);
    expect(bytes).toBeLessThanOrEqual(17 * WINDOW);
  });

  it('records that look right are still found at the first line start', () => {
    const head = 'id,created_at,status\n' + records(50);
    const text = head + records(500, 50);
    const { at, bytes } = searchCost(text, head.length + 3, 3);
    expect(at).toBe(head.length + records(1, 50).length);
    expect(bytes).toBeLessThan(64 * 40);
  });
});

describe('a long record is scanned in linear time', () => {
  it('a 4 MiB quoted field fed in 64 KiB chunks (a pipe) is scanned a few times over, not once per chunk', () => {
    const field = 'x'.repeat(1000) + '\n';
    const text = 'id,note\n' + `1,"${field.repeat(4096)}"\n` + '2,short\n';
    const bytes = Buffer.from(text);
    const tokenizer = new CsvTokenizer(',');
    const got: string[][] = [];
    for (let at = 0; at < bytes.length; at += 64 * 1024) tokenizer.push(bytes.subarray(at, at + 64 * 1024), (r) => got.push(r.fields));
    tokenizer.end((r) => got.push(r.fields));
    expect(got.map((f) => f[0])).toEqual(['id', '1', '2']);
    expect(got[1][1]).toBe(field.repeat(4096));
    expect(tokenizer.scanned).toBeLessThan(4 * bytes.length);
  });
});

/** Deals where every third row is rejected (a won deal without closed_at). */
function dealsWithRejects(rows: number): string {
  const lines = ['id,created_at,status,closed_at,amount,source'];
  for (let i = 0; i < rows; i++) {
    lines.push(i % 3 === 0 ? `D-${i},2024-02-03,won,,100,paid` : `D-${i},2024-02-03,won,2024-03-0${(i % 9) + 1},100,organic`);
  }
  return lines.join('\n') + '\n';
}

describe('rejected rows are not held in memory on the parallel path', () => {
  const path = join(dir, 'deals-rejects.csv');
  writeFileSync(path, dealsWithRejects(20_000));
  const job = {
    view: 'deals' as const, path, header: 'id,created_at,status,closed_at,amount,source'.split(','), config: parseConfig({}, 'test'),
    read: {}, params: { by: [], period: 'none' as const, asOf: Date.parse('2025-06-01') },
  };

  it('a range keeps the rows stderr may show and counts the rest', async () => {
    const share = new WorkerShare({ ...job, rejections: { keep: 20, every: false } });
    const result = await share.read({ index: 0, start: 0, end: statSync(path).size, firstLine: 1 });
    expect(result.stats.rejected).toBe(6667);
    expect(result.rejections.length).toBe(20);
    expect(result.rejections.map((r) => r.line)).toEqual(Array.from({ length: 20 }, (_, i) => 2 + 3 * i));
  });

  it('a range that must keep every row stops past its limit (the file is then read serially)', async () => {
    const share = new WorkerShare({ ...job, rejections: { keep: 100, every: true } });
    await expect(share.read({ index: 0, start: 0, end: statSync(path).size, firstLine: 1 })).rejects.toThrow(/more than 100 rejected rows/);
  });

  it('parallel and serial runs give the same stdout, stderr and --rejects file, with more rejections than a range keeps', async () => {
    const run = async (threads: string) => {
      const rejects = join(dir, `rejects-${threads}.csv`);
      const r = await runCli(['deals', '--deals', path, '--period', 'none', '--format', 'csv', '--rejects', rejects],
        { env: { FUNNEL_THREADS: threads, FUNNEL_PARALLEL_MIN_BYTES: '1' } });
      return { ...r, stderr: r.stderr.replaceAll(rejects, 'REJECTS'), rejects: readFileSync(rejects, 'utf8') };
    };
    const quiet = async (threads: string) => runCli(['deals', '--deals', path, '--period', 'none', '--format', 'csv'],
      { env: { FUNNEL_THREADS: threads, FUNNEL_PARALLEL_MIN_BYTES: '1' } });
    const [serial, parallel, serialQuiet, parallelQuiet] = [await run('1'), await run('2'), await quiet('1'), await quiet('2')];
    expect(parallel).toEqual(serial);
    expect(serial.rejects.trim().split('\n').length).toBe(6668);
    expect(parallelQuiet).toEqual(serialQuiet);
    expect(serialQuiet.stderr).toContain('6667 rows rejected (6647 not shown)');
  }, 120_000); // four runs of the CLI, one after another: a safeguard for a busy machine, not a measure
});

describe('an input that can be read only once', () => {
  /** Runs funnel under bash, so that `<(…)` makes a pipe as a user's shell does. */
  const bash = (args: string) => spawnSync('bash', ['--norc', '--noprofile', '-c', `"${process.execPath}" "${BIN}" ${args}`], {
    cwd: ROOT, encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: 'UTC' },
  });

  it('report reads a process substitution once for all its views: the same report as from the file', () => {
    const piped = bash('report --leads <(cat fixtures/leads.csv) --deals <(cat fixtures/deals.csv) --input-format csv --period quarter --as-of 2025-06-01 --format csv');
    const file = bash('report --leads fixtures/leads.csv --deals fixtures/deals.csv --input-format csv --period quarter --as-of 2025-06-01 --format csv');
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(file.stdout);
    expect(piped.stdout).toMatch(/^view,/);
  });

  it('report refuses up front a process substitution it would read twice (the deals view grouping by a lead\'s source, after the stages view)', () => {
    const r = bash('report --leads fixtures/leads.csv --deals <(cat fixtures/deals.csv) --input-format csv --by source');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^funnel: report reads --deals twice here \(the stages view needs it before --leads, the deals view after\), so it needs a file, not a pipe \("\/dev\/fd\/\d+"\); save it to a file first\n$/);
    expect(r.stdout).toBe('');
  });

  it('report refuses a named pipe it would read twice without waiting on it', () => {
    const fifo = join(dir, 'deals.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = bash(`report --leads fixtures/leads.csv --deals '${fifo}' --input-format csv --by source`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('so it needs a file, not a pipe');
  });

  it('a single view reads a process substitution as a stream, as it reads the file', () => {
    const piped = bash('deals --deals <(cat fixtures/deals.csv) --input-format csv --period quarter --format csv');
    const file = bash('deals --deals fixtures/deals.csv --input-format csv --period quarter --format csv');
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(file.stdout);
    expect(piped.stdout.split('\n').length).toBeGreaterThan(3);
  });
});

describe('groups and months have a stated limit', () => {
  it('mrr --as-of 9999-12-31 stops at once with one line naming the flag', async () => {
    const r = await runCli(['mrr', '--subscriptions', 'fixtures/subscriptions.csv', '--as-of', '9999-12-31']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('funnel: mrr would list 95,709 months, 2024-04 to 9999-12 (the first subscription\'s start to --as-of), more than 1,200; use a nearer --as-of or --from/--to\n');
  });

  it('customers --as-of 9999-12-31 meets the same limit only when a metric needs the subscriptions month by month (payback, predictive LTV)', async () => {
    const args = ['customers', '--deals', 'fixtures/deals.csv', '--spend', 'fixtures/spend.csv', '--subscriptions', 'fixtures/subscriptions.csv', '--as-of', '9999-12-31', '--format', 'csv', '--quiet'];
    const without = await runCli([...args, '--metrics', 'customers,revenue,cac']);
    expect(without.stderr).toBe('');
    expect(without.code).toBe(0);
    expect(without.stdout).toMatch(/^customers,revenue,cac\r?\n\d+,/);
    const withPayback = await runCli([...args, '--metrics', 'customers,cac_payback_months']);
    expect(withPayback.code).toBe(1);
    expect(withPayback.stdout).toBe('');
    expect(withPayback.stderr).toMatch(/^funnel: mrr would list 95,709 months/);
  });

  it('mrr --by customer_id over many customers × months stops before making the rows', async () => {
    const path = join(dir, 'subscriptions-many.csv');
    const lines = ['customer_id,start_date,end_date,mrr'];
    // 2,000 customers over 26 years: past the limit with few rows to read (and 6,000 to write below).
    for (let i = 0; i < 2_000; i++) lines.push(`C-${i},2000-01-01,,${10 + (i % 7)}`);
    writeFileSync(path, lines.join('\n') + '\n');
    const r = await runCli(['mrr', '--subscriptions', path, '--by', 'customer_id', '--as-of', '2025-12-31', '--format', 'csv']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('funnel: --by customer_id makes 2,000 groups × 312 months, more than 500,000 rows; use --from/--to or a coarser --by\n');
    // Fewer months fit.
    const narrow = await runCli(['mrr', '--subscriptions', path, '--by', 'customer_id', '--as-of', '2025-12-31', '--from', '2025-10-01', '--format', 'csv']);
    expect(narrow.code).toBe(0);
    expect(narrow.stdout.trim().split('\n').length).toBe(1 + 3 * 2_000);
  }, 120_000); // two runs of the CLI: a safeguard for a busy machine, not a measure

  it('a fold stops at the group × period limit with one line naming --by and --period', () => {
    const groups = new Groups(() => ({ n: 0 }));
    for (let i = 0; i < MAX_GROUP_CELLS; i++) groups.get([`owner-${i % 1000}`], Math.floor(i / 1000)).n++;
    expect(() => groups.get(['owner-new'], 0)).toThrow(/^--by and --period make more than 500,000 groups × periods; use a coarser --by or --period/);
    expect(() => groups.get(['owner-1'], 10_000)).toThrow(/more than 500,000/);
    expect(groups.get(['owner-1'], 1).n).toBe(1); // a cell that exists is still found
  });
});

describe('running out of memory', () => {
  it('ends with one line saying what to do, exit 1 (a tiny heap on a file of many groups)', async () => {
    const path = join(dir, 'many-owners.csv');
    const lines = ['id,created_at,status,closed_at,amount,owner'];
    for (let i = 0; i < 60_000; i++) lines.push(`D-${i},2024-01-02,won,2024-02-0${1 + (i % 9)},${100 + (i % 50)},owner-${i}`);
    writeFileSync(path, lines.join('\n') + '\n');
    // A heap under 2 GiB: the run is watched whatever its inputs' size (see the next test).
    const r = await runCli(['deals', '--deals', path, '--by', 'owner', '--period', 'none', '--format', 'csv'],
      { env: { NODE_OPTIONS: '--max-old-space-size=32', FUNNEL_THREADS: '1' }, watched: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\nfunnel: ran out of memory \(the JavaScript heap limit is \d+ MB\); use --from\/--to or a coarser --by or --period, or give it more memory: NODE_OPTIONS=--max-old-space-size=\d+\n$/);
  }, 30_000);

  it('a run is watched only when it could fill the heap (2 GiB and 16 times its inputs, a workbook\'s 8 × 16), reads a pipe, or is a report', async () => {
    // Each process of the run (not its reading threads) writes a line as it starts.
    const preload = join(dir, 'count-processes.cjs');
    const log = join(dir, 'processes.txt');
    writeFileSync(preload, `if (require('node:worker_threads').isMainThread) require('node:fs').appendFileSync(${JSON.stringify(log)}, 'process\\n');\n`);
    // Sparse files, of sizes that take no room on disk: each run stops at a bad flag before
    // reading a byte (so its exit code, 2, is also seen passed on by the watching process).
    const sized = (name: string, mb: number) => { const path = join(dir, name); closeSync(openSync(path, 'w')); truncateSync(path, mb * 2 ** 20); return path; };
    const large = sized('large-deals.csv', 80);
    const small = sized('small-deals.csv', 40);
    const workbook = sized('small-deals.xlsx', 10);
    const unnamedWorkbook = sized('small-deals.dat', 10);
    const configOf = (name: string, config: object, bom = '') => { const path = join(dir, name); writeFileSync(path, bom + JSON.stringify(config)); return path; };
    const config = configOf('lists-large.json', { inputs: [{ kind: 'deals', file: 'large-deals.csv' }] });
    const processes = async (args: string[], options: { stdin?: string; heap?: number; cwd?: string; flag?: string[] } = {}) => {
      rmSync(log, { force: true });
      // A heap limit of 3,072 + 48 MB (the young generation): inputs from 67 MB are watched.
      const r = await runCli([...args, ...(options.flag ?? ['--period', 'fortnight'])], { stdin: options.stdin, cwd: options.cwd, watched: true, env: { NODE_OPTIONS: `--require=${preload} --max-old-space-size=${options.heap ?? 3072}` } });
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^error: (option '--period <period>' argument 'fortnight' is invalid|unknown option '--bogus')/)]);
      return readFileSync(log, 'utf8').split('\n').length - 1;
    };
    expect(await processes(['deals', '--deals', 'fixtures/deals.csv'])).toBe(1);
    expect(await processes(['deals', '--deals', 'fixtures/deals.csv'], { heap: 1024 })).toBe(2); // a heap under 2 GiB: every run
    expect(await processes(['metrics'], { heap: 1024, flag: ['--bogus'] })).toBe(1); // no input: nothing to watch
    expect(await processes(['deals', '--deals', small, '--leads', small])).toBe(2); // 80 MB in all
    expect(await processes(['deals', `--deals=${small}`])).toBe(1);
    expect(await processes(['deals', '--deals', workbook])).toBe(2); // 80 MB unpacked, as counted
    expect(await processes(['deals', '--deals', unnamedWorkbook, '--input-format', 'xlsx'])).toBe(2);
    expect(await processes(['deals', '--config', configOf('lists-workbook.json', { inputs: [{ kind: 'deals', file: 'small-deals.dat', format: 'xlsx' }] })])).toBe(2);
    expect(await processes(['deals', '--deals', large])).toBe(2);
    expect(await processes(['deals', '--config', config])).toBe(2);
    expect(await processes(['deals', '--config', configOf('lists-large-bom.json', { inputs: [{ kind: 'deals', file: 'large-deals.csv' }] }, '\uFEFF')])).toBe(2);
    // ./funnel.config.json when no --config names one.
    const folder = join(dir, 'with-config');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'funnel.config.json'), JSON.stringify({ inputs: [{ kind: 'deals', file: large }] }));
    expect(await processes(['deals'], { cwd: folder })).toBe(2);
    expect(await processes(['deals', '--deals', '-'], { stdin: 'id\n' })).toBe(2);
    // Every view of a report may have as many groups as one view; validate's JSON keeps every rejected row.
    expect(await processes(['report', '--deals', 'fixtures/deals.csv'])).toBe(2);
    expect(await processes(['validate', '--deals', 'fixtures/deals.csv', '--format', 'json'], { flag: ['--bogus'] })).toBe(2);
    expect(await processes(['validate', '--deals', 'fixtures/deals.csv'], { flag: ['--bogus'] })).toBe(1);
  }, 60_000);

  /** The command waiting on stdin (left open), and the pid of the process that runs it, once started. */
  async function waitingRun() {
    const run = spawn(process.execPath, [BIN, 'deals', '--deals', '-', '--period', 'none'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const closed = new Promise<[number | null, string | null]>((resolve) => run.on('close', (code, signal) => resolve([code, signal])));
    let childPid: number | undefined;
    while (childPid === undefined) {
      const found = spawnSync('pgrep', ['-P', String(run.pid)], { encoding: 'utf8' }).stdout.trim();
      if (found) childPid = Number(found.split('\n')[0]);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { run, closed, childPid };
  }
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

  it('the watched run gets the signals sent to the command, and ends as it does', async () => {
    const { run, closed, childPid } = await waitingRun();
    run.kill('SIGTERM');
    const [code, signal] = await closed;
    expect(code === 143 || signal === 'SIGTERM').toBe(true);
    expect(alive(childPid)).toBe(false); // gone, not left running
    run.stdin.destroy();
  }, 20_000);

  it('a kill that cannot be caught (SIGKILL) stops the watched run too', async () => {
    const { run, closed, childPid } = await waitingRun();
    run.kill('SIGKILL');
    expect((await closed)[1]).toBe('SIGKILL');
    // The run notices its channel closing; waited for, not timed (the test's timeout bounds it).
    while (alive(childPid)) await new Promise((resolve) => setTimeout(resolve, 50));
    run.stdin.destroy();
  }, 20_000);
});
