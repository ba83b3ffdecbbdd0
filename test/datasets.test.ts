/**
 * The real public exports in ../shared/datasets, read through the config files a user would
 * write (examples/). Expected counts were established outside the tool:
 *   Maven:  tail -n +2 sales_pipeline.csv | wc -l                          → 8800 rows
 *           awk -F, 'NR>1 && $6=="" {n++} END {print n}' sales_pipeline.csv → 500 without engage_date
 *           (all Prospecting; the export has no creation date for them → rejected, never dropped)
 *           awk -F, 'NR>1 && ($5=="Won"||$5=="Lost") && ($7==""||$8=="")'  → 0 decided deals lacking close data
 *   Olist:  8000 MQL rows, 8000 distinct mql_id (cut -d, -f1 | sort -u | wc -l); 842 closed deals,
 *           842 distinct seller_id, none without won_date (python csv module: 16 rows have quoted fields)
 *   dbt:    tail -n +2 subscription_periods.csv | wc -l → 121; no empty start_date or monthly_amount.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DATASETS, ROOT, runMain } from './helpers/cli.js';

const example = (name: string) => join(ROOT, 'examples', name, 'funnel.config.json');
const counts = (json: string) => {
  const inputs = JSON.parse(json).inputs as Record<string, { rows: number; accepted: number; rejected: number }>;
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, [v.rows, v.accepted, v.rejected]]));
};

describe('real datasets validate through a user config', () => {
  it('Maven CRM sales pipeline: 8,800 rows, 500 Prospecting rows rejected for lacking engage_date', async () => {
    const r = await runMain(['validate', '--format', 'json', '--config', example('maven-crm'),
      '--deals', join(DATASETS, 'maven-crm-sales-opportunities', 'sales_pipeline.csv')]);
    expect(r.code).toBe(1);
    expect(counts(r.stdout)).toEqual({ deals: [8800, 8300, 500] });
    const reasons = new Set((JSON.parse(r.stdout).rejections as { reason: string }[]).map((x) => x.reason));
    expect([...reasons]).toEqual(['column "engage_date" (created_at): missing (required)']);
  });

  it('Olist marketing funnel: 8,000 leads and 842 won deals, nothing rejected', async () => {
    const dir = join(DATASETS, 'olist-marketing-funnel');
    const r = await runMain(['validate', '--format', 'json', '--config', example('olist'),
      '--leads', join(dir, 'olist_marketing_qualified_leads_dataset.csv'), '--deals', join(dir, 'olist_closed_deals_dataset.csv')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(counts(r.stdout)).toEqual({ leads: [8000, 8000, 0], deals: [842, 842, 0] });
  });

  it('dbt mrr-playbook subscriptions: 121 periods, nothing rejected', async () => {
    const r = await runMain(['validate', '--format', 'json', '--config', example('dbt-mrr'),
      '--subscriptions', join(DATASETS, 'dbt-mrr-playbook', 'subscription_periods.csv')]);
    expect(r.code).toBe(0);
    expect(counts(r.stdout)).toEqual({ subscriptions: [121, 121, 0] });
    expect(JSON.parse(r.stdout).inputs.subscriptions.sha256).toBe('eba22dd5a2e2fcdb797d626672612288d058cf1fd6b6fdc65976dea44ea552ea');
  });
});
