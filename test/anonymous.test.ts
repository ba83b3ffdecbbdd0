/**
 * Rows without ids: an id column (leads.id, deals.id, events.lead_id) mapped to null, or to a list
 * ending in null of which the file has no header. Each row is its own record, named by its file and
 * line, with no duplicate check; leads and events without ids are anonymous stage entries in the
 * stages view (--attribution period only).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputReader, type Rejection } from '../src/ingest/read.js';
import { parseConfig, type ConfigInput, type InputKind } from '../src/ingest/config.js';
import { runMain } from './helpers/gen.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-anonymous-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => { const path = join(dir, name); writeFileSync(path, text); return path; };

async function readAll(kind: InputKind, paths: string[], config: ConfigInput) {
  const rejections: Rejection[] = [];
  const reader = new InputReader({ config: parseConfig(config, 'test'), onReject: (r) => rejections.push(r) });
  const rows: Record<string, unknown>[] = [];
  for await (const batch of reader.read(kind, paths)) rows.push(...(batch as never[]));
  return { rows, rejections };
}

async function json(args: string[]) {
  const r = await runMain([...args, '--format', 'json']);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const NO_DEAL_IDS = { columns: { deals: { id: null } } };
const NO_LEAD_IDS = { columns: { leads: { id: null } } };
const NO_EVENT_IDS = { columns: { events: { lead_id: null } } };

describe('reading rows without ids', () => {
  // The same row twice, in two files whose lines coincide: no duplicate check, and names that differ.
  const DEALS = 'created_at,status,closed_at,amount\n2024-03-01,won,2024-03-20,100\n2024-03-01,won,2024-03-20,100\n';
  const jan = write('jan.csv', DEALS), feb = write('feb.csv', DEALS);

  it('names each deal by its file and line (its customer_id too, by default), with no duplicate check', async () => {
    const { rows, rejections } = await readAll('deals', [jan, feb], NO_DEAL_IDS);
    expect(rejections).toEqual([]);
    expect(rows.map((r) => [r.id, r.customerId])).toEqual([[`${jan}:2`, `${jan}:2`], [`${jan}:3`, `${jan}:3`], [`${feb}:2`, `${feb}:2`], [`${feb}:3`, `${feb}:3`]]);
  });

  it('gives the same names on the every-field path (a padded value) as on the fast path', async () => {
    const padded = write('padded.csv', 'created_at,status,closed_at,amount\n 2024-03-01 ,won,2024-03-20,100\n2024-03-01,won,2024-03-20,100\n');
    const { rows } = await readAll('deals', [padded], NO_DEAL_IDS);
    expect(rows.map((r) => r.id)).toEqual([`${padded}:2`, `${padded}:3`]);
  });

  it('a list ending in null: ids when one of its headers is there, none when not', async () => {
    const config = { columns: { deals: { id: ['Deal Id', null] } } };
    expect((await readAll('deals', [jan], config)).rows.map((r) => r.id)).toEqual([`${jan}:2`, `${jan}:3`]);
    const withIds = write('with-ids.csv', 'Deal Id,created_at,status,closed_at,amount\nD-1,2024-03-01,won,2024-03-20,100\nD-1,2024-03-02,won,2024-03-20,100\n');
    const read = await readAll('deals', [withIds], config);
    expect(read.rows.map((r) => r.id)).toEqual(['D-1']);
    expect(read.rejections.map((r) => r.reason)).toEqual([`column "Deal Id" (id): "D-1" is a duplicate (first seen at ${withIds}:2)`]);
  });

  it('a lead without an id carries none (nothing can link to it); so does an event', async () => {
    const leads = await readAll('leads', [write('leads.csv', 'created_at,source\n2024-01-02,ads\n2024-01-02,ads\n')], NO_LEAD_IDS);
    expect(leads.rows.map((r) => [r.id, r.line])).toEqual([[undefined, 2], [undefined, 3]]);
    const events = await readAll('events', [write('events.csv', 'stage,at,UTM_Medium\nmql,2024-01-05,paid\n')], { ...NO_EVENT_IDS, columns: { events: { lead_id: null, source: 'UTM_Medium' } } });
    expect(events.rows).toMatchObject([{ leadId: undefined, stageIndex: 1, source: 'paid', line: 2 }]);
  });

  it('still wants every other required column', async () => {
    await expect(readAll('deals', [write('no-created.csv', 'status,closed_at,amount\nwon,2024-03-20,100\n')], NO_DEAL_IDS)).rejects.toThrow(/required deals column "created_at" is missing/);
  });
});

describe('the stages view with anonymous stage entries', () => {
  const events = write('mqls.csv', 'stage,at,source\nmql,2024-01-05,ads\nmql,2024-01-20,seo\nsql,2024-02-03,ads\nmql,2024-02-10,ads\n');
  const noEventIds = write('no-event-ids.json', JSON.stringify(NO_EVENT_IDS));
  const period = ['--attribution', 'period', '--period', 'month', '--as-of', '2024-03-01'];
  const reached = (rows: Record<string, unknown>[], stage: string) => rows.filter((r) => r.stage === stage).map((r) => [r.period ?? r.source, r.reached]);

  it('counts each event as one entry into its stage in the period of its time, with no earlier stage implied; needs no --leads', async () => {
    const report = await json(['stages', '--config', noEventIds, '--events', events, ...period]);
    expect(reached(report.rows, 'lead')).toEqual([['2024-01', 0], ['2024-02', 0]]);
    expect(reached(report.rows, 'mql')).toEqual([['2024-01', 2], ['2024-02', 1]]);
    expect(reached(report.rows, 'sql')).toEqual([['2024-01', 0], ['2024-02', 1]]);
    expect(report.params.attribution).toBe('period');
  });

  it('has no duration, in_stage or stalled for them: null, never a 0 that an average would take', async () => {
    const report = await json(['stages', '--config', noEventIds, '--events', events, ...period]);
    for (const row of [...report.rows, ...report.totals]) {
      expect(row).toMatchObject({ median_days_from_previous: null, mean_days_from_previous: null, p90_days_from_previous: null, in_stage: null, stalled: null });
    }
  });

  it('groups them by their own columns', async () => {
    const report = await json(['stages', '--config', noEventIds, '--events', events, '--attribution', 'period', '--by', 'source', '--as-of', '2024-03-01']);
    expect(reached(report.rows, 'mql')).toEqual([['ads', 2], ['seo', 1]]);
  });

  it('counts leads without ids as stage-0 entries (and each stage time of theirs as an entry into that stage)', async () => {
    const leads = write('anon-leads.csv', 'created_at,mql_at\n2024-01-02,2024-02-05\n2024-01-03,\n');
    const report = await json(['stages', '--config', write('no-lead-ids.json', JSON.stringify(NO_LEAD_IDS)), '--leads', leads, ...period]);
    expect(reached(report.rows, 'lead')).toEqual([['2024-01', 2], ['2024-02', 0]]);
    expect(reached(report.rows, 'mql')).toEqual([['2024-01', 0], ['2024-02', 1]]);
    expect(report.rows.every((r: Record<string, unknown>) => r.in_stage === null && r.median_days_from_previous === null)).toBe(true);
  });

  it('mixed with leads that have ids: the leads count as before, the entries add to reached only', async () => {
    const leads = write('leads-with-ids.csv', 'id,created_at,source,mql_at\nL1,2024-01-02,ads,2024-01-04\nL2,2024-01-03,seo,\n');
    const report = await json(['stages', '--config', noEventIds, '--leads', leads, '--events', events, ...period]);
    const jan = Object.fromEntries(report.rows.filter((r: Record<string, unknown>) => r.period === '2024-01').map((r: Record<string, unknown>) => [r.stage, r]));
    // Leads: L1 and L2 entered stage 0, L1 reached mql 2 days later (its own duration only); events: 2 mqls in January.
    expect(jan.lead).toMatchObject({ reached: 2, in_stage: 1, stalled: 1 });
    expect(jan.mql).toMatchObject({ reached: 3, rate_from_previous: 1.5, in_stage: 1, median_days_from_previous: 2, mean_days_from_previous: 2 });
    const feb = report.rows.filter((r: Record<string, unknown>) => r.period === '2024-02');
    // February holds anonymous entries only: in_stage and stalled are not known there.
    expect(feb.map((r: Record<string, unknown>) => [r.stage, r.reached, r.in_stage])).toEqual([['lead', 0, null], ['mql', 1, null], ['sql', 1, null], ['opportunity', 0, null], ['customer', 0, null]]);
  });

  it('is a usage error under cohort attribution, saying why, before anything is read', async () => {
    const r = await runMain(['stages', '--config', noEventIds, '--events', events, '--period', 'month']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`funnel: ${events}: its rows have no ids, so each is an anonymous stage entry; they count under --attribution period only (a cohort follows one lead from its creation, and a row without an id cannot be followed)\n`);
  });

  it('is a usage error under cohort attribution when a list ending in null finds no id header (known when the file is read)', async () => {
    const r = await runMain(['stages', '--config', write('maybe-ids.json', JSON.stringify({ columns: { leads: { id: ['Lead Id', null] } } })), '--leads', write('leads-no-id.csv', 'created_at\n2024-01-02\n')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/leads-no-id\.csv: its rows have no ids, so each is an anonymous stage entry; they count under --attribution period only/);
  });

  it('is a usage error with --window (which starts at a lead\'s created_at)', async () => {
    const r = await runMain(['stages', '--config', noEventIds, '--events', events, ...period, '--window', '30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/they cannot be counted with --window/);
  });

  it('events with lead ids still need --leads', async () => {
    const r = await runMain(['stages', '--events', write('linked.csv', 'lead_id,stage,at\nL1,mql,2024-01-05\n'), '--attribution', 'period']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('funnel: --events needs --leads (events are matched to the leads by lead_id)\n');
  });
});

describe('deals without ids in the customers view', () => {
  it('each deal is its own customer unless a customer_id says otherwise', async () => {
    const deals = write('won.csv', 'created_at,status,closed_at,amount,customer_id\n2024-01-01,won,2024-01-10,100,\n2024-01-01,won,2024-01-10,300,\n2024-01-02,won,2024-02-10,50,C1\n2024-01-03,won,2024-03-10,150,C1\n');
    const report = await json(['customers', '--config', write('no-deal-ids.json', JSON.stringify(NO_DEAL_IDS)), '--deals', deals, '--as-of', '2024-04-01']);
    expect(report.totals).toMatchObject({ customers: 3, orders: 4, revenue: 600, ltv: 200, orders_per_customer: 4 / 3 });
  });
});
