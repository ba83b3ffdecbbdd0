/**
 * No silent wrong numbers: what the views refuse to make up from data that was not given (the
 * CLI, against the built binary). Golden cases hold the full outputs; these check the rules.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'funnel-nulls-'));

describe('an input of which every row is rejected', () => {
  it('stops the run with exit 1 after the rejections, and leaves --output as it was', async () => {
    const dir = tmp();
    const out = join(dir, 'report.json');
    writeFileSync(out, 'last month\n');
    const r = await runCli(['deals', '--deals', 'fixtures/invalid/deals-every-row-rejected.csv', '--as-of', '2024-04-01', '--format', 'json', '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('deals-every-row-rejected.csv:2: column "amount"');
    expect(r.stderr).toMatch(/every row was rejected \(3 of 3; see the reasons above\); no report is written\n$/);
    expect(readFileSync(out, 'utf8')).toBe('last month\n');
  });

  it('stops the report too, when one of several inputs has no accepted row', async () => {
    const r = await runCli(['report', '--config', 'fixtures/funnel.config.json', '--leads', 'fixtures/leads.csv', '--deals', 'fixtures/invalid/deals-every-row-rejected.csv', '--as-of', '2026-01-01', '--format', 'csv']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('is still only reported by validate (exit 1, counts on stdout)', async () => {
    const r = await runCli(['validate', '--deals', 'fixtures/invalid/deals-every-row-rejected.csv']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/│ deals │ fixtures\/invalid\/deals-every-row-rejected\.csv │\s+3 │\s+0 │\s+3 │/);
    expect(r.stderr).not.toContain('no report is written');
  });
});
