/**
 * Exports without an id column, read with --preset alone: a Salesforce report that shows no
 * `Opportunity ID` (CSV, and the committed workbook), Zoho deals as the Potentials export writes
 * them. The presets map the id to a list ending in null, so each row is its own deal. Expected
 * numbers are worked out here from the rows written (the workbook's: its own test in xlsx-input.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-no-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => { const path = join(dir, name); writeFileSync(path, text); return path; };
const line = (values: (string | number)[]) => values.map((v) => `"${String(v).replace(/"/g, '""')}"`).join(',');

async function json(args: string[]) {
  const r = await runCli([...args, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return { report: JSON.parse(r.stdout), stderr: r.stderr };
}

describe('a Salesforce report without Opportunity ID', () => {
  // Two rows share a name: a name is no id, each row is a deal.
  const rows = [
    ['Acme - Annual', 'Closed Won', 12000, '3/20/2024', '2/1/2024'],
    ['Acme - Annual', 'Closed Won', 4000, '3/22/2024', '2/2/2024'],
    ['Birch - Pilot', 'Closed Lost', 8000, '3/28/2024', '2/15/2024'],
    ['Cobalt - New', 'Prospecting', 5000, '4/30/2024', '3/5/2024'],
  ] as const;
  const status = (stage: string) => (stage === 'Closed Won' ? 'won' : stage === 'Closed Lost' ? 'lost' : 'open');

  it('reads each row as its own deal; the footer is skipped and counted', async () => {
    const text = [line(['Opportunity Owner', 'Opportunity Name', 'Stage', 'Amount', 'Close Date', 'Created Date', 'Lead Source']),
      ...rows.map(([name, stage, amount, close, created]) => line(['Ana Ruiz', name, stage, amount, close, created, 'Web']))].join('\n') +
      '\n\n' + line([`Grand Totals (${rows.length} records)`, '', '', 29000, '', '', '']) + '\n\n' +
      line(['Confidential Information - Do Not Distribute']) + '\n' + line(['Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.']) + '\n';
    const file = write('report-no-id.csv', text);
    const { report, stderr } = await json(['deals', '--preset', 'salesforce', '--date-format', 'M/d/yyyy', '--as-of', '2024-12-31', '--deals', file]);
    expect(report.inputs.deals).toMatchObject({ rows: rows.length, accepted: rows.length, rejected: 0, skipped: 3 });
    const won = rows.filter((r) => status(r[1]) === 'won');
    expect(report.totals).toMatchObject({
      created: rows.length, won: won.length, lost: rows.filter((r) => status(r[1]) === 'lost').length,
      revenue: won.reduce((a, r) => a + r[2], 0), open_deals: rows.filter((r) => status(r[1]) === 'open').length,
    });
    expect(stderr).toContain('skipped the export\'s footer');
  });

  it('the committed report workbook, with --preset alone: 7 deals, title and footer rows skipped', async () => {
    const report = 'test/data/salesforce-opportunities-report.xlsx';
    const { report: out } = await json(['deals', '--deals', report, '--preset', 'salesforce', '--as-of', '2024-04-01']);
    expect(out.inputs.deals).toMatchObject({ rows: 7, accepted: 7, rejected: 0, skipped: 6 });
    expect(out.totals).toMatchObject({ created: 7, won: 2, lost: 1, revenue: 305000 });
  });
});

describe('Zoho deals without an id column (the Potentials export)', () => {
  it('reads each row as its own deal', async () => {
    const deals = [['Acme', 'Closed Won', '$22,700.00'], ['Acme', 'Closed Won', '$1,300.00'], ['Birch', 'Closed-Lost to Competition', '$5,000.00'], ['Cobalt', 'Qualification', '$900.00']] as const;
    const text = [line(['Potential Name', 'Potential Owner', 'Created Time', 'Closing Date', 'Amount', 'Stage', 'Type', 'Lead Source']),
      ...deals.map(([name, stage, amount], i) => line([name, 'Ana', `2024-01-0${i + 1} 09:00:00`, `2024-02-0${i + 1}`, amount, stage, 'New Business', 'Web']))].join('\n') + '\n';
    const { report } = await json(['deals', '--preset', 'zoho', '--as-of', '2024-12-31', '--deals', write('Potentials.csv', text)]);
    expect(report.totals).toMatchObject({ created: 4, won: 2, lost: 1, revenue: 22700 + 1300, open_deals: 1 });
  });
});
