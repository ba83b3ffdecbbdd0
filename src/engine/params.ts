/**
 * Common view parameters: grouping (--by), period, the [from, to) range, as-of.
 */
import type { Config } from '../ingest/config.js';
import { usageError } from '../core/errors.js';
import { parseIsoTimestamp } from '../ingest/values.js';
import { PeriodScheme, type Period } from './periods.js';

export interface ViewParams {
  by: string[];
  period: Period;
  from?: number;
  to?: number;
  asOf: number;
  config: Config;
  scheme: PeriodScheme;
}

export function parseFlagDate(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseIsoTimestamp(raw.trim());
  if (ms === undefined) throw usageError('BAD_DATE_FLAG', `${flag} "${raw}" is not a date (expected ISO 8601 such as 2024-03-01 or 2024-03-01T10:00:00Z)`);
  return ms;
}

export function parseBy(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const cols = raw.split(',').map((c) => c.trim().toLowerCase());
  if (cols.some((c) => c === '')) throw usageError('BAD_BY', `--by "${raw}": expected comma-separated column names, e.g. source,owner`);
  if (new Set(cols).size !== cols.length) throw usageError('BAD_BY', `--by "${raw}" names a column twice`);
  return cols;
}

export function makeParams(flags: { by?: string; period?: Period; from?: string; to?: string; asOf?: string }, config: Config, now: number): ViewParams {
  const from = parseFlagDate('--from', flags.from);
  const to = parseFlagDate('--to', flags.to);
  if (from !== undefined && to !== undefined && to <= from) throw usageError('BAD_RANGE', `--to ${flags.to} must be after --from ${flags.from}`);
  const period = flags.period ?? 'none';
  return {
    by: parseBy(flags.by), period, from, to,
    asOf: parseFlagDate('--as-of', flags.asOf) ?? now,
    config, scheme: new PeriodScheme(period, config.fiscalYearStartMonth),
  };
}

export const inRange = (p: ViewParams, ms: number) => (p.from === undefined || ms >= p.from) && (p.to === undefined || ms < p.to);

/** The JSON `params` block. */
export function paramsReport(p: ViewParams, extra: Record<string, unknown> = {}) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return { by: p.by, period: p.period, from: iso(p.from), to: iso(p.to), asOf: iso(p.asOf), ...extra };
}

/**
 * The --by value of a row that has none: a label no real value is merged with (a source named
 * "unknown" stays its own group), as web analytics tools show it.
 */
export const NOT_SET = '(not set)';

// What the reader keeps of a row for --by is ingest's to know (it reads the rows).
export { TYPED_GROUP_COLUMNS, rawGroupColumns } from '../ingest/group-columns.js';

/** Reads a grouping column of a row: a typed field when the input schema names it, else a dimension. */
export function groupValue(row: { dims: Record<string, string | undefined> } & object, col: string, typed: Record<string, string | undefined>): string {
  const v = col in typed ? typed[col] : row.dims[col];
  return v === undefined || v === '' ? NOT_SET : v;
}

/** A lead's --by values: source, campaign and owner are typed fields, anything else a dimension. */
export function leadGroup(lead: GroupedLead, by: readonly string[]): string[] {
  const out = new Array<string>(by.length);
  for (let i = 0; i < by.length; i++) out[i] = leadGroupValue(lead, by[i]);
  return out;
}

type GroupedLead = { source?: string; campaign?: string; owner?: string; dims: Record<string, string | undefined> };

/** A lead's value of one --by column (NOT_SET when missing). */
export function leadGroupValue(lead: GroupedLead, col: string): string {
  const v = col === 'source' ? lead.source : col === 'campaign' ? lead.campaign : col === 'owner' ? lead.owner : lead.dims[col];
  return v === undefined || v === '' ? NOT_SET : v;
}
