/**
 * stageColumns.leads: header templates for stage entry times, expanded against each file's header
 * row (src/ingest/stage-templates.ts), and stage 0's own column: every lead reaches stage 0, at that
 * column's time when it has one, else at created_at; without a created_at, that column is created_at.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './helpers/cli.js';
import { parseConfig, type ConfigInput } from '../src/ingest/config.js';
import { FunnelError } from '../src/core/errors.js';
import { withStageColumns } from '../src/ingest/stage-templates.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-stage-columns-'));
const write = (name: string, text: string) => { const path = join(dir, name); writeFileSync(path, text); return path; };
type Row = Record<string, number | string | null>;

async function json(args: string[]) {
  const r = await runMain([...args, '--format', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** The leads' mappings for a header under a config. */
const expand = (header: string[], config: ConfigInput) => {
  const c = parseConfig(config, 'test');
  return withStageColumns(header, c, c.columns.leads ?? {}, c.constants.leads ?? {});
};

describe('templates against a header row', () => {
  const hubspot = ['Became a {stage} Date', 'Became an {stage} Date', 'Date entered "{stage} (*)"'];
  const aliases = { 'Marketing Qualified Lead': 'mql', 'Sales Qualified Lead': 'sql' };

  it('{stage} is a stage name as the header spells it, case-insensitive, or a stageAliases name; * is any text', () => {
    expect(expand(['Record ID', 'Create Date', 'Became a Marketing Qualified Lead Date', 'became an OPPORTUNITY date', 'Date entered "Customer (Lifecycle Stage Pipeline)"'],
      { stageAliases: aliases, stageColumns: { leads: hubspot } }))
      .toEqual({ mql_at: 'Became a Marketing Qualified Lead Date', opportunity_at: 'became an OPPORTUNITY date', customer_at: 'Date entered "Customer (Lifecycle Stage Pipeline)"' });
  });

  it('a header whose stage is not configured maps nothing (it stays a dimension); nor does a spelling that needs an alias it lacks', () => {
    expect(expand(['Became a Subscriber Date', 'Became an Evangelist Date', 'Became a Marketing Qualified Lead Date', 'date_entered_closed_lost'],
      { stageColumns: { leads: [...hubspot, 'date_entered_{stage}'] } })).toEqual({});
  });

  it('explicit columns.leads.<stage>_at (a header, null, or a constant) wins over a template', () => {
    const header = ['Create Date', 'Became a Marketing Qualified Lead Date', 'MQL date', 'Became a Sales Qualified Lead Date'];
    expect(expand(header, { stageAliases: aliases, stageColumns: { leads: hubspot }, columns: { leads: { mql_at: 'MQL date', sql_at: null } } }))
      .toEqual({ mql_at: 'MQL date', sql_at: null });
    expect(expand(header, { stageAliases: aliases, stageColumns: { leads: hubspot }, constants: { leads: { sql_at: '2024-01-01' } } }))
      .toEqual({ mql_at: 'Became a Marketing Qualified Lead Date' });
  });

  it('several headers for one stage (one per pipeline) are alternatives: the templates\' order, then the headers\'', () => {
    const header = ['Date entered "Demo (Partner Pipeline)"', 'Date entered "Demo (Sales Pipeline)"', 'demo_date'];
    expect(expand(header, { stages: ['lead', 'demo'], stageColumns: { leads: ['{stage}_date', 'Date entered "{stage} (*)"'] } }))
      .toEqual({ demo_at: ['demo_date', 'Date entered "Demo (Partner Pipeline)"', 'Date entered "Demo (Sales Pipeline)"'] });
  });

  it('a stage name with spaces, or a pipeline name with parentheses, is found', () => {
    expect(expand(['created_at', 'Date entered "Closed Won (Sales (EU))"', 'Date entered "Pre Pitch (X)"'],
      { stages: ['pre pitch', 'closed won'], stageColumns: { leads: ['Date entered "{stage} (*)"'] } }))
      .toEqual({ 'pre pitch_at': 'Date entered "Pre Pitch (X)"', 'closed won_at': 'Date entered "Closed Won (Sales (EU))"' });
  });

  it('stage 0\'s header is its own column; when the file has no created_at (not mapped, no constant, no such header), it is created_at', () => {
    const config = { stageColumns: { leads: ['Became a {stage} Date'] } };
    expect(expand(['id', 'created_at', 'Became a Lead Date'], config)).toEqual({ lead_at: 'Became a Lead Date' });
    expect(expand(['id', 'Became a Lead Date'], config)).toEqual({ created_at: 'Became a Lead Date', lead_at: null });
    expect(expand(['id', 'Create Date', 'Became a Lead Date'], { ...config, columns: { leads: { created_at: 'Create Date' } } }))
      .toEqual({ created_at: 'Create Date', lead_at: 'Became a Lead Date' });
    // The same for stage 0's column mapped by name.
    expect(expand(['id', 'Lead Date'], { columns: { leads: { lead_at: 'Lead Date' } } })).toEqual({ created_at: 'Lead Date', lead_at: null });
  });
});

describe('the config', () => {
  const fails = (raw: unknown) => { try { parseConfig(raw, 'f.json'); } catch (e) { expect((e as FunnelError).exitCode).toBe(2); return (e as Error).message; } throw new Error('expected an error'); };
  it('a template needs {stage} exactly once; only leads have stage columns', () => {
    expect(fails({ stageColumns: { leads: ['Became a Date'] } })).toBe('f.json: "stageColumns.leads.0": a template needs "{stage}" exactly once, e.g. "Became a {stage} Date" or "date_entered_{stage}"');
    expect(fails({ stageColumns: { leads: [] } })).toBe('f.json: "stageColumns.leads": a list of templates must not be empty');
    expect(fails({ stageColumns: { deals: ['{stage}'] } })).toBe('f.json: stageColumns: unknown key "deals"; did you mean "leads"? (known keys: leads)');
  });
});

describe('stage 0\'s own column, read', () => {
  // Ana became a lead two days after she was created (in the next month); Ben has no lead date (created_at counts); Cy's is before his creation.
  const CONTACTS = `id,Create Date,Became a Lead Date,Became a MQL Date,source
a,2024-01-30 00:00,2024-02-01 00:00,2024-02-04 00:00,ads
b,2024-01-31 00:00,,2024-02-04 00:00,ads
c,2024-01-10 00:00,2024-01-09 00:00,,ads
`;
  const config = write('stage-zero.config.json', JSON.stringify({
    stages: ['lead', 'mql'], stageAliases: { MQL: 'mql' },
    columns: { leads: { created_at: 'Create Date' } }, stageColumns: { leads: ['Became a {stage} Date'] },
  }));
  const leads = write('stage-zero.csv', CONTACTS);

  it('durations into stage 1 run from it; a time before created_at rejects the lead', async () => {
    const r = await runMain(['stages', '--config', config, '--leads', leads, '--as-of', '2024-03-01', '--format', 'json']);
    expect(r.stderr).toBe(`${leads}:4: column "Became a Lead Date" (lead_at): 2024-01-09 is before created_at 2024-01-10 (a lead reaches a stage after it is created)\n1 row rejected; use --rejects FILE to keep them all\n`);
    const report = JSON.parse(r.stdout);
    expect(report.totals.map((t: Row) => [t.stage, t.reached, t.median_days_from_previous])).toEqual([['lead', 2, null], ['mql', 2, 3.5]]);
  });

  it('under period attribution, a lead enters stage 0 in the period of that time; its cohort stays that of created_at', async () => {
    const cleaner = write('stage-zero-clean.csv', CONTACTS.split('\n').filter((l) => !l.startsWith('c,')).join('\n'));
    const period = await json(['stages', '--config', config, '--leads', cleaner, '--as-of', '2024-03-01', '--attribution', 'period', '--period', 'month']);
    expect(period.rows.map((t: Row) => [t.period, t.stage, t.reached])).toEqual([['2024-01', 'lead', 1], ['2024-01', 'mql', 0], ['2024-02', 'lead', 1], ['2024-02', 'mql', 2]]);
    const cohort = await json(['stages', '--config', config, '--leads', cleaner, '--as-of', '2024-03-01', '--period', 'month']);
    expect(cohort.rows.map((t: Row) => [t.period, t.stage, t.reached])).toEqual([['2024-01', 'lead', 2], ['2024-01', 'mql', 2]]);
  });

  it('without a created_at, the stage-0 column is created_at', async () => {
    const noCreated = write('stage-zero-no-created.json', JSON.stringify({ stages: ['lead', 'mql'], stageAliases: { MQL: 'mql' }, stageColumns: { leads: ['Became a {stage} Date'] } }));
    const r = await runMain(['stages', '--config', noCreated, '--leads', leads, '--as-of', '2024-03-01', '--format', 'csv', '--metrics', 'reached,median_days_from_previous']);
    expect(r.stderr).toBe(`${leads}:3: column "Became a Lead Date" (created_at): missing (required)\n1 row rejected; use --rejects FILE to keep them all\n`);
    expect(r.stdout).toBe('stage,reached,median_days_from_previous\nlead,2,\nmql,1,3\n');
  });
});
