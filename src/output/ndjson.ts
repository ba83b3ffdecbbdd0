import { machineValue } from './cells.js';
import type { Writer } from './report.js';

/** One JSON row per line; in a combined report each row also names its view. */
export const writeNdjson: Writer = function* (reports, _options, combined) {
  for (const r of reports) {
    const units = new Map(r.columns.map((c) => [c.key, c.unit]));
    for (const row of r.rows) {
      const clean = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, machineValue(v, units.get(k) ?? 'text')]));
      yield JSON.stringify(combined ? { view: r.view, ...clean } : clean) + '\n';
    }
  }
};
