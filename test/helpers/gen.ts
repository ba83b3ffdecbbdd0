/**
 * Random small companies for property tests: leads, deals, spend and subscriptions with unique ids,
 * whole-day dates and integer amounts (so sums are exact and shuffling cannot change a bit), and
 * unique e-mails and first-win days (so "the one read first wins" never decides anything).
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';
import { csvLine } from '../../src/output/csv-text.js';

const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);
const day = (n: number) => new Date(BASE + n * DAY).toISOString().slice(0, 10);
const SOURCES = ['paid', 'organic', 'referral'];

export type Rec = Record<string, string>;
export interface Company { leads: Rec[]; deals: Rec[]; spend: Rec[]; subscriptions: Rec[] }

export const companyArb: fc.Arbitrary<Company> = fc.record({
  leads: fc.array(fc.record({ created: fc.integer({ min: 0, max: 400 }), steps: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 4 }), source: fc.constantFrom(...SOURCES, ''), phone: fc.boolean() }), { maxLength: 25 }),
  deals: fc.array(fc.record({ created: fc.integer({ min: 0, max: 400 }), cycle: fc.integer({ min: 0, max: 120 }), at: fc.integer({ min: 0, max: 86_399 }), closeAt: fc.integer({ min: 0, max: 86_399 }), status: fc.constantFrom('open', 'won', 'lost'), amount: fc.integer({ min: 0, max: 50_000 }), source: fc.constantFrom(...SOURCES, ''), lead: fc.nat(30), customer: fc.nat(8) }), { maxLength: 25 }),
  spend: fc.array(fc.record({ date: fc.integer({ min: 0, max: 400 }), amount: fc.integer({ min: -500, max: 9000 }), source: fc.constantFrom(...SOURCES), category: fc.constantFrom('marketing', 'sales') }), { maxLength: 15 }),
  subscriptions: fc.array(fc.record({ customer: fc.nat(8), start: fc.integer({ min: 0, max: 12 }), months: fc.option(fc.integer({ min: 1, max: 10 })), mrr: fc.integer({ min: 0, max: 900 }) }), { maxLength: 15 }),
}).map(({ leads, deals, spend, subscriptions }) => {
  const stages = ['mql_at', 'sql_at', 'opportunity_at', 'customer_at'];
  return {
    leads: leads.map((l, i) => {
      const row: Rec = { id: `L${i}`, created_at: day(l.created), source: l.source, email: `p${i}@x${i % 3}.com`, phone: l.phone ? '+1 555 0100 22' : '' };
      let t = l.created;
      stages.forEach((s, k) => { if (k < l.steps.length) { t += l.steps[k]; row[s] = day(t); } else row[s] = ''; });
      return row;
    }),
    deals: deals.map((d, i) => {
      const closed = d.created + d.cycle;
      const customer = `C${d.customer}`;
      return {
        // Times of day make cycle lengths fractional: means must not depend on reading order.
        id: `D${i}`, created_at: `${day(d.created)}T${clock(d.at)}Z`, status: d.status, closed_at: d.status === 'open' ? '' : `${day(closed)}T${clock(d.closeAt)}Z`,
        amount: String(d.amount), source: d.source, lead_id: `L${d.lead}`, customer_id: customer,
      };
    // Two wins of one customer on the same day would make "its first win" depend on reading order.
    }).filter((d, i, all) => d.status !== 'won' || !all.some((o, j) => j < i && o.status === 'won' && o.customer_id === d.customer_id && o.closed_at === d.closed_at)),
    spend: spend.map((s) => ({ date: day(s.date), amount: String(s.amount), source: s.source, campaign: 'c', category: s.category })),
    subscriptions: subscriptions.map((s) => ({
      customer_id: `C${s.customer}`, start_date: monthAfter(s.start, 0),
      end_date: s.months === null ? '' : monthAfter(s.start, s.months), mrr: String(s.mrr),
    })),
  };
});

const clock = (s: number) => [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':');

function monthAfter(start: number, months: number): string {
  const m = start + months;
  return `${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01`;
}

export type Format = 'csv' | 'json' | 'ndjson';
export function writeRows(dir: string, name: string, rows: Rec[], format: Format, header: string[]): string {
  const path = join(dir, `${name}.${format}`);
  if (format === 'csv') writeFileSync(path, csvLine(header) + rows.map((r) => csvLine(header.map((h) => r[h] ?? ''))).join(''));
  else if (format === 'json') writeFileSync(path, JSON.stringify(rows, null, 1));
  else writeFileSync(path, rows.map((r) => JSON.stringify(r) + '\n').join(''));
  return path;
}

export const HEADERS = {
  leads: ['id', 'created_at', 'source', 'email', 'phone', 'mql_at', 'sql_at', 'opportunity_at', 'customer_at'],
  deals: ['id', 'created_at', 'status', 'closed_at', 'amount', 'source', 'lead_id', 'customer_id'],
  spend: ['date', 'amount', 'source', 'campaign', 'category'],
  subscriptions: ['customer_id', 'start_date', 'end_date', 'mrr'],
};

/** Runs the CLI in this process with captured streams (fast enough for hundreds of cases). */
export async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const out = new PassThrough(), err = new PassThrough();
  out.on('data', (d) => { stdout += d; });
  err.on('data', (d) => { stderr += d; });
  const code = await main(args, { stdin: new PassThrough(), stdout: out, stderr: err, env: { NO_COLOR: '1' }, cwd: process.cwd() });
  return { code, stdout, stderr };
}
