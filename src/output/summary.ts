/**
 * The headline metrics of a report: each view's last period and its change from the period
 * before, for the summary that opens a report (HTML; the terminal may use it too).
 */
import type { Unit } from '../metrics/types.js';
import type { Row, ViewReport } from './report.js';

export interface Headline {
  view: string;
  key: string;
  unit: Unit;
  period: string | null;
  value: number | null;
  /** The same metric in the period before (null when there is none or it is undefined). */
  previous: number | null;
  previousPeriod: string | null;
}

/** The metrics a summary shows, per view, in order. */
const HEADLINES: Record<string, string[]> = {
  stages: [],
  deals: ['revenue', 'won', 'win_rate', 'pipeline_value'],
  marketing: ['spend', 'cac', 'roas'],
  customers: [],
  mrr: ['mrr', 'net_new_mrr', 'customers', 'customer_churn_rate'],
  quality: ['completeness'],
};

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Only reports of one group per period are summarised (no --by): adding up groups would do for
 * sums but not for rates, and a summary that mixes both would mislead. The stages view gives the
 * leads of its first stage and the customers of its last (cohort counts).
 */
export function headlines(reports: readonly ViewReport[]): Headline[] {
  const out: Headline[] = [];
  for (const r of reports) {
    const by = (r.params.by as string[] | undefined) ?? [];
    if (by.length > 0) continue;
    const hasPeriod = r.columns.some((c) => c.key === 'period');
    const units = new Map(r.columns.map((c) => [c.key, c.unit]));
    if (r.view === 'stages') {
      const stages = [...new Set(r.rows.map((row) => String(row.stage)))];
      if (!stages.length || !units.has('reached')) continue;
      const periods = [...new Set(r.rows.map((row) => (hasPeriod ? String(row.period) : '')))];
      const reached = (period: string | undefined, stage: string) => {
        const row = r.rows.find((x) => (hasPeriod ? x.period === period : true) && x.stage === stage);
        return row ? num(row.reached) : null;
      };
      const last = periods.at(-1), before = periods.length > 1 ? periods.at(-2) : undefined;
      for (const stage of [stages[0], stages.at(-1)!]) {
        out.push({ view: r.view, key: `reached ${stage}`, unit: 'count', period: hasPeriod ? last! : null,
          value: reached(last, stage), previous: before === undefined ? null : reached(before, stage), previousPeriod: before ?? null });
      }
      continue;
    }
    const keys = HEADLINES[r.view] ?? [];
    const last: Row | undefined = r.rows.at(-1);
    if (!last) continue;
    const before: Row | undefined = hasPeriod && r.rows.length > 1 ? r.rows.at(-2) : undefined;
    for (const key of keys) {
      if (!units.has(key)) continue;
      out.push({
        view: r.view, key, unit: units.get(key)!, period: hasPeriod ? String(last.period) : null,
        value: num(last[key]), previous: before ? num(before[key]) : null, previousPeriod: before ? String(before.period) : null,
      });
    }
  }
  return out;
}

/** The change as people say it: rates in percentage points, other values in percent. */
export function changeText(h: Headline): string | null {
  if (h.value === null || h.previous === null) return null;
  const sign = (x: number) => (x > 0 ? '+' : x < 0 ? '−' : '±');
  if (h.unit === 'rate') {
    const pp = (h.value - h.previous) * 100;
    return `${sign(pp)}${Math.abs(pp).toFixed(1)} pp`;
  }
  if (h.previous === 0) return null;
  const pct = ((h.value - h.previous) / Math.abs(h.previous)) * 100;
  return `${sign(pct)}${Math.abs(pct).toFixed(1)}%`;
}
