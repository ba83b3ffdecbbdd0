/**
 * Exports written here in each preset's documented shape (../shared/datasets/crm-export-headers/README.md),
 * read with --preset alone (no config): a Salesforce report (UI labels; its footer skipped and counted,
 * as CSV and as a workbook with title rows), Pipedrive's label variants (old and new) and an .xlsx
 * export with Excel serial dates, HubSpot deals and contacts with quoted values, Zoho deals and
 * campaigns. The expected numbers are worked out here from the rows written, not by the tool.
 * Exports without ids (a report that shows none, Zoho deals) are in preset-exports-without-ids.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { runCli, runMain } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-preset-exports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => { const path = join(dir, name); writeFileSync(path, text); return path; };
const q = (v: string | number) => `"${String(v).replace(/"/g, '""')}"`;
const line = (values: (string | number)[]) => values.map(q).join(',');
type Row = Record<string, number | string | null>;

async function json(args: string[], env: Record<string, string> = {}) {
  const r = await runMain([...args, '--format', 'json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return { report: JSON.parse(r.stdout), stderr: r.stderr };
}

/** Deal outcomes at an as-of after every date written: what the deals view's totals must say. */
interface Deal { status: 'won' | 'lost' | 'open'; amount: number }
function outcomes(deals: Deal[]) {
  const sum = (status: Deal['status']) => deals.filter((d) => d.status === status).reduce((a, d) => a + d.amount, 0);
  const count = (status: Deal['status']) => deals.filter((d) => d.status === status).length;
  return { created: deals.length, won: count('won'), lost: count('lost'), revenue: sum('won'), open_deals: count('open'), pipeline_value: sum('open') };
}
const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usDate = (iso: string) => { const [y, m, d] = iso.split('-').map(Number); return `${m}/${d}/${y}`; };

// ---------------------------------------------------------------------------------------------
// Salesforce report exports ("Export" of a report, details only): UI labels, a currency column
// before each money column, the user's date format, and a footer after the data.

const SF_STAGES = ['Prospecting', 'Closed Won', 'Closed Lost', 'Negotiation/Review', 'Closed Won', 'Proposal/Price Quote'];
interface Opportunity extends Deal { id: string; name: string; account: string; stage: string; created: string; close: string; source: string }
/** `n` opportunities; names repeat (a report's Opportunity Name is no id). */
function opportunities(n: number): Opportunity[] {
  return Array.from({ length: n }, (_, i) => {
    const stage = SF_STAGES[i % SF_STAGES.length];
    const created = `2024-0${1 + (i % 3)}-${String(1 + (i % 27)).padStart(2, '0')}`;
    return {
      id: `006${String(i).padStart(6, '0')}`, name: `Renewal ${i % 7}`, account: `Account ${i % 11}`, stage,
      status: stage === 'Closed Won' ? 'won' : stage === 'Closed Lost' ? 'lost' : 'open',
      amount: 1000 + ((i * 7919) % 90000) + (i % 4) * 0.25, created, close: `2024-0${4 + (i % 3)}-${String(1 + (i % 28)).padStart(2, '0')}`,
      source: ['Web', 'Partner Referral', '', 'Trade Show'][i % 4],
    };
  });
}
const SF_HEADER = ['Opportunity Owner', 'Account Name', 'Opportunity Name', 'Opportunity ID', 'Stage', 'Total Amount Currency', 'Total Amount', 'Close Date', 'Created Date', 'Lead Source'];
const sfRecord = (o: Opportunity) => sfRecordPadded(o, '');
const sfRecordPadded = (o: Opportunity, pad: string) => line([`Ana Ruiz${pad}`, o.account, o.name, o.id, o.stage, 'USD', money(o.amount), usDate(o.close), usDate(o.created), o.source]);
/** The footer a report CSV ends with: a blank line, the totals, a blank line, confidentiality and copyright lines. */
const sfFooter = (rows: Opportunity[]) => '\n' +
  line([`Grand Totals (${rows.length} records)`, '', '', '', '', '', money(rows.reduce((a, o) => a + o.amount, 0)), '', '', '']) + '\n\n' +
  line(['Confidential Information - Do Not Distribute']) + '\n' +
  line(['Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.']) + '\n';
const SF_FOOTER_ROWS = 3;
const sfReport = (rows: Opportunity[], footer = sfFooter(rows)) => [line(SF_HEADER), ...rows.map(sfRecord)].join('\n') + '\n' + footer;
const SF_ARGS = ['deals', '--preset', 'salesforce', '--date-format', 'M/d/yyyy', '--as-of', '2024-12-31'];
const footerNote = (file: string, n = SF_FOOTER_ROWS) => `funnel: note: ${file}: skipped the export's footer at its end (${n} rows: totals, copyright), not data; counted as "skipped" in the JSON inputs\n`;

describe('Salesforce report export (CSV)', () => {
  const rows = opportunities(12);

  it('reads a report with --preset alone: labels, status from the stage, the footer skipped and counted, said once', async () => {
    const file = write('report1733480000000.csv', sfReport(rows));
    const { report, stderr } = await json([...SF_ARGS, '--deals', file]);
    expect(report.inputs.deals).toMatchObject({ rows: rows.length, accepted: rows.length, rejected: 0, skipped: SF_FOOTER_ROWS });
    expect(report.totals).toMatchObject(outcomes(rows));
    expect(stderr).toBe(footerNote(file));
    // "Opportunity Name" is a dimension, names repeating; "Lead Source" is the source.
    const byName = await json([...SF_ARGS, '--deals', file, '--by', 'opportunity name', '--metrics', 'created']);
    const counts = (key: (o: Opportunity) => string) => [...new Set(rows.map(key))].sort().map((k) => [k, rows.filter((o) => key(o) === k).length]);
    expect(byName.report.rows.map((r: Row) => [r['opportunity name'], r.created])).toEqual(counts((o) => o.name));
    const bySource = await json([...SF_ARGS, '--deals', file, '--by', 'source', '--metrics', 'created']);
    expect(bySource.report.rows.map((r: Row) => [r.source, r.created])).toEqual(counts((o) => o.source || '(not set)'));
  });

  it('takes the status from the report\'s "Won" and "Closed" columns when it has both (a custom lost stage too)', async () => {
    const flagged = rows.map((o, i) => (i === 3 ? { ...o, stage: 'Lost to rival', status: 'lost' as const } : o));
    const text = [line([...SF_HEADER, 'Won', 'Closed']), ...flagged.map((o) => `${sfRecord(o)},${o.status === 'won' ? 'TRUE' : 'FALSE'},${o.status === 'open' ? 'FALSE' : 'TRUE'}`)].join('\n') + '\n' + sfFooter(flagged);
    const { report } = await json([...SF_ARGS, '--deals', write('report-flags.csv', text)]);
    expect(report.totals).toMatchObject(outcomes(flagged));
    // With "Won" alone the flags cannot tell lost from open: the status comes from the stage ("Lost to rival" is open there).
    const wonOnly = [line([...SF_HEADER, 'Won']), ...flagged.map((o) => `${sfRecord(o)},${o.status === 'won' ? 'TRUE' : 'FALSE'}`)].join('\n') + '\n' + sfFooter(flagged);
    const byStage = await json([...SF_ARGS, '--deals', write('report-won-only.csv', wonOnly)]);
    expect(byStage.report.totals).toMatchObject(outcomes(flagged.map((o, i) => (i === 3 ? { ...o, status: 'open' as const } : o))));
  });

  it('only the end of the file is a footer: a footer line followed by data is a rejected row; empty rows at the end are part of the footer', async () => {
    const text = [line(SF_HEADER), ...rows.slice(0, 5).map(sfRecord), line(['Confidential Information - Do Not Distribute']), ...rows.slice(5).map(sfRecord)].join('\n') +
      '\n' + sfFooter(rows) + ',,,,,,,,,\n';
    const file = write('report-middle.csv', text);
    const r = await runCli([...SF_ARGS, '--deals', file, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).inputs.deals).toMatchObject({ rows: rows.length + 1, accepted: rows.length, rejected: 1, skipped: SF_FOOTER_ROWS + 1 });
    expect(r.stderr).toContain(`${file}:7: the row has 1 field, but the header has 10`);
    expect(r.stderr).toContain(footerNote(file, SF_FOOTER_ROWS + 1));
  });

  it('without the preset, the footer lines are rejected rows, never data', async () => {
    const file = write('report-no-preset.csv', sfReport(rows));
    const config = write('report-by-hand.json', JSON.stringify({ columns: { deals: { id: 'Opportunity ID', created_at: 'Created Date', stage: 'Stage', closed_at: 'Close Date', amount: 'Total Amount', currency: 'Total Amount Currency' } } }));
    const r = await runCli(['deals', '--config', config, '--date-format', 'M/d/yyyy', '--as-of', '2024-12-31', '--deals', file, '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.inputs.deals).toMatchObject({ rows: rows.length + SF_FOOTER_ROWS, accepted: rows.length, rejected: SF_FOOTER_ROWS });
    expect(report.inputs.deals).not.toHaveProperty('skipped');
    expect(report.totals).toMatchObject(outcomes(rows));
    expect(r.stderr).not.toContain('footer');
  });
});

describe('Salesforce report export, read in parallel: the same bytes as the serial read', () => {
  const TRACE = /^funnel: parallel: .*\n/gm;
  // A split point is taken where the 64 records after it have the header's width, so the last,
  // smallest range (0.5 % of the bytes with 2 threads) must hold more than 64 records before the
  // footer: the first rows are long (a long owner), the last ones short.
  const rows = opportunities(3000);
  const record = (o: Opportunity, i: number) => sfRecordPadded(o, i < 1000 ? ' '.repeat(2000) : '');
  const both = async (file: string, format: string) => {
    const args = [...SF_ARGS, '--deals', file, '--by', 'source', '--format', format];
    const [serial, parallel] = await Promise.all([
      runCli(args, { env: { FUNNEL_THREADS: '1' } }),
      runCli(args, { env: { FUNNEL_THREADS: '2', FUNNEL_PARALLEL_MIN_BYTES: '1', FUNNEL_TRACE_PARALLEL: '1' } }),
    ]);
    expect(serial.code).toBe(0);
    expect({ ...parallel, stderr: parallel.stderr.replace(TRACE, '') }).toEqual(serial);
    return { serial, trace: parallel.stderr.match(TRACE)?.join('') ?? '' };
  };

  it('a footer at the end: skipped by the last range', { timeout: 120_000 }, async () => {
    const file = write('report-large.csv', [line(SF_HEADER), ...rows.map(record)].join('\n') + '\n' + sfFooter(rows));
    for (const format of ['csv', 'json']) {
      const { serial, trace } = await both(file, format);
      expect(trace).toMatch(/read in \d+ ranges/);
      expect(serial.stderr).toBe(footerNote(file));
      if (format === 'json') expect(JSON.parse(serial.stdout).inputs.deals).toMatchObject({ rows: rows.length, rejected: 0, skipped: SF_FOOTER_ROWS });
    }
  });

  it('footer-like rows among the data (a split may fall among them): rejected, as the serial read does', { timeout: 120_000 }, async () => {
    // Totals lines as wide as the header in the middle of the file, which a range may start or end in.
    const totals = Array.from({ length: 300 }, (_, i) => line([`Grand Totals (${i} records)`, ' '.repeat(2000), '', '', '', '', '1.00', '', '', '']));
    const text = [line(SF_HEADER), ...rows.slice(0, 500).map(record), ...totals, ...rows.slice(500).map((o, i) => record(o, i + 500))].join('\n') + '\n' + sfFooter(rows);
    const file = write('report-totals-inside.csv', text);
    const { serial, trace } = await both(file, 'json');
    // A range ends among them: whether they are the end is the serial read's to say.
    expect(trace).toContain("read serially (a range ended with rows that look like a report's footer)");
    expect(JSON.parse(serial.stdout).inputs.deals).toMatchObject({ rows: rows.length + totals.length, rejected: totals.length, skipped: SF_FOOTER_ROWS });
  });
});

describe('Salesforce report exported to Excel', () => {
  it('title rows above the header and the footer below the data are skipped and counted; dates and flags are typed cells', async () => {
    const rows = opportunities(9);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Opportunities');
    ws.addRow(['Opportunities by Stage']);
    ws.addRow(['As of Dec 6, 2026 10:15 AM·Generated by Ana Ruiz']);
    ws.addRow(['Filtered By: Show Me: All opportunities']);
    ws.addRow([]);
    ws.addRow([...SF_HEADER, 'Won', 'Closed']);
    const dateCell = (iso: string) => new Date(`${iso}T00:00:00Z`);
    for (const o of rows) {
      const added = ws.addRow(['Ana Ruiz', o.account, o.name, o.id, o.stage, 'USD', o.amount, dateCell(o.close), dateCell(o.created), o.source || null, o.status === 'won', o.status !== 'open']);
      for (const c of [8, 9]) added.getCell(c).numFmt = 'm/d/yyyy';
    }
    ws.addRow([]);
    ws.addRow([`Grand Totals (${rows.length} records)`, null, null, null, null, null, rows.reduce((a, o) => a + o.amount, 0)]);
    ws.addRow([]);
    ws.addRow(['Confidential Information - Do Not Distribute']);
    ws.addRow(['Copyright © 2000-2026 salesforce.com, inc. All rights reserved.']);
    const file = join(dir, 'Opportunities by Stage-2026-12-06-10-15-00.xlsx');
    await wb.xlsx.writeFile(file);
    const { report, stderr } = await json(['deals', '--preset', 'salesforce', '--as-of', '2024-12-31', '--deals', file]);
    expect(report.inputs.deals).toMatchObject({ format: 'xlsx', rows: rows.length, accepted: rows.length, rejected: 0, skipped: 3 + SF_FOOTER_ROWS });
    expect(report.totals).toMatchObject(outcomes(rows));
    expect(stderr).toBe(footerNote(file));
  });
});

// ---------------------------------------------------------------------------------------------
// Pipedrive: every documented label variant, status values in any case, an .xlsx export.

interface PipedriveDeal extends Deal { id: number; title: string; created: string; closed: string; source: string; stageChange: string }
const PD_STATUS = ['won', 'OPEN', 'Lost', 'Won', 'open', 'LOST', 'WON'];
const pipedriveDeals: PipedriveDeal[] = Array.from({ length: 14 }, (_, i) => {
  const raw = PD_STATUS[i % PD_STATUS.length];
  const status = raw.toLowerCase() as Deal['status'];
  const created = `2024-02-${String(1 + i).padStart(2, '0')} 09:${String(i * 3).padStart(2, '0')}:00`;
  return { id: 100 + i, title: `Deal ${i}`, status, amount: 250 * (i + 1), created, closed: status === 'open' ? '' : `2024-03-${String(2 + i).padStart(2, '0')} 17:00:00`, source: ['Paid search', 'Organic search'][i % 2], stageChange: `2024-02-${String(10 + i).padStart(2, '0')} 12:00:00` };
});
const pdRaw = (i: number) => PD_STATUS[i % PD_STATUS.length];

describe('Pipedrive deals export', () => {
  // Each variant names created, currency, close and stage-change columns its own way.
  const variants = [
    { created: 'Deal - Deal created', currency: 'Deal - Currency', closed: 'Deal - Deal closed on', change: 'Deal - Last stage change' },
    { created: 'Deal - Add time', currency: 'Deal - Currency of value', closed: 'Deal - Closed on', change: 'Deal - Stage change time' },
    { created: 'Deal - Creation date', currency: 'Deal - Currency', closed: 'Deal - Close time', change: 'Deal - Last stage change' },
  ];
  const expected = outcomes(pipedriveDeals);
  const cycles = pipedriveDeals.filter((d) => d.status === 'won').map((d) => (Date.parse(d.closed.replace(' ', 'T') + 'Z') - Date.parse(d.created.replace(' ', 'T') + 'Z')) / 86_400_000).sort((a, b) => a - b);
  const median = cycles.length % 2 ? cycles[(cycles.length - 1) / 2] : (cycles[cycles.length / 2 - 1] + cycles[cycles.length / 2]) / 2;
  for (const [n, v] of variants.entries()) {
    it(`reads "${v.created}", "${v.currency}", "${v.closed}", "${v.change}"; status "open/won/lost" in any case`, async () => {
      const header = ['Deal - ID', 'Deal - Title', 'Deal - Value', v.currency, 'Deal - Owner', 'Deal - Stage', 'Deal - Status', v.created, v.change, v.closed, 'Deal - Source channel'];
      const text = [header.join(','), ...pipedriveDeals.map((d, i) => [d.id, d.title, d.amount, 'EUR', 'Ana', 'Proposal', pdRaw(i), d.created, d.stageChange, d.closed, d.source].join(','))].join('\n') + '\n';
      const { report, stderr } = await json(['deals', '--preset', 'pipedrive', '--as-of', '2024-12-31', '--deals', write(`pipedrive-deals-${n}.csv`, text)]);
      expect(stderr).toBe('');
      expect(report.totals).toMatchObject({ ...expected, median_cycle_days: median });
    });
  }

  it('reads an .xlsx export whose dates are Excel serial dates', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Deals');
    ws.addRow(['Deal - ID', 'Deal - Title', 'Deal - Value', 'Deal - Currency', 'Deal - Status', 'Deal - Deal created', 'Deal - Won time', 'Deal - Lost time', 'Deal - Source channel']);
    const at = (s: string) => (s === '' ? null : new Date(s.replace(' ', 'T') + 'Z'));
    for (const [i, d] of pipedriveDeals.entries()) {
      const row = ws.addRow([d.id, d.title, d.amount, 'EUR', pdRaw(i), at(d.created), d.status === 'won' ? at(d.closed) : null, d.status === 'lost' ? at(d.closed) : null, d.source]);
      for (const c of [6, 7, 8]) row.getCell(c).numFmt = 'yyyy-mm-dd hh:mm:ss';
    }
    const file = join(dir, 'pipedrive-deals.xlsx');
    await wb.xlsx.writeFile(file);
    const { report } = await json(['deals', '--preset', 'pipedrive', '--as-of', '2024-12-31', '--deals', file]);
    expect(report.inputs.deals).toMatchObject({ rows: pipedriveDeals.length, accepted: pipedriveDeals.length });
    expect(report.totals).toMatchObject({ ...expected, median_cycle_days: median });
  });
});

// ---------------------------------------------------------------------------------------------
// HubSpot deals and contacts (no per-stage columns here): labels, every value quoted.

describe('HubSpot deals and contacts exports', () => {
  const stages = ['Appointment Scheduled', 'Closed Won', 'Closed Lost', 'Contract Sent', 'Closed Won'];
  const deals = Array.from({ length: 10 }, (_, i) => {
    const stage = stages[i % stages.length];
    return { id: 9000 + i, stage, status: (stage === 'Closed Won' ? 'won' : stage === 'Closed Lost' ? 'lost' : 'open') as Deal['status'], amount: 1500 + i * 100, created: `2024-01-${String(2 + i).padStart(2, '0')} 09:30`, close: `2024-03-${String(2 + i).padStart(2, '0')} 10:00` };
  });
  it('deals: "Record ID", "Deal Stage", "Amount", "Create Date", every value quoted, a comma inside a name', async () => {
    const text = [line(['Record ID', 'Deal Name', 'Deal Stage', 'Close Date', 'Deal owner', 'Amount', 'Create Date', 'Pipeline']),
      ...deals.map((d) => line([d.id, `Acme, Inc. - ${d.id}`, d.stage, d.status === 'open' ? '' : d.close, 'Ana Ruiz', d.amount, d.created, 'Sales Pipeline']))].join('\n') + '\n';
    const { report } = await json(['deals', '--preset', 'hubspot', '--as-of', '2024-12-31', '--deals', write('hubspot-crm-exports-all-deals-2024-12-31.csv', text)]);
    expect(report.totals).toMatchObject(outcomes(deals));
  });

  it('contacts: the default view\'s columns; e-mail, phone and company by their labels', async () => {
    const contacts = Array.from({ length: 9 }, (_, i) => ({ id: 105284053700 + i, first: `Pat${i}`, last: i % 3 ? `Lee${i}` : '', email: i % 4 ? `pat${i}@acme.example` : '', phone: i % 2 ? `+1 415 555 01${String(i).padStart(2, '0')}` : '', company: i % 3 === 1 ? '' : `Co ${i}` }));
    const text = [line(['Record ID', 'First Name', 'Last Name', 'Email', 'Phone Number', 'Contact owner', 'Lead Status', 'Create Date', 'Associated Company']),
      ...contacts.map((c, i) => line([c.id, c.first, c.last, c.email, c.phone, 'Ana Ruiz', 'New', `2024-02-${String(1 + i).padStart(2, '0')} 08:00`, c.company]))].join('\n') + '\n';
    const { report } = await json(['quality', '--preset', 'hubspot', '--leads', write('hubspot-crm-exports-all-contacts-2024-12-31.csv', text)]);
    expect(report.totals).toMatchObject({
      leads: contacts.length,
      with_email: contacts.filter((c) => c.email).length,
      with_phone: contacts.filter((c) => c.phone).length,
      with_name: contacts.length,
      with_company: contacts.filter((c) => c.company).length,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Zoho CRM deals (with a "Record Id") and campaigns: money with its symbol and separators.

describe('Zoho CRM deals and campaigns exports', () => {
  it('deals: "Record Id", "Stage", "Closing Date", "$12,400.00"', async () => {
    const stages = ['Qualification', 'Closed Won', 'Closed-Lost to Competition', 'Closed Lost', 'Negotiation/Review', 'Closed Won'];
    const deals = stages.map((stage, i) => ({ stage, status: (stage === 'Closed Won' ? 'won' : stage.startsWith('Closed') ? 'lost' : 'open') as Deal['status'], amount: 12400 + i * 1000.5 }));
    const text = [line(['Record Id', 'Deal Name', 'Deal Owner', 'Account Name', 'Stage', 'Amount', 'Created Time', 'Closing Date']),
      ...deals.map((d, i) => line([`zcrm_${4000 + i}`, `Deal ${i}`, 'Ana', `Account ${i}`, d.stage, `$${money(d.amount)}`, `2024-01-0${1 + i} 09:00:00`, `2024-02-0${1 + i}`]))].join('\n') + '\n';
    const { report } = await json(['deals', '--preset', 'zoho', '--as-of', '2024-12-31', '--deals', write('Deals_2024_12_31.csv', text)]);
    expect(report.totals).toMatchObject(outcomes(deals));
  });

  it('campaigns as spend: "Actual Cost" on "Start Date", by "Campaign Name"', async () => {
    const campaigns = [['Spring webinar', '2024-01-10', 4200.5], ['Trade fair', '2024-02-01', 8800], ['Spring webinar', '2024-03-05', 1250.25]] as const;
    const text = [line(['Campaign Name', 'Campaign Owner', 'Type', 'Status', 'Start Date', 'End Date', 'Expected Revenue', 'Budgeted Cost', 'Actual Cost']),
      ...campaigns.map(([name, start, cost]) => line([name, 'Ana', 'Webinar', 'Completed', start, start, '$20,000.00', '$9,000.00', `$${money(cost)}`]))].join('\n') + '\n';
    const r = await runCli(['marketing', '--preset', 'zoho', '--spend', write('Campaigns_2024.csv', text), '--by', 'campaign', '--as-of', '2024-12-31', '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const spend = (name: string) => campaigns.filter((c) => c[0] === name).reduce((a, c) => a + c[2], 0);
    expect(report.rows.map((row: Row) => [row.campaign, row.spend])).toEqual([['Spring webinar', spend('Spring webinar')], ['Trade fair', spend('Trade fair')]]);
  });
});
