import { machineValue } from './cells.js';
import type { Row, ViewReport, Writer } from './report.js';

/** Rows written as `map` makes them, one at a time when written (a million rows are not all copied first). */
class MappedRows {
  constructor(readonly rows: readonly Row[], readonly map: (row: Row) => Record<string, unknown>) {}
  /** All at once, where JSON.stringify meets them (jsonPieces makes them one at a time). */
  toJSON(): Record<string, unknown>[] { return this.rows.map(this.map); }
}

export function viewJson(r: ViewReport) {
  const units = new Map(r.columns.map((c) => [c.key, c.unit]));
  const clean = (row: Row) => {
    // No prototype: a key such as "__proto__" (a --by column's name) stays a key, as Object.fromEntries keeps it.
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(row)) out[k] = machineValue(row[k], units.get(k) ?? 'text');
    return out;
  };
  return {
    view: r.view, params: r.params, inputs: r.inputs,
    rows: new MappedRows(r.rows, clean),
    totals: Array.isArray(r.totals) ? r.totals.map(clean) : clean(r.totals),
  };
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * `JSON.stringify(value, null, 2)` in pieces, the same text byte for byte: the objects and arrays
 * of the first `depth` levels a member at a time, deeper values by JSON.stringify (re-indented;
 * a line break in JSON text is always layout, never inside a string). For plain data (no toJSON)
 * and MappedRows.
 */
export function* jsonPieces(value: unknown, depth: number, indent = ''): Generator<string> {
  const inner = indent + '  ';
  // Rows made as they are written (MappedRows) are an array at any depth.
  if (value instanceof MappedRows || (depth > 0 && Array.isArray(value))) {
    const [items, map] = value instanceof MappedRows ? [value.rows, value.map] : [value as unknown[], undefined];
    if (items.length === 0) { yield '[]'; return; }
    yield '[\n';
    for (let i = 0; i < items.length; i++) {
      const item = map ? map(items[i] as Row) : items[i];
      yield inner;
      if (omitted(item)) yield 'null';
      else yield* jsonPieces(item, depth - 1, inner);
      yield i < items.length - 1 ? ',\n' : '\n';
    }
    yield indent + ']';
    return;
  }
  if (depth > 0 && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => !omitted(record[k]));
    if (keys.length === 0) { yield '{}'; return; }
    yield '{\n';
    for (let i = 0; i < keys.length; i++) {
      yield `${inner}${JSON.stringify(keys[i])}: `;
      yield* jsonPieces(record[keys[i]], depth - 1, inner);
      yield i < keys.length - 1 ? ',\n' : '\n';
    }
    yield indent + '}';
    return;
  }
  const text = JSON.stringify(value, null, 2);
  yield indent === '' ? text : text.replaceAll('\n', '\n' + indent);
}

// Rows are written one at a time: { rows: [ row, … ] } is two levels deep, three more in a combined report.
export const writeJson: Writer = function* (reports, _options, combined) {
  if (!combined) {
    yield* jsonPieces(viewJson(reports[0]), 2);
  } else {
    const views: Record<string, unknown> = {};
    for (const r of reports) {
      const { view: _v, inputs: _i, ...rest } = viewJson(r);
      views[r.view] = rest;
    }
    yield* jsonPieces({ params: combined.params, inputs: combined.inputs, views }, 4);
  }
  yield '\n';
};
