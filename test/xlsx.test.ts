/**
 * The workbook (--format xlsx, written by write-excel-file) read back with another library,
 * exceljs: sheet names, values, number formats, the frozen header and filters.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { runMain } from './helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'funnel-xlsx-'));
const DEMO = ['--leads', 'fixtures/leads.csv', '--deals', 'fixtures/deals.csv', '--spend', 'fixtures/spend.csv', '--subscriptions', 'fixtures/subscriptions.csv',
  '--config', 'fixtures/funnel.config.json', '--period', 'quarter', '--as-of', '2025-12-31'];

async function read(file: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

describe('xlsx workbook', () => {
  it('needs --output (a workbook is not text for a terminal)', async () => {
    const r = await runMain(['report', ...DEMO, '--format', 'xlsx']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('funnel: --format xlsx writes a workbook, not text: give --output FILE.xlsx\n');
    expect(r.stdout).toBe('');
  });

  it('a sheet per view and one of inputs, typed and formatted cells, frozen header, filters', async () => {
    const file = join(tmp(), 'report.xlsx');
    const r = await runMain(['report', ...DEMO, '--format', 'xlsx', '--output', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const json = JSON.parse((await runMain(['report', ...DEMO, '--format', 'json'])).stdout);
    const wb = await read(file);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['stages', 'deals', 'marketing', 'customers', 'mrr', 'quality', 'inputs']);

    const deals = wb.getWorksheet('deals')!;
    expect(deals.getRow(1).values).toEqual([undefined, 'period', 'created', 'won', 'lost', 'win rate', 'close rate', 'revenue', 'avg deal size',
      'median cycle days', 'mean cycle days', 'p90 cycle days', 'open deals', 'pipeline value', 'weighted pipeline', 'stalled deals', 'sales velocity', 'revenue growth']);
    expect(deals.rowCount).toBe(1 + json.views.deals.rows.length);
    const q2 = deals.getRow(3); // 2024-Q2
    const rowJson = json.views.deals.rows[1];
    expect(q2.getCell(1).value).toBe('2024-Q2');
    expect([q2.getCell(3).value, q2.getCell(5).value, q2.getCell(7).value, q2.getCell(9).value]).toEqual([rowJson.won, rowJson.win_rate, rowJson.revenue, rowJson.median_cycle_days]);
    expect([q2.getCell(3).numFmt, q2.getCell(5).numFmt, q2.getCell(7).numFmt, q2.getCell(9).numFmt]).toEqual(['#,##0', '0.0%', '#,##0.00', '0.0']);
    expect(q2.getCell(15).value).toBeNull(); // stalled_deals is null outside the as-of period: an empty cell, not 0
    expect(deals.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(deals.autoFilter).toBe('A1:Q9');
    expect(deals.getColumn(1).width).toBeGreaterThanOrEqual(9);

    const mrr = wb.getWorksheet('mrr')!;
    const april = mrr.getRow(2).getCell(1);
    expect(april.value).toEqual(new Date(Date.UTC(2024, 3, 1))); // a month is a date cell shown as yyyy-mm
    expect(april.numFmt).toBe('yyyy-mm');
    expect(mrr.getRow(2).getCell(2).value).toBe(json.views.mrr.rows[0].mrr);

    const inputs = wb.getWorksheet('inputs')!;
    expect(inputs.getRow(2).values).toEqual([undefined, 'leads', 'fixtures/leads.csv', 'csv', json.inputs.leads.sha256, 583960, 4000, 4000, 0]);
    const asOf = inputs.getColumn(1).values.indexOf('asOf');
    expect(inputs.getRow(asOf).getCell(2).value).toEqual(new Date('2025-12-31T00:00:00Z'));
  });

  it('neutralises text from data that a spreadsheet would run as a formula, unless --raw-csv', async () => {
    const dir = tmp();
    const args = ['deals', '--deals', 'test/data/deals-hostile.csv', '--by', 'source', '--as-of', '2026-01-01', '--format', 'xlsx'];
    expect((await runMain([...args, '--output', join(dir, 'safe.xlsx')])).code).toBe(0);
    expect((await runMain([...args, '--output', join(dir, 'raw.xlsx'), '--raw-csv'])).code).toBe(0);
    const sources = async (f: string) => (await read(join(dir, f))).getWorksheet('deals')!.getColumn(1).values.slice(2);
    const safe = await sources('safe.xlsx'), raw = await sources('raw.xlsx');
    expect(raw).toContain('-plain');
    expect(safe).toContain("'-plain");
    expect(safe.filter((s) => /^[=+\-@]/.test(String(s)))).toEqual([]);
  });

  it('neutralises a --by column name from the input in the header row too', async () => {
    const dir = tmp();
    const deals = join(dir, 'deals.csv');
    writeFileSync(deals, 'id,created_at,status,closed_at,amount,@owner\nD1,2024-03-01,won,2024-03-20,1200,ann\n');
    const file = join(dir, 'owner.xlsx');
    expect((await runMain(['deals', '--deals', deals, '--by', '@owner', '--as-of', '2024-06-01', '--format', 'xlsx', '--output', file])).code).toBe(0);
    expect((await read(file)).getWorksheet('deals')!.getRow(1).getCell(1).value).toBe("'@owner");
  });

  it('--layout wide: one row per metric, a column per period, values those of the long layout', async () => {
    const file = join(tmp(), 'wide.xlsx');
    expect((await runMain(['report', ...DEMO, '--format', 'xlsx', '--layout', 'wide', '--output', file])).code).toBe(0);
    const deals = (await read(file)).getWorksheet('deals')!;
    expect(deals.getRow(1).values).toEqual([undefined, 'metric', '2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4', '2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']);
    const winRate = deals.getRow(5);
    expect(winRate.getCell(1).value).toBe('win rate');
    expect(winRate.getCell(2).value).toBe(0.4);
    expect(winRate.getCell(2).numFmt).toBe('0.0%');
  });
});
