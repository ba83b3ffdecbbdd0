/**
 * No silent wrong numbers: what the views refuse to make up from data that was not given (the
 * CLI, against the built binary). Golden cases hold the full outputs; these check the rules.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runMain } from './helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'funnel-nulls-'));

describe('an input of which every row is rejected', () => {
  it('stops the run with exit 1 after the rejections, and leaves --output as it was', async () => {
    const dir = tmp();
    const out = join(dir, 'report.json');
    writeFileSync(out, 'last month\n');
    const r = await runMain(['deals', '--deals', 'fixtures/invalid/deals-every-row-rejected.csv', '--as-of', '2024-04-01', '--format', 'json', '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('deals-every-row-rejected.csv:2: column "amount"');
    expect(r.stderr).toMatch(/every row was rejected \(3 of 3; see the reasons above\); no report is written\n$/);
    expect(readFileSync(out, 'utf8')).toBe('last month\n');
  });

  it('stops the report too, when one of several inputs has no accepted row', async () => {
    const r = await runMain(['report', '--config', 'fixtures/funnel.config.json', '--leads', 'fixtures/leads.csv', '--deals', 'fixtures/invalid/deals-every-row-rejected.csv', '--as-of', '2026-01-01', '--format', 'csv']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('takes the files of one kind together: one file with no accepted row beside one with some is not an empty input', async () => {
    const dir = tmp();
    const good = join(dir, 'feb.csv');
    writeFileSync(good, 'id,created_at,status,closed_at,amount\nF1,2024-02-01,open,,\n');
    const bad = 'fixtures/invalid/deals-every-row-rejected.csv';
    const both = await runMain(['deals', '--deals', bad, '--deals', good, '--as-of', '2024-04-01', '--format', 'csv', '--metrics', 'created']);
    expect(both.code).toBe(0);
    expect(both.stdout).toBe('created\n1\n');
    const bad2 = join(dir, 'mar.csv');
    writeFileSync(bad2, readFileSync(bad, 'utf8').replaceAll('D-', 'M-'));
    const none = await runMain(['deals', '--deals', bad, '--deals', bad2, '--as-of', '2024-04-01', '--format', 'csv']);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(`${bad}, ${bad2}: every row was rejected (6 of 6; see the reasons above); no report is written`);
  });

  it('is still only reported by validate (exit 1, counts on stdout)', async () => {
    const r = await runMain(['validate', '--deals', 'fixtures/invalid/deals-every-row-rejected.csv']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/│ deals │ fixtures\/invalid\/deals-every-row-rejected\.csv │\s+3 │\s+0 │\s+3 │/);
    expect(r.stderr).not.toContain('no report is written');
  });
});

describe('--by on the parallel read', () => {
  // Sources: real ones, a real one named "unknown", and empty ones; amounts from a short list.
  const dir = tmp();
  const path = join(dir, 'deals.csv');
  const lines = ['id,created_at,status,closed_at,amount,source'];
  for (let i = 0; i < 20_000; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0'), status = ['won', 'lost', 'open'][i % 3];
    lines.push([`D-${i}`, `2025-0${1 + (i % 6)}-${day}`, status, status === 'open' ? '' : `2025-0${2 + (i % 6)}-${day}`, [100, 250, 1200][i % 3 === 1 ? 0 : (i >> 2) % 3], ['ads', '', 'unknown', 'seo', ''][i % 5]].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  const run = (by: string, threads: string) => runCli(['deals', '--deals', path, '--by', by, '--period', 'month', '--as-of', '2025-09-01', '--format', 'json'],
    { env: { FUNNEL_THREADS: threads, FUNNEL_PARALLEL_MIN_BYTES: '1', FUNNEL_TRACE_PARALLEL: '1' } });

  it.each(['source', 'amount,source', 'sorce'])('--by %s: the same output as the serial read', async (by) => {
    const serial = await run(by, '1'), parallel = await run(by, '3');
    expect(parallel.stdout).toBe(serial.stdout);
    expect(parallel.code).toBe(serial.code);
    if (by === 'sorce') {
      expect(serial.code).toBe(2);
      expect(parallel.stderr).toContain('--by "sorce": no input of the deals view has this column; did you mean "source"?');
      return;
    }
    expect(parallel.stderr).toMatch(/read in \d+ ranges by 3 threads/);
    const rows = JSON.parse(serial.stdout).rows as Record<string, unknown>[];
    const sources = new Set(rows.map((r) => r.source));
    expect([...sources].sort()).toEqual(['(not set)', 'ads', 'seo', 'unknown']);
    if (by === 'amount,source') expect(new Set(rows.map((r) => r.amount))).toEqual(new Set(['100', '250', '1200']));
  });
});

describe('rows dated after --as-of', () => {
  it('are noted once per file with their count and the latest date, the same on the parallel read, and counted as their dates say', async () => {
    const args = ['deals', '--config', 'fixtures/funnel.config.json', '--deals', 'fixtures/deals.csv', '--as-of', '2025-06-30', '--format', 'csv', '--metrics', 'created'];
    const serial = await runCli(args, { env: { FUNNEL_THREADS: '1' } });
    const parallel = await runCli(args, { env: { FUNNEL_THREADS: '3', FUNNEL_PARALLEL_MIN_BYTES: '1', FUNNEL_TRACE_PARALLEL: '1' } });
    const note = 'funnel: note: fixtures/deals.csv: 273 rows are dated after --as-of 2025-06-30 (latest 2025-12-31T20:14:10Z); they are counted as their dates say\n';
    expect(serial.stderr).toBe(note);
    expect(parallel.stderr).toMatch(/read in \d+ ranges by 3 threads/);
    expect(parallel.stderr.split('\n').filter((l) => !l.startsWith('funnel: parallel:')).join('\n')).toBe(note);
    expect(parallel.stdout).toBe(serial.stdout);
    expect(serial.stdout).toBe('created\n555\n'); // every deal of the file, those created after --as-of too
    const quiet = await runMain([...args, '--quiet']);
    expect(quiet.stderr).toBe('');
  });
});

describe('a --by column no input has', () => {
  it('stops the run once the header is read, before any row is read (no rejection of the rows below it)', async () => {
    const r = await runMain(['deals', '--deals', 'fixtures/invalid/deals-every-row-rejected.csv', '--by', 'sorce', '--as-of', '2024-04-01']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('funnel: --by "sorce": no input of the deals view has this column; did you mean "source"? (columns found in fixtures/invalid/deals-every-row-rejected.csv: id, created_at, status, closed_at, amount, source)\n');
  });

  it('is found in a later input too: a deal takes its source from its lead', async () => {
    const dir = tmp();
    const deals = join(dir, 'deals.csv'), leads = join(dir, 'leads.csv');
    writeFileSync(deals, 'id,created_at,status,closed_at,amount,lead_id\nD-1,2025-01-02,open,,,L-1\nD-2,2025-01-03,open,,,\n');
    writeFileSync(leads, 'id,created_at,source\nL-1,2025-01-01,webinar\n');
    const r = await runMain(['deals', '--deals', deals, '--leads', leads, '--by', 'source', '--as-of', '2025-02-01', '--format', 'csv', '--metrics', 'created']);
    expect(r.stdout).toBe('source,created\n(not set),1\nwebinar,1\n');
    const alone = await runMain(['deals', '--deals', deals, '--by', 'source', '--as-of', '2025-02-01']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--by "source": no input of the deals view has this column');
  });
});
