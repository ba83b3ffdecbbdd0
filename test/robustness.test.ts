/**
 * Hostile input (issue: reliability): every case ends with a clear one-line error or rejected rows
 * (exit 1, or 0 where nothing is wrong), never a stack trace, within bounded time and memory.
 * The corpus is built here, deterministically; the large cases run the binary with a 256 MB heap.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { watch, closeSync, mkdtempSync, mkdirSync, openSync, writeFileSync, readFileSync, existsSync, readdirSync, chmodSync, rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { runMain } from './helpers/gen.js';
import { BIN, ROOT } from './helpers/cli.js';
import { Progress } from '../src/output/progress.js';
import { main } from '../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEADERS: Record<string, string[]> = {
  leads: ['id', 'created_at', 'source'],
  deals: ['id', 'created_at', 'status', 'closed_at', 'amount'],
  spend: ['date', 'amount', 'source'],
  subscriptions: ['customer_id', 'start_date', 'end_date', 'mrr'],
  events: ['lead_id', 'stage', 'at'],
};
const VALID: Record<string, string[]> = {
  leads: ['L1', '2024-01-01', 'paid'],
  deals: ['D1', '2024-01-01', 'won', '2024-02-01', '100'],
  spend: ['2024-01-01', '100', 'paid'],
  subscriptions: ['C1', '2024-01-01', '', '50'],
  events: ['L1', 'mql', '2024-01-02'],
};
/** The typed column to put hostile numbers and dates in, per kind. */
const NUMBER_COL: Record<string, number> = { leads: -1, deals: 4, spend: 1, subscriptions: 3, events: -1 };
const DATE_COL: Record<string, number> = { leads: 1, deals: 1, spend: 0, subscriptions: 1, events: 2 };

let seed = 99;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
const row = (cells: string[]) => cells.join(',') + '\n';

function corpus(kind: string): [string, string | Buffer, number[]][] {
  const h = row(HEADERS[kind]), v = VALID[kind];
  const valid = h + row(v);
  const swap = (col: number, value: string) => h + row(v.map((c, i) => (i === col ? value : c)));
  const cases: [string, string | Buffer, number[]][] = [
    ['random-bytes.csv', randomBytes(4096), [1]],
    ['random-text.csv', Array.from({ length: 2000 }, () => String.fromCharCode(32 + Math.floor(rand() * 95)) + (rand() < 0.05 ? '\n' : '')).join(''), [1]],
    ['empty.csv', '', [1]],
    ['header-only.csv', h, [0]],
    ['only-newlines.csv', '\n\n\r\n', [1]],
    ['truncated.csv', valid + valid.slice(h.length, h.length + 7), [1]],
    ['cut-inside-quote.csv', h + row(v) + '"' + v.join(',').slice(0, 5), [1]],
    ['ragged.csv', h + row(v.slice(0, 2)) + row([...v, 'x', 'y']), [1]],
    ['not-utf8.csv', Buffer.concat([Buffer.from(valid), Buffer.from([0xc3, 0x28, 0xff, 0x0a])]), [1]],
    ['utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')]), [1]],
    ['nul-bytes.csv', h + row(v.map((c, i) => (i === 0 ? c + '\u0000x' : c))), [0, 1]],
    ['duplicate-header.csv', row([...HEADERS[kind], HEADERS[kind][0].toUpperCase()]) + row([...v, v[0]]), [1]],
    ['impossible-date.csv', swap(DATE_COL[kind], '2024-02-30'), [1]],
    ['zero-date.csv', swap(DATE_COL[kind], '0000-00-00'), [1]],
    ['array-never-closes.json', '[' + JSON.stringify(Object.fromEntries(HEADERS[kind].map((k, i) => [k, v[i]]))) + ',', [1]],
    ['scalar.json', '"just a string"', [1]],
    ['nested-deep.json', '[' + '['.repeat(100_000) + ']'.repeat(100_000) + ']', [1]],
    ['nested-deep.ndjson', '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}\n', [1]],
    ['bad-line.ndjson', JSON.stringify(Object.fromEntries(HEADERS[kind].map((k, i) => [k, v[i]]))) + '\n{oops\n', [1]],
  ];
  if (NUMBER_COL[kind] >= 0) for (const n of ['1e309', 'NaN', '0x10', 'Infinity', '--1']) cases.push([`number-${n}.csv`, swap(NUMBER_COL[kind], n), [1]]);
  return cases;
}

function expectCleanFailure(stderr: string) {
  expect(stderr).not.toMatch(/internal error|^\s+at /m);
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines.length).toBeLessThanOrEqual(22); // 20 rejections, a count, or one error line
  for (const line of lines) expect(line.length).toBeLessThan(1200);
}

describe('hostile files, every input kind', () => {
  const leadsFile = join(dir, 'leads-ok.csv');
  writeFileSync(leadsFile, row(HEADERS.leads) + row(VALID.leads));
  for (const kind of Object.keys(HEADERS)) {
    for (const [name, content, codes] of corpus(kind)) {
      it(`${kind}: ${name} → exit ${codes.join(' or ')}, a clear message`, async () => {
        const file = join(dir, `${kind}-${name}`);
        writeFileSync(file, content);
        const args = kind === 'events' ? ['validate', '--leads', leadsFile, '--events', file] : ['validate', `--${kind}`, file];
        const r = await runMain(args);
        expect(codes).toContain(r.code);
        expectCleanFailure(r.stderr);
        if (r.code === 1 && r.stderr === '') expect(r.stdout).toMatch(/:\d+: /); // rejections name file:line
      });
    }
  }
});

/** Runs the built binary with a 256 MB heap and a time limit. */
function runBounded(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stderr: string; stdout: string; ms: number }> {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(process.execPath, ['--max-old-space-size=256', BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } });
    let stderr = '', stdout = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', (d) => { if (stdout.length < 1e6) stdout += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr, stdout, ms: Date.now() - start }); });
  });
}

// Each test runs the CLI over a file of megabytes (seconds of CPU): the limit is a safeguard for a busy machine, not a measure.
describe('large hostile files, bounded time and memory', { timeout: 120_000 }, () => {
  it('a 10 MB cell is read and rejected like any other value', async () => {
    const file = join(dir, 'big-cell.csv');
    writeFileSync(file, 'id,created_at,status,closed_at,amount,note\nD1,2024-01-01,open,,,"' + 'x'.repeat(10 * 1024 * 1024) + '"\nD2,2024-01-01,open,,' + '9'.repeat(10 * 1024 * 1024) + ',n\n');
    const r = await runBounded(['validate', '--deals', file]);
    expect(r.code).toBe(1);
    expectCleanFailure(r.stderr);
    expect(r.stdout).toMatch(/big-cell\.csv:3: column "amount": "9{60}…" is not a number/);
  });

  it('a header of a million columns gives one line naming a few of them', async () => {
    const file = join(dir, 'wide.csv');
    writeFileSync(file, Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',') + '\n1,2\n');
    const r = await runBounded(['validate', '--deals', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^funnel: .*wide\.csv: required deals column "id" is missing; did you mean "c0"\? \(headers: c0, c1, .* … \(999980 more\)\); map it/);
    expectCleanFailure(r.stderr);
  });

  it('a quote left open at the start of a large file stops with one line, not the whole file in memory', async () => {
    const file = join(dir, 'open-quote.csv');
    writeFileSync(file, 'id,created_at,status,closed_at,amount\n"D1,2024-01-01,open,,\n' + 'D2,2024-01-01,open,,\n'.repeat(4_000_000));
    const r = await runBounded(['validate', '--deals', file]);
    expect(r.code).toBe(1);
    expectCleanFailure(r.stderr);
    expect(r.stderr + r.stdout).toMatch(/open-quote\.csv:2: (the quoted field opened on line 2 is never closed|a record is longer than 64 MiB)/);
  });
});

// Several of these run the CLI over large files (seconds of CPU each): the limit is a safeguard for a busy machine, not a measure.
describe('unattended runs', { timeout: 120_000 }, () => {
  it('a file without read permission is one clear line (exit 1)', async () => {
    if (process.getuid?.() === 0) {
      // Root reads every file whatever its mode, so the permission path cannot be reached; the
      // message itself is checked through a directory-less path below.
      const r = await runMain(['validate', '--deals', join(dir, 'nope', 'x.csv')]);
      expect(r.stderr).toMatch(/x\.csv: no such file\n$/);
      return;
    }
    const file = join(dir, 'secret.csv');
    writeFileSync(file, 'id\n');
    chmodSync(file, 0o000);
    const r = await runMain(['validate', '--deals', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/secret\.csv: permission denied\n$/);
  });

  it('`funnel … | head -1` exits 0 quietly (a closed pipe is not an error)', () => {
    const big = join(dir, 'many.csv');
    // 10,000 rejected rows: ≈ 800 KB of output, far more than a pipe holds once head has gone.
    writeFileSync(big, 'id,created_at,status,closed_at,amount\n' + Array.from({ length: 20_000 }, (_, i) => `D${i},2024-01-01,${i % 2 ? 'nope' : 'open'},,`).join('\n'));
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" validate --deals "${big}" | head -1; echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^.*many\.csv:3: .*\nstatus 0\n$/);
    expect(r.stderr).toBe('');
  });

  it('stdout on a full disk is one line and exit 1, not a stack trace', () => {
    if (!existsSync('/dev/full')) return; // Linux only
    // The first run starts as a user's does (small inputs: one process, not watched); the others as the watched child would.
    for (const [i, args] of [['deals', '--deals', 'fixtures/deals.csv', '--as-of', '2026-01-01'], ['validate', '--deals', 'fixtures/deals.csv'], ['metrics']].entries()) {
      const full = openSync('/dev/full', 'w');
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8', env: i === 0 ? process.env : { ...process.env, FUNNEL_CHILD: '1' } });
      closeSync(full);
      expect(r.stderr).toBe('funnel: cannot write to stdout (ENOSPC)\n');
      expect(r.status).toBe(1);
    }
  });

  it('--output is atomic: a run killed while writing leaves the old file whole', async () => {
    const out = join(dir, 'report.csv');
    writeFileSync(out, 'old,report\n');
    const big = join(dir, 'big-deals.csv');
    // 2,000 owners with names of 2 KB × 2 months: a report of ≈ 8.4 MB, written to a temporary file
    // first. Long names make the report large from few rows (the run before the write is short;
    // 100,000 short names made one of the same size at four times the CPU time).
    writeFileSync(big, 'id,created_at,status,closed_at,amount,owner\n' + Array.from({ length: 2_000 }, (_, i) => `D${i},2024-01-${String(1 + (i % 28)).padStart(2, '0')},won,2024-03-01,${i % 1000},${'o'.repeat(2_048)}${i}`).join('\n'));
    const args = [BIN, 'deals', '--deals', big, '--by', 'owner', '--period', 'month', '--as-of', '2024-06-01', '--format', 'csv', '--output', out];
    const temps = () => readdirSync(dir).filter((f) => f.startsWith('.report.csv.') && f.endsWith('.tmp'));
    // Killed as soon as the temporary file appears, i.e. while the report is being written. A kill
    // can land just after the rename (the write is fast); then the run is tried again.
    let killedMidWrite = false;
    // The process that writes is killed, not the watching one bin/funnel.js starts it under (a
    // SIGKILL there stops the run only once the writer notices its watcher is gone).
    const env = { ...process.env, FUNNEL_CHILD: '1' };
    for (let attempt = 0; attempt < 5 && !killedMidWrite; attempt++) {
      // The temporary file's appearance is awaited through a watch of the folder (inotify), not by
      // polling it, which would take a core from the run it waits for.
      let seen: () => void = () => {};
      const appeared = new Promise<void>((r) => { seen = r; });
      const watcher = watch(dir, (_event, name) => { if (name?.startsWith('.report.csv.') && name.endsWith('.tmp')) seen(); });
      const child = spawn(process.execPath, args, { env });
      const closed = new Promise((r) => child.on('close', r));
      await Promise.race([appeared, closed]);
      child.kill('SIGKILL');
      await closed;
      watcher.close();
      const text = readFileSync(out, 'utf8');
      if (temps().length > 0) {
        // The kill landed before the rename: a partial temporary file is left, and the old report is whole.
        killedMidWrite = true;
        expect(text).toBe('old,report\n');
      } else {
        expect(text === 'old,report\n' || (text.startsWith('period,owner,created') && text.length > 8_000_000)).toBe(true);
      }
      for (const t of temps()) rmSync(join(dir, t));
      writeFileSync(out, 'old,report\n');
    }
    expect(killedMidWrite).toBe(true);
    // Unkilled, the same run replaces the report in one piece and leaves no temporary file.
    expect(spawnSync(process.execPath, args, { env }).status).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('period,owner,created') && text.endsWith('\n') && text.length > 8_000_000).toBe(true);
    expect(temps()).toEqual([]);
  }, 120_000);
});

/** Fails when text holds a character a terminal acts on or that hides or reorders text (line breaks aside). */
function expectNoRawControls(text: string) {
  // eslint-disable-next-line no-control-regex
  const raw = /[\p{Cc}\p{Cf}\u2028\u2029]/u.exec(text.replaceAll('\n', ''));
  expect(raw && `U+${raw[0].codePointAt(0)!.toString(16)} at ${raw.index}: …${JSON.stringify(text.slice(Math.max(0, raw.index - 30), raw.index + 30))}…`).toBeNull();
}

describe('text from the data and file names never reaches a terminal raw', () => {
  // A screen clear, a window-title change, a right-to-left override, an isolate, a zero-width space and joiner.
  const HOSTILE = '\u001b[2J\u001b]0;pwned\u0007\u202Eevil\u2066\u200B\u200D\u009b';
  const hostileDir = join(dir, `dir${HOSTILE}`);
  const leadsFile = join(dir, 'leads-ok-2.csv');
  writeFileSync(leadsFile, row(HEADERS.leads) + row(VALID.leads));

  it('a bad NDJSON or JSON line is quoted escaped, in validate and in a view\'s stderr', async () => {
    const ndjson = join(dir, 'hostile-line.ndjson');
    writeFileSync(ndjson, '{"id":"D1","created_at":"2024-01-01","status":"open"}\n{"id": x' + HOSTILE + '}\n');
    const v = await runMain(['validate', '--deals', ndjson]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/hostile-line\.ndjson:2: not valid JSON \(.*\\x1b\[2J/);
    expectNoRawControls(v.stdout);
    const d = await runMain(['deals', '--deals', ndjson, '--as-of', '2025-01-01']);
    expect(d.stderr).toMatch(/hostile-line\.ndjson:2: not valid JSON/);
    expectNoRawControls(d.stderr);
    const json = join(dir, 'hostile-array.json');
    writeFileSync(json, '[{"id":"D1","created_at":"2024-01-01","status":"open"},\n{"id": x' + HOSTILE + '}]\n');
    const j = await runMain(['validate', '--deals', json]);
    expect(j.code).toBe(1);
    expect(j.stderr).toMatch(/^funnel: .*hostile-array\.json:2: not valid JSON/);
    expectNoRawControls(j.stderr);
  });

  it('file names are escaped in the note on rows dated after --as-of', async () => {
    mkdirSync(hostileDir, { recursive: true });
    const file = join(hostileDir, `late${HOSTILE}.csv`);
    writeFileSync(file, 'id,created_at,status,closed_at,amount\nD1,2024-01-01,open,,\nD2,2026-01-01,open,,\n');
    const r = await runMain(['deals', '--deals', file, '--as-of', '2025-01-01', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('late\\x1b[2J\\x1b]0;pwned\\x07\\u{202E}evil\\u{2066}\\u{200B}\\u{200D}\\x9b.csv: 1 row is dated after --as-of 2025-01-01 (latest 2026-01-01)');
    expectNoRawControls(r.stderr);
  });

  it('file names are escaped in rejection lines, the validate table, error messages and the rejects count line', async () => {
    mkdirSync(hostileDir, { recursive: true });
    const file = join(hostileDir, `deals${HOSTILE}.csv`);
    writeFileSync(file, 'id,created_at,status,closed_at,amount\nD1,2024-01-01,open,,\nD2,2024-01-01,maybe,,\n');
    const v = await runMain(['validate', '--deals', file]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('deals\\x1b[2J\\x1b]0;pwned\\x07\\u{202E}evil\\u{2066}\\u{200B}\\u{200D}\\x9b.csv:3: column "status"');
    expectNoRawControls(v.stdout);
    const rejects = join(hostileDir, `rejects${HOSTILE}.csv`);
    const d = await runMain(['deals', '--deals', file, '--as-of', '2025-01-01', '--rejects', rejects]);
    expect(d.stderr).toMatch(/1 row rejected; all written to .*rejects\\x1b\[2J/);
    expectNoRawControls(d.stderr);
    const missing = await runMain(['validate', '--deals', join(hostileDir, `nope${HOSTILE}.csv`)]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\\x1b\[2J.*: no such file\n$/);
    expectNoRawControls(missing.stderr);
  });

  it('the did-you-mean hint and the header list of a missing-column error are escaped', async () => {
    const file = join(dir, 'hostile-header.csv');
    writeFileSync(file, `\u202Eid\u001b,created_at,status\nD1,2024-01-01,open\n`);
    const r = await runMain(['validate', '--deals', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did you mean "\\u{202E}id\\x1b"? (headers: \\u{202E}id\\x1b, created_at, status)');
    expectNoRawControls(r.stderr);
  });

  it('the column list of an unknown --by column is escaped as a missing column\'s header list is', async () => {
    const file = join(dir, 'hostile-by.csv');
    writeFileSync(file, `id,created_at,status,closed_at,amount,\u202Eregion\u001b\nD1,2024-01-01,open,,,north\n`);
    const r = await runMain(['deals', '--deals', file, '--by', 'regoin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(': id, created_at, status, closed_at, amount, \\u{202E}region\\x1b)');
    expectNoRawControls(r.stderr);
  });

  it('bidi and zero-width characters in values are escaped in tables, markdown, messages and alert lines', async () => {
    const file = join(dir, 'hostile-values.csv');
    writeFileSync(file, `id,created_at,status,closed_at,amount,source\nD1,2024-01-01,won,2024-01-05,100,paid${HOSTILE}\nD2,2024-01-01,won${HOSTILE},2024-01-05,100,x\n`);
    for (const format of ['table', 'markdown']) {
      const r = await runMain(['deals', '--deals', file, '--by', 'source', '--as-of', '2025-01-01', '--format', format, '--alert', 'won > 0', '--alert-rows']);
      expect(r.code).toBe(3);
      const shown = format === 'markdown' ? r.stdout.replaceAll('\\\\', '\\') : r.stdout; // markdown doubles backslashes
      expect(shown).toContain('paid\\x1b[2J');
      expect(shown).toContain('\\u{202E}evil\\u{2066}\\u{200B}\\u{200D}');
      expect(r.stderr).toMatch(/D2,|column "status": "won\\x1b\[2J.*\\u\{202E\}evil/);
      expect(r.stderr).toMatch(/alert: deals row source=paid\\x1b\[2J/);
      expectNoRawControls(r.stdout);
      expectNoRawControls(r.stderr);
    }
  });

  it('an unknown stage in events and an unknown option are quoted escaped', async () => {
    const events = join(dir, 'hostile-events.csv');
    writeFileSync(events, `lead_id,stage,at\nL1,mql${HOSTILE},2024-01-02\n`);
    const e = await runMain(['validate', '--leads', leadsFile, '--events', events]);
    expect(e.stdout).toContain('column "stage": "mql\\x1b[2J');
    expectNoRawControls(e.stdout);
    const o = await runMain(['validate', `--x${HOSTILE}`]);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain("unknown option '--x\\x1b[2J");
    expectNoRawControls(o.stderr);
  });

  it('the progress line names its file escaped', () => {
    let written = '', now = 0;
    const sink = new PassThrough();
    sink.on('data', (d) => { written += d; });
    const progress = new Progress(sink, true, () => now);
    now = 2000;
    progress.update(`deals${HOSTILE}.csv`, 10, 5, 10);
    expect(written).toContain('funnel: deals\\x1b[2J\\x1b]0;pwned\\x07\\u{202E}evil');
    // Only the line's own erase sequence is a control: the file name's are escaped.
    expectNoRawControls(written.replace('\r\u001b[2K', ''));
  });
});

describe('CSV output for spreadsheets', () => {
  it('a header cell from the data (a --by column) is neutralised like a text cell, unless --raw-csv', async () => {
    const file = join(dir, 'formula-header.csv');
    writeFileSync(file, 'id,created_at,status,closed_at,amount,"=HYPERLINK(""http://e"")"\nD1,2024-01-01,open,,,=1+1\n');
    const args = ['deals', '--deals', file, '--by', '=HYPERLINK("http://e")', '--as-of', '2025-01-01', '--metrics', 'created', '--format', 'csv'];
    const r = await runMain(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`"'=hyperlink(""http://e"")",created\n'=1+1,1\n`); // column names are folded
    const raw = await runMain([...args, '--raw-csv']);
    expect(raw.stdout).toBe('"=hyperlink(""http://e"")",created\n=1+1,1\n');
  });
});

describe('numbers in tables', () => {
  it('refunds that cancel a cost out show 0.00, not -0.00', async () => {
    const file = join(dir, 'spend-refunds.csv');
    writeFileSync(file, 'date,amount,source\n2024-01-01,0.3,paid\n2024-01-02,-0.1,paid\n2024-01-03,-0.2,paid\n');
    for (const format of ['table', 'markdown']) {
      const r = await runMain(['marketing', '--spend', file, '--metrics', 'spend', '--format', format]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('0.00');
      expect(r.stdout).not.toContain('-0.00');
    }
  });
});

describe('CSV, JSON and NDJSON printed on a terminal', () => {
  /** main with a stdout that says it is a terminal. */
  async function onTerminal(args: string[]) {
    let stdout = '';
    const out = Object.assign(new PassThrough(), { isTTY: true });
    out.on('data', (d) => { stdout += d; });
    const code = await main(args, { stdin: new PassThrough(), stdout: out, stderr: new PassThrough(), env: { NO_COLOR: '1' }, cwd: process.cwd() });
    return { code, stdout };
  }
  const HOSTILE = '\u001b[2J\u202Eevil\u200B\u009b\u007f';
  const file = join(dir, 'terminal-values.csv');
  writeFileSync(file, `id,created_at,status,closed_at,amount,source\nD1,2024-01-01,open,,,paid${HOSTILE}\nD2,2024-01-01,maybe${HOSTILE},,,x\n`);

  it('escapes text from the data (CSV as tables do; JSON with its own \\u escapes, the same value)', async () => {
    const args = ['deals', '--deals', file, '--by', 'source', '--as-of', '2025-01-01', '--metrics', 'created'];
    const csv = await onTerminal([...args, '--format', 'csv']);
    expect(csv.stdout).toBe('source,created\npaid\\x1b[2J\\u{202E}evil\\u{200B}\\x9b\\x7f,1\n');
    for (const format of ['json', 'ndjson']) {
      const r = await onTerminal([...args, '--format', format]);
      expectNoRawControls(r.stdout);
      const piped = await runMain([...args, '--format', format]);
      expect(piped.stdout).toContain('\u202E'); // piped: as it is
      const parse = (text: string) => (format === 'json' ? JSON.parse(text).rows : text.trim().split('\n').map((l) => JSON.parse(l)));
      expect(parse(r.stdout)).toEqual(parse(piped.stdout));
    }
    const v = await onTerminal(['validate', '--deals', file, '--format', 'json']);
    expectNoRawControls(v.stdout);
    expect(JSON.parse(v.stdout).rejections[0].reason).toContain(`maybe\\x1b[2J\\u{202E}evil`);
  });
});
