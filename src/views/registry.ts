/**
 * The registry of every metric, per view, read from the views table. It drives the engine (which
 * metrics a view computes, in which order), `--metrics` validation and `funnel metrics`, so the
 * documentation cannot drift from the code.
 */
import { closest } from 'fastest-levenshtein';
import { usageError } from '../core/errors.js';
import { VIEWS, type ViewName } from './table.js';
import type { MetricInfo } from './view.js';

export type { MetricInfo } from './view.js';
export type { ViewName } from './table.js';

export const VIEW_METRICS = Object.fromEntries(VIEWS.map((v) => [v.name, v.metrics])) as Record<ViewName, readonly MetricInfo[]>;

export const VIEW_NAMES: ViewName[] = VIEWS.map((v) => v.name);

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
