/**
 * .xlsx as an input format (src/ingest/formats/workbook.ts): a sheet read through the CLI gives the
 * report its data gives as CSV; title rows above the header are skipped and counted; a rejection
 * names the sheet row; the sheet is chosen by the config; footer rows of a report export are
 * skipped by the preset that knows them, else rejected rows, never data.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { runCli, runMain } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-workbook-input-'));
let n = 0;

const DATE_COLUMNS = new Set(['created_at', 'closed_at']);
const NUMBER_COLUMNS = new Set(['amount', 'probability']);

/** A cell as a spreadsheet would hold the CSV's value: dates as date cells, plain numbers as numbers, the rest as text. */
function cellOf(column: string, value: string): string | number | Date | null {
  if (value === '') return null;
  if (DATE_COLUMNS.has(column) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(value)) return new Date(value);
  if (NUMBER_COLUMNS.has(column) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** fixtures/deals.csv as a workbook: title rows and a blank row above the header, typed cells, a second sheet first when asked. */
async function dealsWorkbook(edit?: (rows: string[][]) => void, options: { otherSheetFirst?: boolean } = {}): Promise<string> {
  const lines = readFileSync('fixtures/deals.csv', 'utf8').trimEnd().split('\n');
  // The fixture has no quoted fields with commas in its deals (checked below against the CSV's own report).
  const rows = lines.map((l) => l.split(','));
  edit?.(rows);
  const wb = new ExcelJS.Workbook();
  if (options.otherSheetFirst) wb.addWorksheet('Notes').addRow(['nothing here']);
  const ws = wb.addWorksheet('Deals');
  ws.addRow(['Deals pipeline export']);
  ws.addRow(['Filtered by: all owners']);
  ws.addRow([]);
  const header = rows[0]!;
  ws.addRow(header);
  for (const row of rows.slice(1)) {
    const added = ws.addRow(row.map((v, i) => cellOf(header[i]!, v)));
    header.forEach((h, i) => { if (DATE_COLUMNS.has(h)) added.getCell(i + 1).numFmt = 'yyyy-mm-dd hh:mm:ss'; });
  }
  const file = join(dir, `deals-${++n}.xlsx`);
  await wb.xlsx.writeFile(file);
  return file;
}

describe('xlsx input', () => {
  it('reads a deals sheet below its title rows to the same report as the CSV', async () => {
    const book = await dealsWorkbook();
    const args = ['--config', 'fixtures/funnel.config.json', '--as-of', '2026-01-01', '--by', 'source', '--period', 'quarter'];
    const csv = await runMain(['deals', '--deals', 'fixtures/deals.csv', ...args]);
    const xlsx = await runMain(['deals', '--deals', book, ...args]);
    expect(csv.code).toBe(0);
    expect(xlsx.stderr).toBe('');
    expect(xlsx.code).toBe(0);
    expect(xlsx.stdout).toBe(csv.stdout);
    // --input-format names it whatever the extension; the title rows are counted as skipped.
    const renamed = join(dir, 'deals-export.bin');
    writeFileSync(renamed, readFileSync(book));
    const json = await runMain(['deals', '--deals', renamed, '--input-format', 'xlsx', ...args, '--format', 'json']);
    expect(json.code).toBe(0);
    const inputs = JSON.parse(json.stdout).inputs.deals;
    expect(inputs).toMatchObject({ format: 'xlsx', rows: 555, accepted: 555, rejected: 0, skipped: 2 });
    expect(inputs.sha256).toMatch(/^[0-9a-f]{64}$/);
    // A CSV has no skipped rows: the key is not there.
    expect(JSON.parse((await runMain(['deals', '--deals', 'fixtures/deals.csv', ...args, '--format', 'json'])).stdout).inputs.deals).not.toHaveProperty('skipped');
  });

  it('names the sheet row of a rejected row, in messages and in --rejects', async () => {
    // Data row 3 is sheet row 7: two title rows and a blank row, then the header on row 4.
    const book = await dealsWorkbook((rows) => { rows[3]![5] = '12k'; });
    const rejects = join(dir, 'rejects.csv');
    const r = await runMain(['deals', '--deals', book, '--config', 'fixtures/funnel.config.json', '--rejects', rejects]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${book}:7: column "amount"`);
    expect(r.stderr).toContain('"12k"');
    const written = readFileSync(rejects, 'utf8').trim().split('\n');
    expect(written).toHaveLength(2);
    expect(written[1]).toMatch(/,7$/);
  });

  it('reads the sheet the config names, by name (any case) or number; a missing sheet is one error', async () => {
    const book = await dealsWorkbook(undefined, { otherSheetFirst: true });
    const config = (sheet: unknown, where: 'top' | 'kind') => {
      const file = join(dir, `sheet-${++n}.json`);
      writeFileSync(file, JSON.stringify(where === 'top' ? { sheet } : { formats: { deals: { sheet } } }));
      return file;
    };
    const csv = await runMain(['deals', '--deals', 'fixtures/deals.csv']);
    for (const [sheet, where] of [['deals', 'top'], [2, 'kind']] as const) {
      const r = await runMain(['deals', '--deals', book, '--config', config(sheet, where)]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(csv.stdout);
    }
    // The first sheet (the default) holds no deals header.
    const first = await runMain(['deals', '--deals', book]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^funnel: .*: sheet "Notes": no row holds every required header/);
    const missing = await runMain(['deals', '--deals', book, '--config', config('Pipeline', 'top')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`funnel: ${book}: has no sheet "Pipeline" (its sheets: 1 "Notes", 2 "Deals")\n`);
    const beyond = await runMain(['deals', '--deals', book, '--config', config(3, 'kind')]);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toContain('has no sheet number 3');
    const bad = await runMain(['deals', '--deals', book, '--config', config(0, 'top')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('sheet');
  });

  it('refuses a workbook on stdin with one line', async () => {
    const r = await runCli(['deals', '--deals', '-', '--input-format', 'xlsx'], { stdin: readFileSync('test/data/salesforce-opportunities-report.xlsx') });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("funnel: stdin: xlsx cannot be read from stdin (give the file's path)\n");
  });

  it('reads a Salesforce report export: the preset skips its footer and counts it; without the preset the footer rows are rejected rows, never data', async () => {
    const report = 'test/data/salesforce-opportunities-report.xlsx';
    // The report shows no id (each row is its own deal once rows without ids are read: test/preset-exports-without-ids.test.ts);
    // this config maps one over the preset. Status from the report's "Won" and "Closed" flags, by the preset.
    const r = await runMain(['deals', '--deals', report, '--config', 'test/data/salesforce-report.config.json', '--as-of', '2024-04-01', '--format', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    // 3 title rows and 3 footer rows (totals, copyright, confidentiality) skipped.
    expect(out.inputs.deals).toMatchObject({ rows: 7, accepted: 7, rejected: 0, skipped: 6 });
    expect(out.totals).toMatchObject({ created: 7, won: 2, lost: 1, revenue: 305000 });
    expect(r.stderr).toBe(`funnel: note: ${report}: skipped the export's footer at its end (3 rows: totals, copyright), not data; counted as "skipped" in the JSON inputs\n`);
    // The same mapping without the preset: the footer rows are rejected, by their sheet rows.
    const plain = join(dir, 'report-no-preset.json');
    writeFileSync(plain, JSON.stringify({ columns: { deals: { id: 'Opportunity Name', created_at: 'Created Date', stage: 'Stage', closed_at: 'Close Date', amount: 'Amount', status: { won: 'Won', closed: 'Closed' } } } }));
    const rejected = await runMain(['deals', '--deals', report, '--config', plain, '--as-of', '2024-04-01', '--format', 'json']);
    expect(rejected.code).toBe(0);
    const noPreset = JSON.parse(rejected.stdout);
    expect(noPreset.inputs.deals).toMatchObject({ rows: 10, accepted: 7, rejected: 3, skipped: 3 });
    expect(noPreset.totals).toEqual(out.totals);
    expect(rejected.stderr.split('\n').filter((l) => l.startsWith(report)).map((l) => l.split(':')[1])).toEqual(['14', '16', '17']);
  });
});
