import { csvLine } from './csv-text.js';
import { machineValue, neutraliseFormula } from './cells.js';
import type { Column, Writer } from './report.js';

/**
 * A header row and one line per row (RFC 4180), nothing else. Text cells that a spreadsheet would
 * run as a formula, header cells included, are neutralised unless --raw-csv. A combined report adds
 * a leading `view` column and uses the union of the views' columns.
 */
export const writeCsv: Writer = function* (reports, options, combined) {
  const columns: Column[] = [];
  const seen = new Set<string>();
  for (const r of reports) for (const c of r.columns) if (!seen.has(c.key)) { seen.add(c.key); columns.push(c); }
  const cell = (value: unknown, c: Column): string => {
    const v = machineValue(value, c.unit);
    if (v === null || v === undefined) return '';
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    const text = String(v);
    return options.rawCsv ? text : neutraliseFormula(text);
  };
  // A header can be a column name from the input (a --by column): neutralised like a text cell.
  const keys = columns.map((c) => (options.rawCsv ? c.key : neutraliseFormula(c.key)));
  yield csvLine(combined ? ['view', ...keys] : keys);
  for (const r of reports) {
    for (const row of r.rows) {
      const cells = columns.map((c) => cell(row[c.key], c));
      yield csvLine(combined ? [r.view, ...cells] : cells);
    }
  }
};
