import { machineValue } from './cells.js';
import type { Row, ViewReport, Writer } from './report.js';

export function viewJson(r: ViewReport) {
  const units = new Map(r.columns.map((c) => [c.key, c.unit]));
  const clean = (row: Row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, machineValue(v, units.get(k) ?? 'text')]));
  return {
    view: r.view, params: r.params, inputs: r.inputs,
    rows: r.rows.map(clean),
    totals: Array.isArray(r.totals) ? r.totals.map(clean) : clean(r.totals),
  };
}

export const writeJson: Writer = (reports, _options, combined) => {
  if (!combined) return JSON.stringify(viewJson(reports[0]), null, 2) + '\n';
  const views: Record<string, unknown> = {};
  for (const r of reports) {
    const { view: _v, inputs: _i, ...rest } = viewJson(r);
    views[r.view] = rest;
  }
  return JSON.stringify({ params: combined.params, inputs: combined.inputs, views }, null, 2) + '\n';
};
