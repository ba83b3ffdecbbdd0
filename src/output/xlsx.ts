/**
 * --format xlsx: a workbook with a sheet per view, typed cells with number formats (percent,
 * money, days, dates), a frozen header row with filters, column widths from the contents, and a
 * sheet of the inputs and parameters. Written with write-excel-file (README: "Dependencies and
 * why"); it has no filters of its own, so a small feature below adds them.
 */
import writeXlsxFile, { type Cell, type Feature, type SheetData } from 'write-excel-file/node';
import type { Unit } from '../metrics/types.js';
import { machineValue, neutraliseFormula } from './cells.js';
import { humanLabel } from './labels.js';
import type { ViewReport } from './report.js';
import { wideTable, type Layout } from './wide.js';

/** Excel number formats by unit. */
const FORMATS: Partial<Record<Unit, string>> = {
  count: '#,##0', money: '#,##0.00', money_per_day: '#,##0.00', rate: '0.0%', days: '0.0', months: '0.0', ratio: '0.00',
};

export interface XlsxOptions { layout: Layout; rawCsv: boolean }

const BOLD = { fontWeight: 'bold' as const };
/** A header cell; a --by column's name comes from the input, so it is neutralised like any text. */
const headCell = (text: string, raw: boolean): Cell => ({ value: raw ? text : neutraliseFormula(text), type: String, ...BOLD });

/** A text cell from data: formula-like text neutralised as in CSV (unless --raw-csv). */
const textCell = (value: unknown, raw: boolean): Cell => {
  if (value === null || value === undefined) return null;
  const text = String(value);
  return { type: String, value: raw ? text : neutraliseFormula(text) };
};

/** A period label as a date cell when it is one (day, month), else text. */
function periodCell(label: unknown, raw: boolean): Cell {
  const text = String(label ?? '');
  let m = /^(\d{4})-(\d{2})$/.exec(text);
  if (m) return { type: Date, value: new Date(Date.UTC(+m[1], +m[2] - 1, 1)), format: 'yyyy-mm' };
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return { type: Date, value: new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])), format: 'yyyy-mm-dd' };
  return textCell(text, raw);
}

function valueCell(value: unknown, unit: Unit): Cell {
  const v = machineValue(value, unit);
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return { type: Boolean, value: v };
  if (typeof v === 'number') return { type: Number, value: v, format: FORMATS[unit] };
  return { type: String, value: String(v) };
}

interface SheetOut { name: string; data: SheetData; widths: number[] }

function longSheet(r: ViewReport, raw: boolean): SheetData {
  const data: SheetData = [r.columns.map((c) => headCell(humanLabel(c.key), raw))];
  for (const row of r.rows) {
    data.push(r.columns.map((c) => (c.key === 'period' ? periodCell(row[c.key], raw) : c.unit === 'text' ? textCell(row[c.key], raw) : valueCell(row[c.key], c.unit))));
  }
  return data;
}

function wideSheet(r: ViewReport, raw: boolean): SheetData {
  const wide = wideTable(r, false);
  const data: SheetData = [[...wide.keys.map((k) => headCell(humanLabel(k), raw)), ...wide.periods.map((p) => headCell(p, raw))]];
  for (const w of wide.rows) {
    data.push([...wide.keys.map((k) => (k === 'metric' ? textCell(humanLabel(w.metric), true) : textCell(w.keys[k], raw))), ...w.values.map((v) => valueCell(v, w.unit))]);
  }
  return data;
}

/** Column widths in characters, from the longest text each column shows (within limits). */
function widths(data: SheetData): number[] {
  const out: number[] = [];
  for (const row of data) {
    row.forEach((cell, i) => {
      const c = cell as { value?: unknown; format?: string } | null;
      const v = c?.value;
      const length = v instanceof Date ? 10 : typeof v === 'number' ? Math.min(18, String(Math.round(v)).length + 5) : String(v ?? '').length;
      out[i] = Math.max(out[i] ?? 8, Math.min(40, length + 2));
    });
  }
  return out;
}

/** Sheet names: at most 31 characters, none of : \ / ? * [ ], unique. */
function sheetName(wanted: string, taken: Set<string>): string {
  const base = wanted.replace(/[:\\/?*[\]]/g, '_').slice(0, 31) || 'sheet';
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base.slice(0, 28)} ${i}`;
  taken.add(name.toLowerCase());
  return name;
}

function inputsSheet(reports: readonly ViewReport[], combined: { params: Record<string, unknown>; inputs: Record<string, unknown> } | undefined): SheetData {
  const params = combined?.params ?? reports[0]?.params ?? {};
  const inputs = combined?.inputs ?? reports[0]?.inputs ?? {};
  const head = (...texts: string[]) => texts.map((t) => ({ value: t, type: String, ...BOLD }));
  const data: SheetData = [head('input', 'file', 'format', 'sha256', 'bytes', 'rows', 'accepted', 'rejected')];
  for (const [kind, entry] of Object.entries(inputs)) {
    const e = entry as { files?: Record<string, unknown>[] } & Record<string, unknown>;
    for (const f of e.files ?? [e]) {
      data.push([textCell(kind, true), textCell(f.file, false), textCell(f.format, true), textCell(f.sha256, true),
        valueCell(f.bytes, 'count'), valueCell(f.rows, 'count'), valueCell(f.accepted, 'count'), valueCell(f.rejected, 'count')]);
    }
  }
  data.push([], head('parameter', 'value'));
  for (const [key, value] of Object.entries(params)) {
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (key === 'asOf' && typeof value === 'string') data.push([textCell(key, true), { type: Date, value: new Date(value), format: 'yyyy-mm-dd hh:mm' }]);
    else data.push([textCell(key, true), typeof text === 'number' ? valueCell(text, 'ratio') : textCell(text ?? '', false)]);
  }
  data.push([textCell('views', true), textCell(reports.map((r) => r.view).join(', '), true)]);
  return data;
}

const column = (i: number) => { let s = ''; for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s; return s; };

/** Filters on the header row of the view sheets (write-excel-file has none of its own). */
function filters(ranges: (string | undefined)[], names: string[]): Feature<never> {
  return {
    files: {
      transform: {
        'xl/worksheets/sheet{id}.xml': {
          transform: (xml: string, _options: unknown, { sheetIndex }: { sheetIndex: number }) =>
            ranges[sheetIndex] ? xml.replace('</sheetData>', `</sheetData><autoFilter ref="${ranges[sheetIndex]}"/>`) : xml,
        },
        'xl/workbook.xml': {
          // Excel names each filtered range _xlnm._FilterDatabase, one per sheet.
          transform: (xml: string) => {
            const names_ = ranges.map((ref, i) => ref ? `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">'${names[i].replaceAll("'", "''").replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)}'!$${ref.replace(':', ':$').replace(/([A-Z]+)(\d+)/g, '$1$$$2')}</definedName>` : '').join('');
            return names_ && !xml.includes('<definedNames>') ? xml.replace('</sheets>', `</sheets><definedNames>${names_}</definedNames>`) : xml;
          },
        },
      },
    },
  } as unknown as Feature<never>;
}

export async function workbook(reports: readonly ViewReport[], options: XlsxOptions, combined?: { params: Record<string, unknown>; inputs: Record<string, unknown> }): Promise<Uint8Array> {
  const taken = new Set<string>();
  const sheets: SheetOut[] = [];
  for (const r of reports) {
    const data = options.layout === 'wide' ? wideSheet(r, options.rawCsv) : longSheet(r, options.rawCsv);
    sheets.push({ name: sheetName(r.view, taken), data, widths: widths(data) });
  }
  const about = inputsSheet(reports, combined);
  sheets.push({ name: sheetName('inputs', taken), data: about, widths: widths(about).map((w, i) => (i === 3 ? 20 : w)) });
  const ranges = sheets.map((s, i) => (i < reports.length ? `A1:${column(Math.max(0, s.data[0].length - 1))}${s.data.length}` : undefined));
  return writeXlsxFile(
    sheets.map((s, i) => ({ data: s.data, sheet: s.name, columns: s.widths.map((width) => ({ width })), stickyRowsCount: i < reports.length ? 1 : undefined })),
    // The last overload (sheets, options) is the one called; its options type names the feature's file type.
    { features: [filters(ranges, sheets.map((s) => s.name))] } as unknown as Parameters<typeof writeXlsxFile>[1],
  ).toBuffer();
}
