/**
 * The customers view's per-customer state (CustomerStore: flat arrays, one slot per customer) and
 * its packed form, the one a reading thread hands over for each of its ranges: folding the deals in
 * parts, packing each part and merging the packs in file order gives what one fold of the whole
 * gives — repeat buyers spread over parts, a first win that ties with a later part's (the part read
 * first keeps its group), a later part holding an earlier first win, revenue whose exact sum needs
 * more than one partial. Then the CLI: a parallel read (FUNNEL_PARALLEL_MIN_BYTES=1 forces it on a
 * small file) gives the serial read's bytes with leads (a deal without a source takes its lead's),
 * spend, subscriptions (payback and predictive LTV), rejected rows and --rejects.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomersFold, CUSTOMER_METRICS } from '../src/views/customers.js';
import { deal, params, t } from './helpers/rows.js';
import { serialAndParallel } from './helpers/parallel.js';

const won = (id: string, customer: string, closed: string, amount: number, source: string, campaign = 'c1') =>
  deal({ id, customerId: customer, createdAt: t('2024-01-01'), status: 'won', closedAt: t(closed), amount, source, campaign });

const DEALS = [
  won('d1', 'A', '2024-02-10', 100, 'ads'),
  won('d2', 'B', '2024-03-01', 1e16, 'seo'),
  deal({ id: 'd3', customerId: 'A', createdAt: t('2024-01-05'), status: 'lost', closedAt: t('2024-02-01'), source: 'ads' }),
  won('d4', 'A', '2024-05-20', 250.25, 'events'),
  won('d5', 'C', '2024-04-02', 80, 'partners', 'c2'),
  // B's revenue: 1e16 + 1 + 1 is not one double (its exact sum keeps two partials).
  won('d6', 'B', '2024-06-01', 1, 'ads'),
  // Ties C's first win: C keeps the group of the deal read first (d5's).
  won('d7', 'C', '2024-04-02', 20, 'seo', 'c3'),
  won('d8', 'B', '2024-02-15', 1, 'events'), // B's first win now: its group moves to events
  won('d9', 'D', '2024-07-07', 0.1, 'ads'),
  won('d10', 'D', '2024-07-08', 0.2, 'ads'),
  won('d11', 'A', '2024-01-31', 10, 'partners', 'c2'), // A's first win, in the last part
  won('d12', 'E', '2023-12-31', 5, 'seo'), // before --from
  // F's later wins make a sum of two partials (1e16 + 1) in a part after the one holding its first win.
  won('d13', 'F', '2024-09-01', 0.5, 'events'),
  won('d14', 'F', '2024-09-02', 1e16, 'events'),
  won('d15', 'F', '2024-09-03', 1, 'events'),
];

const cases = [
  params({ by: 'source', period: 'month', asOf: '2024-12-31' }),
  params({ by: 'source,campaign', period: 'quarter', from: '2024-01-01', asOf: '2024-12-31' }, { grossMargin: 0.7 }),
  params({ asOf: '2024-12-31' }),
];

/** The report of folding `parts` one by one, each packed (as a reading thread hands it over) and merged in order into an empty fold. */
function packedResult(p: (typeof cases)[number], parts: (typeof DEALS)[]) {
  const into = new CustomersFold(p);
  for (const rows of parts) {
    const part = new CustomersFold(p);
    for (const d of rows) part.addDeal(d);
    // The trip between threads: structured clone, as postMessage makes it.
    into.mergeState(structuredClone(part.exportState()));
  }
  return into.result(CUSTOMER_METRICS, undefined);
}

describe('customers: the packed per-customer state', () => {
  it.each(cases.map((p, i) => [i, p] as const))('case %i: parts packed and merged in file order = one fold of the whole', (_i, p) => {
    const whole = new CustomersFold(p);
    for (const d of DEALS) whole.addDeal(d);
    const expected = whole.result(CUSTOMER_METRICS, undefined);
    expect(expected.rows.length).toBeGreaterThan(0);
    for (let a = 0; a <= DEALS.length; a++) {
      for (let b = a; b <= DEALS.length; b++) {
        expect(packedResult(p, [DEALS.slice(0, a), DEALS.slice(a, b), DEALS.slice(b)]), `split at ${a}, ${b}`).toEqual(expected);
      }
    }
  });

  it('keeps a group per first win, ties to the deal read first, and exact revenue', () => {
    const { rows } = packedResult(cases[0], [DEALS.slice(0, 5), DEALS.slice(5, 13), DEALS.slice(13)]);
    const row = (period: string, source: string) => rows.find((r) => r.period === period && r.source === source);
    expect(row('2024-01', 'partners')).toMatchObject({ customers: 1, orders: 3, revenue: 360.25 }); // A
    expect(row('2024-02', 'events')).toMatchObject({ customers: 1, orders: 3, revenue: 1e16 + 2 }); // B
    expect(row('2024-04', 'partners')).toMatchObject({ customers: 1, orders: 2, revenue: 100 }); // C (the tie)
    expect(row('2024-07', 'ads')).toMatchObject({ customers: 1, orders: 2, revenue: 0.30000000000000004 }); // D
    expect(row('2024-09', 'events')).toMatchObject({ customers: 1, orders: 3, revenue: 1e16 + 2 }); // F: 1e16 + 1.5, rounded once
    expect(row('2024-04', 'seo')).toBeUndefined();
  });

  it('is flat arrays and one string of ids, not an object per customer', () => {
    const fold = new CustomersFold(cases[0]);
    for (const d of DEALS) fold.addDeal(d);
    const packed = fold.exportState();
    expect(typeof packed.ids).toBe('string');
    for (const column of [packed.lengths, packed.first, packed.last, packed.orders, packed.group, packed.revenue]) {
      expect(ArrayBuffer.isView(column)).toBe(true);
      expect(column.length).toBe(6);
    }
    expect(packed.revenueMore.map(([slot]) => slot)).toEqual([1, 3, 5]); // B's (1e16 + 1), D's (0.1 + 0.2) and F's: more than one partial
  });
});

const dir = mkdtempSync(join(tmpdir(), 'funnel-par-customers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const day = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);

/**
 * 3,000 deals of 400 customers who buy again all through the file (so their wins fall in several
 * ranges), many first wins on the same day (ties), a third without a source (their lead's counts),
 * quoted notes over several lines (split points land in them), and rows rejected for their amount.
 */
function files() {
  const leads = ['id,created_at,source,campaign,email'];
  for (let i = 0; i < 500; i++) leads.push([`L${i}`, day(i % 30), ['web', 'events', 'referral'][i % 3], `camp${i % 4}`, `p${i}@example.com`].join(','));
  leads.push('L7,2024-01-02,web,camp1,dup@example.com'); // a duplicate lead id: rejected
  const deals = ['id,created_at,status,closed_at,amount,source,campaign,lead_id,customer_id,note'];
  for (let i = 0; i < 3000; i++) {
    const closed = Math.floor(rand() * 20) * 10;
    const status = rand() < 0.75 ? 'won' : 'lost';
    const amount = i % 173 === 9 ? 'plenty' : (rand() * 5000).toFixed(2);
    const source = rand() < 0.35 ? '' : ['ads', 'seo', 'partners'][i % 3];
    deals.push([`D${i}`, day(Math.max(0, closed - 5)), status, day(closed), amount, source, source && `camp${i % 4}`, `L${Math.floor(rand() * 500)}`, `C${Math.floor(rand() * 400)}`,
      rand() < 0.5 ? `"note ${i}\nsays ""hi"""` : ''].join(','));
  }
  const spend = ['date,source,campaign,amount'];
  for (let i = 0; i < 600; i++) spend.push([day(Math.floor(rand() * 200)), ['ads', 'seo', 'web', 'events'][i % 4], `camp${i % 4}`, i % 97 === 3 ? 'x' : (rand() * 900).toFixed(2)].join(','));
  const subs = ['customer_id,start_date,end_date,mrr'];
  for (let i = 0; i < 600; i++) { const start = Math.floor(rand() * 8); subs.push([`C${i % 400}`, `2024-0${start + 1}-01`, rand() < 0.3 ? `2024-${String(start + 3).padStart(2, '0')}-01` : '', (rand() * 300).toFixed(2)].join(',')); }
  const paths = { leads: join(dir, 'leads.csv'), deals: join(dir, 'deals.csv'), spend: join(dir, 'spend.csv'), subscriptions: join(dir, 'subscriptions.csv') };
  writeFileSync(paths.leads, leads.join('\n') + '\n');
  writeFileSync(paths.deals, deals.join('\r\n') + '\r\n');
  writeFileSync(paths.spend, spend.join('\n') + '\n');
  writeFileSync(paths.subscriptions, subs.join('\n') + '\n');
  return paths;
}

describe('customers read in parallel', { timeout: 120_000 }, () => {
  const paths = files();
  const inputs = ['--deals', paths.deals, '--leads', paths.leads, '--spend', paths.spend, '--subscriptions', paths.subscriptions, '--as-of', '2024-12-31'];

  it.each([
    ['--by source, JSON', ['--by', 'source', '--period', 'month', '--format', 'json']],
    ['--by source,campaign, CSV', ['--by', 'source,campaign', '--period', 'quarter', '--format', 'csv']],
  ])('%s: the serial read\'s bytes, stderr and --rejects file', async (_name, args) => {
    const { serial, parallel, trace, serialRejects, parallelRejects } = await serialAndParallel(['customers', ...inputs, ...args, '--rejects', 'rejects.csv'], dir);
    expect(trace).toMatch(/deals\.csv: read in \d+ ranges by 3 threads/);
    expect(serial.code).toBe(0);
    expect(serial.stderr).toMatch(/deals\.csv:\d+: column "amount": "plenty"/);
    expect(serialRejects.split('\n').length).toBeGreaterThan(20);
    expect(serial.stdout).toMatch(/predictive_ltv/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
  });
});
