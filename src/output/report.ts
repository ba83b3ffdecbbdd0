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
}

export type Writer = (reports: ViewReport[], options: WriteOptions, combined?: { params: Record<string, unknown>; inputs: Record<string, unknown> }) => string;
