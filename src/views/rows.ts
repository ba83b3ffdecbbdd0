import type { GroupCell } from '../engine/groups.js';
import type { ViewParams } from '../engine/params.js';
import type { Metric, MetricContext } from '../metrics/types.js';

const ctx: MetricContext<never> = { holdsAsOf: true };

/** One output row per group × period: the period label, the --by values, then the metrics. */
export function groupRows<M>(cells: GroupCell<M>[], p: ViewParams, metrics: Metric<M>[]): Record<string, unknown>[] {
  return cells.map((cell) => {
    const row: Record<string, unknown> = {};
    if (p.period !== 'none') row.period = p.scheme.label(cell.period);
    p.by.forEach((col, i) => { row[col] = cell.by[i]; });
    for (const metric of metrics) row[metric.key] = metric.result(cell.m, ctx);
    return row;
  });
}

export function totalsRow<M>(m: M, metrics: Metric<M>[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const metric of metrics) row[metric.key] = metric.result(m, ctx);
  return row;
}
