/**
 * Nothing lost (issue #20): outputs never destroy data. No output lands on an input or on another
 * output; outputs are written through symlinks and keep the file's mode and owner; every rejected
 * row of a report reaches the one --rejects file; a closed stderr changes nothing; alerts read
 * metrics that --metrics hides; a run stopped by a signal leaves no temporary file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  chmodSync, chownSync, closeSync, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync,
  readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { BIN, ROOT, runCli, runMain } from './helpers/cli.js';

const base = mkdtempSync(join(tmpdir(), 'funnel-safety-'));
/** Processes a test stops with a signal: stopped here too if a test fails before it does. */
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});
let cases = 0;

const BAD_DEALS = join(ROOT, 'fixtures', 'invalid', 'deals-amount-not-a-number.csv');
const BAD_SUBSCRIPTIONS = join(ROOT, 'fixtures', 'invalid', 'subscriptions-negative-mrr.csv');

/** A fresh folder holding copies of the two invalid fixtures (deals.csv, subs.csv). */
function folder(): string {
  const dir = join(base, `case-${++cases}`);
  mkdirSync(dir);
  copyFileSync(BAD_DEALS, join(dir, 'deals.csv'));
  copyFileSync(BAD_SUBSCRIPTIONS, join(dir, 'subs.csv'));
  return dir;
}

const ENV = { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: 'America/Los_Angeles' };
const mode = (path: string) => statSync(path).mode & 0o777;
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

describe('report --rejects: one file for every view (finding 1)', () => {
  it('holds the rejected rows of every input, and the count line is printed once', async () => {
    const dir = folder();
    const r = await runCli(['report', '--deals', 'deals.csv', '--subscriptions', 'subs.csv', '--as-of', '2026-01-01', '--format', 'json', '--rejects', 'rr.csv'], { cwd: dir });
    expect(r.code).toBe(0);
    const rejects = readFileSync(join(dir, 'rr.csv'), 'utf8').trim().split('\n');
    expect(rejects).toHaveLength(3);
    expect(rejects[1]).toMatch(/^D-2,.*deals\.csv,3$/);
    expect(rejects[2]).toMatch(/^,.*C-2,.*subs\.csv,3$/);
    expect(r.stderr.match(/rejected; all written to/g)).toEqual(['rejected; all written to']);
    expect(r.stderr).toContain('2 rows rejected; all written to rr.csv\n');
    expect(leftovers(dir)).toEqual([]);
  });
});

// Runs that read their inputs start the binary in the case's folder (runCli); those refused before
// anything is read, and those given absolute paths, call the CLI in this process (runMain).
describe('an output never lands on an input or on another output (finding 2)', () => {
  const cases: [string, (dir: string) => void, string[], RegExp][] = [
    ['--output is the input', () => {}, ['deals', '--deals', 'deals.csv', '--output', 'deals.csv'], /--output "deals\.csv" is the same file as the input --deals "deals\.csv"/],
    ['--rejects is the input', () => {}, ['deals', '--deals', 'deals.csv', '--rejects', './deals.csv'], /--rejects "\.\/deals\.csv" is the same file as the input --deals "deals\.csv"/],
    ['--rejects is --output', () => {}, ['deals', '--deals', 'deals.csv', '--rejects', 'out.csv', '--output', 'out.csv'], /--rejects "out\.csv" is the same file as --output "out\.csv"/],
    ['--output is a symlink to the input', (dir) => symlinkSync('deals.csv', join(dir, 'link.csv')), ['deals', '--deals', 'deals.csv', '--output', 'link.csv'], /--output "link\.csv" is the same file as the input --deals "deals\.csv"/],
    ['--rejects is a hard link to the input', (dir) => linkSync(join(dir, 'deals.csv'), join(dir, 'hard.csv')), ['deals', '--deals', 'deals.csv', '--rejects', 'hard.csv'], /--rejects "hard\.csv" is the same file as the input --deals "deals\.csv"/],
    ['--output is the config', (dir) => writeFileSync(join(dir, 'funnel.config.json'), '{}\n'), ['deals', '--deals', 'deals.csv', '--output', 'funnel.config.json'], /--output "funnel\.config\.json" is the same file as the input --config "funnel\.config\.json"/],
    ['report: --output is one of the inputs', () => {}, ['report', '--deals', 'deals.csv', '--subscriptions', 'subs.csv', '--output', 'subs.csv'], /--output "subs\.csv" is the same file as the input --subscriptions "subs\.csv"/],
    ['validate: --rejects is the input', () => {}, ['validate', '--subscriptions', 'subs.csv', '--rejects', 'subs.csv'], /--rejects "subs\.csv" is the same file as the input --subscriptions "subs\.csv"/],
  ];
  it.each(cases)('%s: usage error (exit 2) naming both, before anything is read or written', async (_, prepare, args, message) => {
    const dir = folder();
    prepare(dir);
    const before = readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]);
    const r = await runMain(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')])).toEqual(before);
  });

  it('a --rejects file that is the report on stdout is refused', () => {
    const dir = folder();
    const out = openSync(join(dir, 'report.txt'), 'w');
    const r = spawnSync(process.execPath, [BIN, 'deals', '--deals', 'deals.csv', '--rejects', 'report.txt'], { cwd: dir, env: ENV, stdio: ['ignore', out, 'pipe'] });
    closeSync(out);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(/--rejects "report\.txt" is the same file as stdout/);
  });

  it('the input read from stdin is not overwritten either', () => {
    const dir = folder();
    const input = openSync(join(dir, 'deals.csv'), 'r');
    const r = spawnSync(process.execPath, [BIN, 'deals', '--deals', '-', '--output', 'deals.csv'], { cwd: dir, env: ENV, stdio: [input, 'pipe', 'pipe'] });
    closeSync(input);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(/--output "deals\.csv" is the same file as the input --deals - \(stdin\)/);
    expect(readFileSync(join(dir, 'deals.csv'), 'utf8')).toBe(readFileSync(BAD_DEALS, 'utf8'));
  });
});

describe('outputs are written through symlinks and keep mode and owner (finding 3)', () => {
  it('--output through a symlink replaces the target, keeps the link, the mode and the owner', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'reports'));
    const target = join(dir, 'reports', 'latest.json');
    writeFileSync(target, 'old report\n');
    chmodSync(target, 0o640);
    const root = process.getuid?.() === 0;
    if (root) chownSync(target, 1234, 2345); // only root may give a file away
    symlinkSync('reports/latest.json', join(dir, 'latest.json'));
    const r = await runCli(['deals', '--deals', 'deals.csv', '--format', 'json', '--output', 'latest.json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lstatSync(join(dir, 'latest.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).view).toBe('deals');
    expect(mode(target)).toBe(0o640);
    if (root) expect([statSync(target).uid, statSync(target).gid]).toEqual([1234, 2345]);
    expect(leftovers(join(dir, 'reports'))).toEqual([]);
  });

  it('a new rejects file is 0600; an existing one keeps its mode', async () => {
    const dir = folder();
    const fresh = await runCli(['deals', '--deals', 'deals.csv', '--rejects', 'new.csv'], { cwd: dir });
    expect(fresh.code).toBe(0);
    expect(mode(join(dir, 'new.csv'))).toBe(0o600);
    writeFileSync(join(dir, 'kept.csv'), 'old\n');
    chmodSync(join(dir, 'kept.csv'), 0o600);
    await runCli(['deals', '--deals', 'deals.csv', '--rejects', 'kept.csv'], { cwd: dir });
    expect(readFileSync(join(dir, 'kept.csv'), 'utf8')).toContain('D-2');
    expect(mode(join(dir, 'kept.csv'))).toBe(0o600);
  });

  it('a link to the caller\'s stdout (like /dev/stdout) is written to, never replaced', () => {
    const dir = folder();
    symlinkSync('/proc/self/fd/1', join(dir, 'my-stdout'));
    writeFileSync(join(dir, 'captured.csv'), 'an earlier line\n');
    const out = openSync(join(dir, 'captured.csv'), 'a'); // as the shell's >>
    const r = spawnSync(process.execPath, [BIN, 'deals', '--deals', 'deals.csv', '--format', 'csv', '--output', 'my-stdout'], { cwd: dir, env: ENV, stdio: ['ignore', out, 'pipe'] });
    closeSync(out);
    expect(r.status).toBe(0);
    expect(lstatSync(join(dir, 'my-stdout')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'captured.csv'), 'utf8')).toMatch(/^an earlier line\ncreated,won,lost,win_rate,/);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('a closed stderr changes nothing (finding 4)', () => {
  it('the report is written and a fired alert still exits 3', async () => {
    const dir = folder();
    const child = spawn(process.execPath, [BIN, 'deals', '--deals', 'deals.csv', '--format', 'json', '--output', 'o.json', '--alert', 'won > 0', '--rejects', 'r.csv'], { cwd: dir, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.destroy(); // the reader of stderr is gone before the first message
    const code = await new Promise((done) => child.on('close', done));
    expect(code).toBe(3);
    expect(JSON.parse(readFileSync(join(dir, 'o.json'), 'utf8')).totals.won).toBe(1);
    expect(readFileSync(join(dir, 'r.csv'), 'utf8')).toContain('D-2');
  });
});

describe('alerts read metrics that --metrics hides (finding 5)', () => {
  it('deals: the alert fires, the hidden metric stays out of the report', async () => {
    const r = await runMain(['deals', '--deals', BAD_DEALS, '--metrics', 'win_rate', '--alert', 'revenue > 1', '--format', 'csv']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('win_rate\n1\n');
    expect(r.stderr).toContain('funnel: alert: deals totals: revenue = 1200 (alert: revenue > 1)');
  });

  it('report: a view computed only for an alert is not shown', async () => {
    const r = await runMain(['report', '--deals', BAD_DEALS, '--subscriptions', BAD_SUBSCRIPTIONS, '--as-of', '2026-01-01', '--metrics', 'win_rate', '--alert', 'mrr > 1', '--format', 'json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report.views)).toEqual(['deals']);
    expect(report.views.deals.totals).toEqual({ win_rate: 1 });
    expect(r.stderr).toContain('funnel: alert: mrr totals: mrr = 100 (alert: mrr > 1)');
  });
});

describe('a run stopped by a signal leaves no temporary file (finding 6)', () => {
  const waitFor = async (found: () => boolean) => { while (!found()) await new Promise((done) => setTimeout(done, 20)); };

  it.each([['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const)('%s: the rejects spill is removed, and the shell sees exit %i', async (signal, exitCode) => {
    const dir = folder();
    // A FIFO nobody writes to: the run waits on it with its rejects spill open.
    spawnSync('mkfifo', [join(dir, 'waiting.csv')]);
    const shell = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" deals --deals waiting.csv --rejects r.csv; echo "exit $?"`], { cwd: dir, env: ENV, stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(shell);
    let said = '';
    shell.stdout!.on('data', (d) => { said += d; });
    const closed = new Promise((done) => shell.on('close', done));
    await waitFor(() => readdirSync(dir).some((name) => name.endsWith('.spill.tmp')));
    const children = readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'utf8').trim().split(' ').map(Number);
    expect(children).toHaveLength(1);
    process.kill(children[0], signal);
    await closed;
    expect(said).toBe(`exit ${exitCode}\n`);
    expect(leftovers(dir)).toEqual([]);
    expect(existsSync(join(dir, 'r.csv'))).toBe(false);
  });

  it('an output\'s temporary file is removed when the process is stopped', async () => {
    const dir = folder();
    const script = `
      import { AtomicFile } from ${JSON.stringify(join(ROOT, 'dist', 'output', 'atomic.js'))};
      import { removeTempsOnExit } from ${JSON.stringify(join(ROOT, 'dist', 'output', 'temps.js'))};
      removeTempsOnExit();
      const file = new AtomicFile(${JSON.stringify(join(dir, 'out.json'))});
      await file.write('{"half": ');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: ENV, stdio: ['ignore', 'ignore', 'inherit'] });
    started.push(child);
    const closed = new Promise((done) => child.on('close', (code, signal) => done([code, signal])));
    await waitFor(() => leftovers(dir).length === 1);
    child.kill('SIGTERM');
    expect(await closed).toEqual([null, 'SIGTERM']);
    expect(leftovers(dir)).toEqual([]);
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
  });
});
