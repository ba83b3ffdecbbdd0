/**
 * Views on the real public datasets, against numbers computed independently by
 * test/independent/expected.py (Python's csv module on the raw files; no funnel code).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, ROOT, runMain } from './helpers/cli.js';

const expected = JSON.parse(readFileSync(join(ROOT, 'test', 'independent', 'expected.json'), 'utf8'));
const example = (name: string) => join(ROOT, 'examples', name, 'funnel.config.json');
const MAVEN = join(DATASETS, 'maven-crm-sales-opportunities', 'sales_pipeline.csv');
// --quiet drops the per-row lines, never the count: the 500 Prospecting rows have no engage_date.
const MAVEN_REJECTED = '500 rows rejected (500 not shown); use --rejects FILE to keep them all\n';
const OLIST = join(DATASETS, 'olist-marketing-funnel');

async function json(args: string[], stderr = '') {
  const r = await runMain([...args, '--format', 'json', '--quiet']);
  expect(r.stderr).toBe(stderr);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

type Outcome = { won: number; lost: number; win_rate: number; revenue: number; avg_deal_size: number | null; median_cycle_days: number | null };
// Money is rounded to 1e-9 in JSON (SPEC §4); compare it to 1e-6 on both sides.
const money = (v: number | null) => (v === null ? null : Math.round(v * 1e6) / 1e6);
const outcome = (r: Record<string, number | null>): Outcome => ({
  won: r.won!, lost: r.lost!, win_rate: r.win_rate!, revenue: r.revenue!, avg_deal_size: money(r.avg_deal_size), median_cycle_days: r.median_cycle_days,
});
const expectedOutcomes = (table: Record<string, Outcome>) =>
  Object.fromEntries(Object.entries(table).map(([k, v]) => [k, { ...v, avg_deal_size: money(v.avg_deal_size) }]));

describe('Maven CRM pipeline (deals view)', () => {
  it('win rate, revenue, deal size and median cycle by sales agent', async () => {
    const report = await json(['deals', '--config', example('maven-crm'), '--deals', MAVEN, '--by', 'sales_agent', '--as-of', '2018-01-01'], MAVEN_REJECTED);
    expect(report.inputs.deals).toMatchObject({ rows: 8800, accepted: 8300, rejected: 500 });
    const got = Object.fromEntries(report.rows.map((r: Record<string, never>) => [r.sales_agent, outcome(r)]));
    expect(got).toEqual(expectedOutcomes(expected.maven_by_agent));
    expect(report.totals).toMatchObject({ won: 4238, lost: 2473, revenue: 10005534 }); // dataset README
    expect(report.totals.win_rate).toBeCloseTo(4238 / 6711, 12);
  });

  it('the same by product × quarter of close', async () => {
    const report = await json(['deals', '--config', example('maven-crm'), '--deals', MAVEN, '--by', 'product', '--period', 'quarter', '--as-of', '2018-01-01'], MAVEN_REJECTED);
    const decided = report.rows.filter((r: Record<string, number>) => r.won + r.lost > 0);
    const got = Object.fromEntries(decided.map((r: Record<string, never>) => [`${r.period} ${r.product}`, outcome(r)]));
    expect(got).toEqual(expectedOutcomes(expected.maven_by_product_quarter));
  });
});

describe('Olist marketing funnel (stages view through the lead↔deal link)', () => {
  const args = ['stages', '--config', example('olist'), '--leads', join(OLIST, 'olist_marketing_qualified_leads_dataset.csv'),
    '--deals', join(OLIST, 'olist_closed_deals_dataset.csv'), '--as-of', '2019-01-01'];
  const byStage = (rows: Record<string, unknown>[], key: string) => {
    const out: Record<string, { leads: number; customers: number }> = {};
    for (const r of rows) {
      const g = (out[r[key] as string] ??= { leads: 0, customers: 0 });
      if (r.stage === 'mql') g.leads = r.reached as number; else g.customers = r.reached as number;
    }
    return out;
  };

  it('leads and lead→customer conversion by origin', async () => {
    const report = await json([...args, '--by', 'source']);
    expect(byStage(report.rows, 'source')).toEqual(expected.olist_by_origin);
    // 60 leads have no origin; 1,099 have the origin "unknown": two groups, never one of 1,159.
    expect(byStage(report.rows, 'source')['(not set)']).toEqual({ leads: 60, customers: 14 });
    expect(byStage(report.rows, 'source').unknown).toEqual({ leads: 1099, customers: 179 });
    const organic = report.rows.find((r: Record<string, unknown>) => r.source === 'organic_search' && r.stage === 'customer');
    expect(organic.rate_from_previous).toBeCloseTo(271 / 2296, 12); // 0.1180 in the dataset README
    expect(report.totals.map((r: Record<string, number>) => r.reached)).toEqual([8000, 842]);
  });

  it('leads and conversion by month of first contact (cohort)', async () => {
    const report = await json([...args, '--period', 'month']);
    expect(byStage(report.rows, 'period')).toEqual(expected.olist_by_month);
  });
});

describe('dbt mrr-playbook subscriptions (mrr view)', () => {
  const playbook = JSON.parse(readFileSync(join(ROOT, 'test', 'independent', 'mrr_playbook.json'), 'utf8')) as Record<string, Record<string, number>>;
  it('every month and every movement agree with the playbook model (test/independent/mrr_playbook.py)', async () => {
    const report = await json(['mrr', '--config', example('dbt-mrr'), '--subscriptions', join(DATASETS, 'dbt-mrr-playbook', 'subscription_periods.csv'), '--as-of', '2020-03-01']);
    const keys = Object.keys(playbook['2017-09']);
    const got = Object.fromEntries(report.rows.map((r: Record<string, number>) => [r.period, Object.fromEntries(keys.map((k) => [k, r[k]]))]));
    expect(got).toEqual(playbook);
    expect(Object.keys(got)).toHaveLength(31); // 2017-09 … 2020-03, the zero-MRR months included
    expect(report.totals).toMatchObject({ mrr: 0, customers: 0, churned_customers: 58, reactivation_mrr: 150 });
  });
});

describe('HubSpot deals with stage dates (Flinn): status from the is_closed / is_closed_won booleans', () => {
  it('31 won, 37 lost, 21 open, as computed independently', async () => {
    const deals = join(DATASETS, 'hubspot-deals-with-stage-dates', 'hubspot_deals.csv');
    const config = join(ROOT, 'test', 'data', 'hubspot-deals.config.json');
    const report = await json(['deals', '--config', config, '--deals', deals, '--by', 'status', '--period', 'year', '--as-of', '2026-04-01']);
    expect(report.inputs.deals).toMatchObject({ rows: 89, accepted: 89, rejected: 0 });
    expect({ won: report.totals.won, lost: report.totals.lost, open: report.totals.open_deals }).toEqual(expected.hubspot_status);
    expect(expected.hubspot_status).toEqual({ won: 31, lost: 37, open: 21 }); // dataset README
    expect(report.totals.revenue).toBe(402000); // dataset README
    // Each deal in its own status's group (the status derived from the booleans).
    const created = (s: string) => report.rows.filter((r: Record<string, unknown>) => r.status === s).reduce((n: number, r: { created: number }) => n + r.created, 0);
    expect([created('won'), created('lost'), created('open')]).toEqual([31, 37, 21]);
  });

  // The same file and config read as leads: stageColumns ["date_entered_{stage}"] gives each stage its
  // column (date_entered_closed_lost names no configured stage: a dimension). 69 deals have a pre_pitch
  // date, but every lead reaches stage 0 (at create_date when it has none); a later stage implies the
  // earlier ones, so the counts are not the columns' 69/75/64/59/55/33.
  const stageKeys = ['stage', 'reached', 'median_days_from_previous', 'in_stage'];
  const stagesOf = (report: { totals: Record<string, unknown>[] }) => report.totals.map((r) => Object.fromEntries(stageKeys.map((k) => [k, r[k]])));
  const HUBSPOT_DEALS = join(DATASETS, 'hubspot-deals-with-stage-dates', 'hubspot_deals.csv');
  it('the stage funnel from the date_entered_{stage} columns, as computed independently', async () => {
    const config = join(ROOT, 'test', 'data', 'hubspot-deals.config.json');
    const report = await json(['stages', '--config', config, '--leads', HUBSPOT_DEALS, '--as-of', '2026-04-01']);
    expect(report.inputs.leads).toMatchObject({ rows: 89, accepted: 89, rejected: 0 });
    expect(stagesOf(report)).toEqual(expected.hubspot_stages);
    expect(expected.hubspot_stages.map((s: { reached: number }) => s.reached)).toEqual([89, 88, 82, 74, 66, 33]);
  });

  it('and from HubSpot\'s own labels, `Date entered "Pre-Pitch (Sales Pipeline)"`, through stageAliases', async () => {
    const raw = readFileSync(HUBSPOT_DEALS, 'utf8');
    const labels: Record<string, string> = {
      pre_pitch: 'Pre-Pitch', pitching: 'Pitching', product_testing: 'Product Testing', price_offering: 'Price Offering',
      contract_negotiation: 'Contract Negotiation', closed_won: 'Closed Won', closed_lost: 'Closed Lost',
    };
    const newline = raw.indexOf('\n');
    const header = raw.slice(0, newline).trimEnd().split(',')
      .map((h) => (h.startsWith('date_entered_') ? `"Date entered ""${labels[h.slice('date_entered_'.length)]} (Sales Pipeline)"""` : h));
    const dir = mkdtempSync(join(tmpdir(), 'funnel-hubspot-labels-'));
    const file = join(dir, 'hubspot-crm-exports-all-deals.csv');
    writeFileSync(file, header.join(',') + '\r' + raw.slice(newline));
    const config = join(dir, 'funnel.config.json');
    writeFileSync(config, JSON.stringify({
      stages: ['pre_pitch', 'pitching', 'product_testing', 'price_offering', 'contract_negotiation', 'closed_won'],
      stageAliases: { 'Pre-Pitch': 'pre_pitch', 'Product Testing': 'product_testing', 'Price Offering': 'price_offering', 'Contract Negotiation': 'contract_negotiation', 'Closed Won': 'closed_won' },
      columns: { leads: { id: 'deal_id', created_at: 'create_date' } },
      stageColumns: { leads: ['Date entered "{stage} (*)"'] },
    }));
    const report = await json(['stages', '--config', config, '--leads', file, '--as-of', '2026-04-01']);
    expect(stagesOf(report)).toEqual(expected.hubspot_stages);
  });
});

describe('Zoho CRM sample: dates written "15 Apr, 2021 00:02:00", costs "$141.56K" (dateFormats, K suffix)', () => {
  const ZOHO = join(DATASETS, 'zoho-crm-sample-export');
  const config = join(ROOT, 'test', 'data', 'zoho-formats.config.json');

  it('deals per month: created, won and revenue, as computed independently', async () => {
    const report = await json(['deals', '--config', config, '--deals', join(ZOHO, 'Potentials.csv'), '--period', 'month', '--as-of', '2022-01-01']);
    expect(report.inputs.deals).toMatchObject({ rows: 3632, accepted: 3632, rejected: 0 });
    const got = Object.fromEntries(report.rows.filter((r: Record<string, number>) => r.created + r.won > 0)
      .map((r: Record<string, number>) => [r.period, { created: r.created, won: r.won, revenue: r.revenue }]));
    expect(got).toEqual(expected.zoho_deals_by_month);
  });

  it('spend per campaign type from the K-suffixed Actual Cost, as computed independently', async () => {
    const report = await json(['marketing', '--config', config, '--spend', join(ZOHO, 'Campaigns.csv'), '--by', 'source', '--as-of', '2022-01-01']);
    expect(report.inputs.spend).toMatchObject({ rows: 110, accepted: 110, rejected: 0 });
    expect(Object.fromEntries(report.rows.map((r: Record<string, never>) => [r.source, r.spend]))).toEqual(expected.zoho_spend_by_type);
  });
});

describe('B2B paid media MQLs.csv: a list of MQLs without lead ids (anonymous stage entries)', () => {
  const MQLS = join(DATASETS, 'b2b-paid-media-funnel', 'MQLs.csv');
  const args = ['stages', '--config', join(ROOT, 'test', 'data', 'b2b-mqls.config.json'), '--events', MQLS, '--delimiter', ';', '--attribution', 'period', '--as-of', '2023-02-01'];
  const mqls = (rows: Record<string, string | number | null>[], key: (r: Record<string, string | number | null>) => string) =>
    Object.fromEntries(rows.filter((r) => r.stage === 'mql').map((r) => [key(r), r.reached]));

  it('each row one entry into the mql stage, per month (no --leads; no earlier stage implied)', async () => {
    const report = await json([...args, '--period', 'month']);
    expect(report.inputs.events).toMatchObject({ rows: 433, accepted: 433, rejected: 0 });
    expect(mqls(report.rows, (r) => r.period as string)).toEqual(expected.b2b_mqls_by_month);
    expect(expected.b2b_mqls_by_month).toEqual({ '2022-11': 118, '2022-12': 122, '2023-01': 193 }); // the dataset README
    expect(report.rows.filter((r: Record<string, unknown>) => r.stage === 'lead').every((r: Record<string, unknown>) => r.reached === 0)).toBe(true);
  });

  it('grouped by their own UTM_Medium', async () => {
    const report = await json([...args, '--period', 'month', '--by', 'source']);
    expect(mqls(report.rows, (r) => `${r.period} ${r.source}`)).toEqual(expected.b2b_mqls_by_month_medium);
  });
});

describe('B2B paid media: the whole funnel as four stage lists without ids, one config (per-file inputs)', () => {
  it('each file one entry per row into its stage, per month: the README example', async () => {
    const report = await json(['stages', '--config', example('b2b-paid-media'), '--attribution', 'period', '--period', 'month', '--as-of', '2024-01-01']);
    expect(report.inputs.leads).toMatchObject({ rows: 2262, accepted: 2262, rejected: 0 });
    expect(report.inputs.events).toMatchObject({ rows: 433 + 54 + 9, accepted: 433 + 54 + 9, rejected: 0 });
    const got = Object.fromEntries(report.rows.filter((r: Record<string, number>) => r.reached > 0).map((r: Record<string, string | number>) => [`${r.period} ${r.stage}`, r.reached]));
    expect(got).toEqual(expected.b2b_funnel_by_month);
  });
});
