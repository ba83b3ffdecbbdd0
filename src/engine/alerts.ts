/**
 * --alert 'win_rate < 0.2': evaluated on totals, and on every row with --alert-rows.
 * Parsed and checked against the metric registry before any input is read. A null value (a zero
 * denominator) never fires: there is nothing to compare.
 */
import { closest } from 'fastest-levenshtein';
import { escapeText, usageError } from '../core/errors.js';

export const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
type Operator = (typeof OPERATORS)[number];

export interface Alert { text: string; metric: string; op: Operator; threshold: number }

const EXPR = /^\s*([a-z_][a-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*$/i;

export function parseAlerts(texts: readonly string[], validMetrics: readonly string[]): Alert[] {
  return texts.map((text) => {
    const m = EXPR.exec(text);
    if (!m) throw usageError('BAD_ALERT', `--alert "${text}" is not an alert expression (expected METRIC OP NUMBER, e.g. 'win_rate < 0.2'; operators ${OPERATORS.join(' ')})`);
    const metric = m[1];
    if (!validMetrics.includes(metric)) {
      throw usageError('BAD_ALERT', `--alert "${text}": unknown metric "${metric}"; did you mean "${closest(metric, [...validMetrics])}"? (see funnel metrics)`);
    }
    const threshold = Number(m[3]);
    // 1e400 is Infinity: an alert against it would fire always (or never), whatever the data say.
    if (!Number.isFinite(threshold)) throw usageError('BAD_ALERT', `--alert "${text}": the threshold ${m[3]} is out of range (expected a finite number)`);
    return { text: text.trim(), metric, op: m[2] as Operator, threshold };
  });
}

const holds = (v: number, op: Operator, t: number) =>
  op === '<' ? v < t : op === '<=' ? v <= t : op === '>' ? v > t : op === '>=' ? v >= t : op === '==' ? v === t : v !== t;

export interface Breach { alert: Alert; view: string; where: string; value: number }

/** Evaluates the alerts on one view's totals (and rows); `groupKeys` name a row (period, --by, stage). */
export function evaluateAlerts(alerts: readonly Alert[], view: string, totals: Record<string, unknown> | Record<string, unknown>[],
  rows: Record<string, unknown>[], groupKeys: readonly string[], withRows: boolean): Breach[] {
  const breaches: Breach[] = [];
  const describe = (row: Record<string, unknown>, base: string) => {
    const parts = groupKeys.filter((k) => k in row).map((k) => escapeText(`${k}=${String(row[k])}`)); // group values come from the data
    return parts.length ? `${base} ${parts.join(' ')}` : base;
  };
  const check = (row: Record<string, unknown>, where: string) => {
    for (const alert of alerts) {
      const v = row[alert.metric];
      if (typeof v === 'number' && holds(v, alert.op, alert.threshold)) breaches.push({ alert, view, where, value: v });
    }
  };
  for (const t of Array.isArray(totals) ? totals : [totals]) check(t, describe(t, 'totals'));
  if (withRows) for (const r of rows) check(r, describe(r, 'row'));
  return breaches;
}

export const formatBreach = (b: Breach) =>
  `funnel: alert: ${b.view} ${b.where}: ${b.alert.metric} = ${b.value} (alert: ${b.alert.metric} ${b.alert.op} ${b.alert.threshold})`;
