/**
 * The registry of every metric, per view. It drives the engine (which metrics a view computes,
 * in which order), `--metrics` validation and `funnel metrics`, so the documentation cannot drift
 * from the code.
 */
import { closest } from 'fastest-levenshtein';
import { usageError } from '../errors.js';
import type { InputKind } from '../config.js';
import type { Unit } from './types.js';
import { DEAL_METRICS } from '../views/deals.js';
import { STAGE_METRICS, MATURE_KEY, MATURE_FORMULA } from '../views/stages.js';
import { MARKETING_METRICS } from '../views/marketing.js';
import { CUSTOMER_METRICS } from '../views/customers.js';
import { MRR_METRICS } from '../views/mrr.js';
import { QUALITY_METRICS } from '../views/quality.js';

export interface MetricInfo { key: string; formula: string; unit: Unit; inputs: readonly InputKind[] }

export const VIEW_METRICS = {
  stages: [...STAGE_METRICS, { key: MATURE_KEY, formula: MATURE_FORMULA, unit: 'flag' as Unit, inputs: ['leads'] as const }],
  deals: DEAL_METRICS,
  marketing: MARKETING_METRICS,
  customers: CUSTOMER_METRICS,
  mrr: MRR_METRICS,
  quality: QUALITY_METRICS,
} satisfies Record<string, readonly MetricInfo[]>;

export type ViewName = keyof typeof VIEW_METRICS;
export const VIEW_NAMES = Object.keys(VIEW_METRICS) as ViewName[];

/** Parses --metrics for the given views: unknown names are a usage error listing the valid ones. */
export function selectMetrics(raw: string | undefined, views: readonly ViewName[]): Set<string> | undefined {
  if (raw === undefined) return undefined;
  const valid = [...new Set(views.flatMap((v) => VIEW_METRICS[v].map((m) => m.key)))];
  const wanted = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!wanted.length) throw usageError('BAD_METRICS', `--metrics needs at least one metric name (valid: ${valid.join(', ')})`);
  for (const name of wanted) {
    if (!valid.includes(name)) {
      throw usageError('UNKNOWN_METRIC', `unknown metric "${name}"; did you mean "${closest(name, valid)}"? (valid for ${views.join(', ')}: ${valid.join(', ')}; see funnel metrics)`);
    }
  }
  return new Set(wanted);
}
