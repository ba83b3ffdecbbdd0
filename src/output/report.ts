import type { Unit } from '../metrics/types.js';

/** A column of a report: the period, a --by column, the stage, or a metric. */
export interface Column { key: string; unit: Unit }

export type Row = Record<string, unknown>;

/** One view's result, ready for any writer. */
export interface ViewReport {
  view: string;
  title: string;
  params: Record<string, unknown>;
  inputs: Record<string, unknown>;
  columns: Column[];
  rows: Row[];
  /** One totals row, or one per stage (stages view). */
  totals: Row | Row[];
}

export interface WriteOptions {
  color: boolean;
  /** Leave CSV text cells as they are (no formula neutralisation). */
  rawCsv: boolean;
  /**
   * Tables: the terminal's width in columns. Set only for a terminal (or a forced width): tables
   * then fit it, with human headers, a funnel and a summary. Unset, tables are never reflowed.
   */
  width?: number;
}

/**
 * A report's text, in pieces: a report of a million rows is more text than one string may hold
 * (V8 allows ≈ 512 MiB), and pieces can be written as they are made.
 */
export type Writer = (reports: ViewReport[], options: WriteOptions, combined?: { params: Record<string, unknown>; inputs: Record<string, unknown> }) => Iterable<string>;

/** A writer's pieces as one string (small reports, tests). */
export const textOf = (pieces: Iterable<string>): string => [...pieces].join('');

/**
 * Totals rows for tables and markdown. Without a period or --by column the rows already are the
 * totals (one group), so they are not repeated.
 */
export function humanTotals(r: ViewReport): Row[] {
  const grouped = r.columns.some((c) => c.key === 'period' || (r.params.by as string[] | undefined)?.includes(c.key));
  if (!grouped) return [];
  return Array.isArray(r.totals) ? r.totals : [r.totals];
}
