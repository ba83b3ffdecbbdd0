/**
 * --layout wide: one row per group × metric, one column per period, as a monthly summary is laid
 * out in a spreadsheet. The group keys are the --by columns (and the stage, in the stages view);
 * every metric of the long report becomes a row, in the view's order.
 */
import type { Unit } from '../metrics/types.js';
import { humanValue, machineValue } from './cells.js';
import type { Column, Row, ViewReport } from './report.js';
import { humanLabel } from './labels.js';

export const LAYOUTS = ['long', 'wide'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** The formats that can be laid out wide (the others are records, or a page of their own). */
export const WIDE_FORMATS: readonly string[] = ['csv', 'xlsx', 'markdown', 'table'];

/** The wide table before its cells become text: the metric's unit travels with each row. */
export interface WideTable {
  /** Group key columns (text), then `metric`. */
  keys: string[];
  /** Period labels in order ("all" without --period); a `total` column when there is one. */
  periods: string[];
  rows: { keys: Record<string, unknown>; metric: string; unit: Unit; values: unknown[] }[];
}

/**
 * Periods sort as their labels do (every label of one report has the same shape: 2024-Q1,
 * 2024-03, 2024-W09, FY2024). Totals become a `total` column when the report has one group per
 * period (no --by): with --by the totals are over every group, so they belong to no row.
 */
export function wideTable(r: ViewReport, withTotals: boolean): WideTable {
  const hasPeriod = r.columns.some((c) => c.key === 'period');
  const groupColumns = r.columns.filter((c) => c.unit === 'text' && c.key !== 'period').map((c) => c.key);
  const metrics = r.columns.filter((c) => c.unit !== 'text');
  const periods = hasPeriod ? [...new Set(r.rows.map((row) => String(row.period)))].sort() : ['all'];
  const at = new Map(periods.map((p, i) => [p, i]));
  const by = (r.params.by as string[] | undefined) ?? [];
  const totals = withTotals && hasPeriod && by.length === 0 ? (Array.isArray(r.totals) ? r.totals : [r.totals]) : [];
  const width = periods.length + (totals.length ? 1 : 0);
  const groups = new Map<string, { keys: Record<string, unknown>; values: Map<string, unknown[]> }>();
  const groupOf = (row: Row) => {
    const id = JSON.stringify(groupColumns.map((k) => row[k] ?? null));
    let g = groups.get(id);
    if (!g) {
      g = { keys: Object.fromEntries(groupColumns.map((k) => [k, row[k]])), values: new Map(metrics.map((m) => [m.key, new Array<unknown>(width).fill(null)])) };
      groups.set(id, g);
    }
    return g;
  };
  for (const row of r.rows) {
    const g = groupOf(row);
    const i = hasPeriod ? at.get(String(row.period))! : 0;
    for (const m of metrics) g.values.get(m.key)![i] = row[m.key] ?? null;
  }
  for (const t of totals) {
    const g = groupOf(t);
    for (const m of metrics) g.values.get(m.key)![periods.length] = t[m.key] ?? null;
  }
  const rows: WideTable['rows'] = [];
  for (const g of groups.values()) for (const m of metrics) rows.push({ keys: g.keys, metric: m.key, unit: m.unit, values: g.values.get(m.key)! });
  return { keys: [...groupColumns, 'metric'], periods: totals.length ? [...periods, 'total'] : periods, rows };
}

/**
 * The wide table as a report the csv, markdown and table writers take: cells already in their
 * final form (machine numbers and metric keys for CSV; text and labels as a person reads them for
 * tables), since one column now holds metrics of several units. Period columns are marked numeric so tables right-align them.
 */
export function widen(r: ViewReport, cells: 'machine' | 'human'): ViewReport {
  const wide = wideTable(r, cells === 'human');
  const columns: Column[] = [...wide.keys.map((key) => ({ key, unit: 'text' as Unit })), ...wide.periods.map((key) => ({ key, unit: 'ratio' as Unit }))];
  const rows = wide.rows.map((w) => {
    const row: Row = Object.create(null);
    for (const k of wide.keys) row[k] = k !== 'metric' ? w.keys[k] : cells === 'machine' ? w.metric : humanLabel(w.metric);
    wide.periods.forEach((p, i) => {
      const v = w.values[i];
      row[p] = v === null || v === undefined ? null : cells === 'machine' ? machineValue(v, w.unit) : humanValue(v, w.unit);
    });
    return row;
  });
  return { ...r, columns, rows, totals: [] };
}
