/**
 * Reads one sheet of an .xlsx workbook as rows of typed cells, streaming the sheet.
 *
 * An .xlsx file is a zip archive of XML parts. yauzl reads the archive's directory and inflates one part
 * at a time (Node's zlib); saxes parses the XML. The shared-string table, the styles and the workbook
 * part are read whole (a sheet's cells point into them); the sheet itself is parsed as it inflates, so
 * memory holds the strings of the workbook and one chunk of the sheet, never the whole sheet.
 * Chosen by measurement against exceljs, read-excel-file and SheetJS: docs/performance.md, "Reading .xlsx".
 *
 * Cells come typed: a string, a number, a boolean, a date ({ date: UTC milliseconds }) or undefined for
 * an empty cell. A number cell is a date when its number format shows a date (Excel stores dates as day
 * counts, "serial dates"); the workbook's date system (1900, with Excel's phantom 29 Feb 1900, or 1904)
 * is honoured. Each row carries its row number in the sheet, which is what a user sees in Excel.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import yauzl from 'yauzl';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { FunnelError, dataError, showValue } from '../../core/errors.js';

/** A date cell: the time in UTC milliseconds (a workbook's times carry no zone; they are read as UTC). */
export interface XlsxDate { readonly date: number }
export type XlsxCell = string | number | boolean | XlsxDate | undefined;

export interface XlsxRow {
  /** The row's number in the sheet, 1-based, as Excel shows it. */
  readonly row: number;
  /** Cells by column (A = 0); empty cells are undefined. Never empty: blank rows are not yielded. */
  readonly cells: XlsxCell[];
}

export interface XlsxOptions {
  /** A sheet name (as the tab shows it) or a 1-based position; default: the first sheet. */
  sheet?: string | number;
}

export const isXlsxDate = (cell: XlsxCell): cell is XlsxDate => typeof cell === 'object';

/** An open workbook: its sheet names and its date system; `rows()` streams the chosen sheet. */
export interface XlsxSheet {
  readonly file: string;
  /** The sheet read, by name. */
  readonly sheet: string;
  /** Every sheet of the workbook, in tab order. */
  readonly sheets: readonly string[];
  readonly date1904: boolean;
  rows(): AsyncGenerator<XlsxRow>;
  /** Closes the file without reading the rows (reading them to the end, or stopping early, closes it too). */
  close(): void;
}

// ---- opening ------------------------------------------------------------------------------

interface SheetRef { name: string; path: string | undefined }

/** Opens `path` and picks the sheet; the sheet's rows are read only when `rows()` is iterated. */
export async function openXlsx(path: string, options: XlsxOptions = {}): Promise<XlsxSheet> {
  const zip = await openZip(path);
  try {
    const entries = await listEntries(zip, path);
    const part = (name: string) => readPart(zip, entries, name, path);
    const workbookPath = findOfficeDocument(await part('_rels/.rels')) ?? 'xl/workbook.xml';
    const workbookXml = await part(workbookPath);
    if (workbookXml === undefined) {
      throw dataError('NOT_XLSX', `${path}: is a zip archive but not an .xlsx workbook (it has no ${workbookPath})`);
    }
    const rels = parseRels(await part(relsPathOf(workbookPath)), workbookPath);
    const workbook = parseWorkbook(workbookXml, rels, path);
    const ref = chooseSheet(workbook.sheets, options.sheet, path);
    if (ref.path === undefined || !entries.has(ref.path)) {
      throw dataError('NOT_XLSX', `${path}: sheet ${showValue(ref.name)} has no cells part in the workbook (a chart sheet?)`);
    }
    const strings = rels.sharedStrings ? parseSharedStrings(await part(rels.sharedStrings), path) : [];
    const dateStyles = rels.styles ? parseDateStyles(await part(rels.styles), path) : [];
    const sheetEntry = entries.get(ref.path)!;
    const sheetPath = ref.path;
    const { date1904 } = workbook;
    let used = false;
    return {
      file: path, sheet: ref.name, sheets: workbook.sheets.map((s) => s.name), date1904,
      rows() {
        if (used) throw new Error('XlsxSheet.rows() may be iterated once');
        used = true;
        return streamSheet(zip, sheetEntry, sheetPath, path, { strings, dateStyles, date1904 });
      },
      close() { if (!used) zip.close(); },
    };
  } catch (err) {
    zip.close();
    throw err;
  }
}

/** Convenience: the rows of one sheet (see openXlsx). */
export async function* readXlsxRows(path: string, options: XlsxOptions = {}): AsyncGenerator<XlsxRow> {
  yield* (await openXlsx(path, options)).rows();
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (err, zip) => {
      if (!err) return resolve(zip);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return reject(dataError('UNREADABLE', `${path}: no such file`, err));
      if (code === 'EISDIR') return reject(dataError('UNREADABLE', `${path}: is a directory, not a file`, err));
      if (code === 'EACCES' || code === 'EPERM') return reject(dataError('UNREADABLE', `${path}: permission denied`, err));
      if (code) return reject(dataError('UNREADABLE', `${path}: cannot read (${code})`, err));
      reject(notAWorkbook(path, err));
    });
  });
}

/** The one-line error for a file that is not a zip archive, naming what it looks like when that is known. */
function notAWorkbook(path: string, cause: unknown): Error {
  let what = 'not an .xlsx workbook (not a zip archive)';
  try {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    closeSync(fd);
    // An OLE compound file: an Excel 97–2003 .xls, or an .xlsx encrypted with a password.
    if (n === 8 && head.readUInt32BE(0) === 0xd0cf11e0 && head.readUInt32BE(4) === 0xa1b11ae1) {
      what = 'an old-format (.xls) or password-protected workbook, not an .xlsx; save it from Excel as .xlsx without a password, or as CSV';
    } else if (n === 0) {
      what = 'is empty (expected an .xlsx workbook)';
    }
  } catch { /* keep the plain message */ }
  return dataError('NOT_XLSX', `${path}: ${what}`, cause);
}

function listEntries(zip: yauzl.ZipFile, path: string): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, yauzl.Entry>();
    zip.on('entry', (entry: yauzl.Entry) => { entries.set(entry.fileName, entry); zip.readEntry(); });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err) => reject(dataError('NOT_XLSX', `${path}: is a damaged zip archive, not a readable .xlsx workbook (${err.message})`, err)));
    zip.readEntry();
  });
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) reject(dataError('NOT_XLSX', `${path}: the part ${entry.fileName} of the workbook cannot be read (${err.message})`, err));
      else resolve(stream);
    });
  });
}

/** A whole (small) part as text; undefined when the archive has no such part. */
async function readPart(zip: yauzl.ZipFile, entries: Map<string, yauzl.Entry>, name: string, path: string): Promise<string | undefined> {
  const entry = entries.get(name);
  if (!entry) return undefined;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of await entryStream(zip, entry, path)) chunks.push(chunk as Buffer);
  } catch (err) {
    throw damaged(path, name, err);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const damaged = (path: string, part: string, err: unknown) =>
  (err as { code?: unknown }).code === 'NOT_XLSX' ? err as Error
    : dataError('NOT_XLSX', `${path}: the part ${part} of the workbook is damaged (${(err as Error).message})`, err);

// ---- the small parts ----------------------------------------------------------------------

/** Calls onOpen/onText/onClose over a whole XML text; XML errors become one-line data errors. */
function parseXml(xml: string, path: string, part: string, handlers: {
  open?: (tag: SaxesTagPlain) => void; text?: (text: string) => void; close?: (name: string) => void;
}): void {
  const parser = new SaxesParser();
  if (handlers.open) parser.on('opentag', handlers.open);
  if (handlers.text) { parser.on('text', handlers.text); parser.on('cdata', handlers.text); }
  if (handlers.close) { const close = handlers.close; parser.on('closetag', (tag) => close(tag.name)); }
  try {
    parser.write(xml).close();
  } catch (err) {
    throw damaged(path, part, err);
  }
}

/** The element's local name (`x:sheet` → `sheet`): writers differ in the prefixes they use. */
const local = (name: string) => { const i = name.indexOf(':'); return i < 0 ? name : name.slice(i + 1); };
/** An attribute by local name (`r:id` → `id` when asked for `:id`). */
function attr(tag: SaxesTagPlain, name: string): string | undefined {
  const direct = tag.attributes[name];
  if (direct !== undefined) return direct;
  for (const key in tag.attributes) if (local(key) === name && key.includes(':')) return tag.attributes[key];
  return undefined;
}

function findOfficeDocument(xml: string | undefined): string | undefined {
  if (xml === undefined) return undefined;
  let target: string | undefined;
  parseXml(xml, '', '_rels/.rels', {
    open: (tag) => {
      if (local(tag.name) === 'Relationship' && /\/officeDocument$/.test(tag.attributes.Type ?? '') && target === undefined) {
        target = resolvePart('', tag.attributes.Target ?? '');
      }
    },
  });
  return target;
}

const relsPathOf = (part: string) => {
  const slash = part.lastIndexOf('/');
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
};

/** A relationship target relative to its source part's folder (or absolute, from the archive's root). */
function resolvePart(fromPart: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = fromPart.split('/').slice(0, -1);
  for (const piece of target.split('/')) {
    if (piece === '..') parts.pop();
    else if (piece !== '.' && piece !== '') parts.push(piece);
  }
  return parts.join('/');
}

interface WorkbookRels { byId: Map<string, string>; sharedStrings?: string; styles?: string }

function parseRels(xml: string | undefined, workbookPath: string): WorkbookRels {
  const rels: WorkbookRels = { byId: new Map() };
  if (xml === undefined) return rels;
  parseXml(xml, '', relsPathOf(workbookPath), {
    open: (tag) => {
      if (local(tag.name) !== 'Relationship' || tag.attributes.TargetMode === 'External') return;
      const target = resolvePart(workbookPath, tag.attributes.Target ?? '');
      const type = tag.attributes.Type ?? '';
      if (tag.attributes.Id) rels.byId.set(tag.attributes.Id, target);
      if (/\/sharedStrings$/.test(type)) rels.sharedStrings = target;
      else if (/\/styles$/.test(type)) rels.styles = target;
    },
  });
  return rels;
}

function parseWorkbook(xml: string, rels: WorkbookRels, path: string): { sheets: SheetRef[]; date1904: boolean } {
  const sheets: SheetRef[] = [];
  let date1904 = false;
  parseXml(xml, path, 'workbook', {
    open: (tag) => {
      const name = local(tag.name);
      if (name === 'workbookPr') {
        const value = tag.attributes.date1904;
        date1904 = value === '1' || value === 'true';
      } else if (name === 'sheet') {
        const id = attr(tag, 'id');
        sheets.push({ name: tag.attributes.name ?? `Sheet${sheets.length + 1}`, path: id === undefined ? undefined : rels.byId.get(id) });
      }
    },
  });
  if (sheets.length === 0) throw dataError('NOT_XLSX', `${path}: the workbook has no sheets`);
  return { sheets, date1904 };
}

function chooseSheet(sheets: SheetRef[], wanted: string | number | undefined, path: string): SheetRef {
  const list = () => sheets.map((s, i) => `${i + 1} ${showValue(s.name)}`).join(', ');
  if (wanted === undefined) return sheets[0]!;
  if (typeof wanted === 'number') {
    if (Number.isInteger(wanted) && wanted >= 1 && wanted <= sheets.length) return sheets[wanted - 1]!;
    throw dataError('MISSING_SHEET', `${path}: has no sheet number ${wanted} (it has ${sheets.length}: ${list()})`);
  }
  const exact = sheets.find((s) => s.name === wanted);
  if (exact) return exact;
  // Excel itself treats sheet names case-insensitively (two tabs cannot differ by case alone).
  const folded = sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase());
  if (folded) return folded;
  throw dataError('MISSING_SHEET', `${path}: has no sheet ${showValue(wanted)} (its sheets: ${list()})`);
}

/**
 * The shared-string table. A string item is its `<t>` texts joined: one plain `<t>`, or the runs of
 * rich text (`<r><t>`); phonetic guides (`<rPh>`) are not part of the text.
 */
function parseSharedStrings(xml: string | undefined, path: string): string[] {
  const strings: string[] = [];
  if (xml === undefined) return strings;
  let inItem = false, inText = false, phonetic = 0, text = '';
  parseXml(xml, path, 'sharedStrings', {
    open: (tag) => {
      const name = local(tag.name);
      if (name === 'si') { inItem = true; text = ''; } else if (name === 'rPh') phonetic++;
      else if (name === 't' && inItem && phonetic === 0) inText = true;
    },
    text: (t) => { if (inText) text += t; },
    close: (tagName) => {
      const name = local(tagName);
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si') { strings.push(decodeEscapes(text)); inItem = false; }
    },
  });
  return strings;
}

/**
 * Which cell styles (`s` attribute = index into `cellXfs`) show a number as a date. Built-in formats
 * 14–17 and 22 are dates, 27–36 and 50–58 the East Asian date formats; 18–21 and 45–47 are times of day
 * and durations, read as numbers (see isDateFormat). A custom format is a date by isDateFormat.
 */
function parseDateStyles(xml: string | undefined, path: string): boolean[] {
  const styles: boolean[] = [];
  if (xml === undefined) return styles;
  const custom = new Map<number, string>();
  let inCellXfs = false;
  const formatIds: number[] = [];
  parseXml(xml, path, 'styles', {
    open: (tag) => {
      const name = local(tag.name);
      if (name === 'numFmt') custom.set(Number(tag.attributes.numFmtId), tag.attributes.formatCode ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) formatIds.push(Number(tag.attributes.numFmtId ?? 0));
    },
    close: (name) => { if (local(name) === 'cellXfs') inCellXfs = false; },
  });
  for (const id of formatIds) {
    const code = custom.get(id);
    styles.push(code !== undefined ? isDateFormat(code) : isBuiltInDate(id));
  }
  return styles;
}

const isBuiltInDate = (id: number) => (id >= 14 && id <= 17) || id === 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);

/**
 * Whether a number format code shows a date: after removing quoted text, backslash escapes, [colours
 * and locales] and AM/PM markers, a `d`, `y` or `m` is left, in its first section. A code with `h` or `s` but
 * no day or year (`h:mm`, `[mm]:ss`) is a time of day or a duration, read as a plain number (a
 * fraction of a day), since it names no date. `General` and number codes have no such letters.
 */
export function isDateFormat(code: string): boolean {
  const section = code.split(';')[0]!
    .replace(/"[^"]*"/g, '').replace(/\\./g, '').replace(/\[[^\]]*\]/g, '').replace(/_.|\*./g, '')
    .replace(/am\/pm|a\/p/gi, '').toLowerCase();
  if (/[dy]/.test(section)) return true;
  if (/m/.test(section)) return !/[hs]/.test(section);
  return false;
}

/** Excel escapes characters XML cannot hold as `_xHHHH_` (and a literal `_x` as `_x005F_x`). */
function decodeEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

// ---- dates --------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
/** Serial of 1970-01-01 in the 1900 system (counting Excel's 29 Feb 1900, serial 60). */
const EPOCH_1900 = 25_569;
/** Serial of 1970-01-01 in the 1904 system (day 0 = 1904-01-01). */
const EPOCH_1904 = 24_107;

/**
 * A serial date as UTC milliseconds, rounded to the millisecond (serials are binary fractions of a day).
 * In the 1900 system Excel counts a 29 February 1900 that never was (serial 60, kept for Lotus 1-2-3):
 * days before it are one day later than their serial says. Serial 60 itself is no date: it is
 * returned as the text "1900-02-29", which no date column accepts, so the row is rejected with
 * that value rather than moved to a real day. A negative serial is no date in either system.
 */
export function serialToCell(serial: number, date1904: boolean): XlsxCell {
  if (!(serial >= 0)) return serial;
  if (date1904) return { date: Math.round((serial - EPOCH_1904) * DAY_MS) };
  if (serial >= 61) return { date: Math.round((serial - EPOCH_1900) * DAY_MS) };
  if (serial >= 60) return '1900-02-29';
  return { date: Math.round((serial - EPOCH_1900 + 1) * DAY_MS) };
}

// ---- the sheet ----------------------------------------------------------------------------

interface SheetContext { strings: string[]; dateStyles: boolean[]; date1904: boolean }

/** Column letters of a cell reference (`AB12` → 27), or -1 when it has none. */
function columnOf(ref: string): number {
  let col = 0, i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) col = col * 26 + (c - 64);
    else if (c >= 97 && c <= 122) col = col * 26 + (c - 96);
    else break;
  }
  return i === 0 ? -1 : col - 1;
}

/**
 * Streams the sheet part through the XML parser; rows are yielded after each inflated chunk.
 * Cell types: `s` shared string, `inlineStr` (`<is>`, plain or rich), `str` (a formula's text), `b`
 * boolean, `e` an error value such as `#N/A` (kept as its text, so a typed column rejects it by
 * value), `d` an ISO 8601 date-time (UTC when it has no offset), else a number (a date by its style).
 * A formula cell is its cached value; one without a cached value is empty.
 */
async function* streamSheet(zip: yauzl.ZipFile, entry: yauzl.Entry, part: string, path: string, ctx: SheetContext): AsyncGenerator<XlsxRow> {
  const { strings, dateStyles, date1904 } = ctx;
  const ready: XlsxRow[] = [];
  let rowNumber = 0, cells: XlsxCell[] = [], hasValue = false;
  let column = -1, type = '', style = 0;
  let collecting = false, inInline = false, phonetic = 0, text = '';
  let badCell: string | undefined;

  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    switch (local(tag.name)) {
      case 'row': {
        const r = tag.attributes.r;
        rowNumber = r !== undefined ? Number(r) : rowNumber + 1;
        cells = []; hasValue = false; column = -1;
        break;
      }
      case 'c': {
        const ref = tag.attributes.r;
        const at = ref !== undefined ? columnOf(ref) : -1;
        column = at >= 0 ? at : column + 1;
        type = tag.attributes.t ?? 'n';
        const s = tag.attributes.s;
        style = s !== undefined ? Number(s) : 0;
        text = '';
        break;
      }
      case 'v': collecting = !inInline; text = ''; break;
      case 'is': inInline = true; text = ''; break;
      case 'rPh': phonetic++; break;
      case 't': if (inInline && phonetic === 0) collecting = true; break;
    }
  });
  parser.on('text', (t) => { if (collecting) text += t; });
  parser.on('cdata', (t) => { if (collecting) text += t; });
  parser.on('closetag', (tag) => {
    switch (local(tag.name)) {
      case 'v': case 't': collecting = false; break;
      case 'rPh': phonetic--; break;
      case 'is': inInline = false; break;
      case 'c': {
        const cell = cellValue();
        if (cell !== undefined) {
          while (cells.length < column) cells.push(undefined);
          cells[column] = cell;
          hasValue = true;
        }
        text = '';
        break;
      }
      case 'row':
        if (hasValue) ready.push({ row: rowNumber, cells });
        cells = [];
        break;
    }
  });

  function cellValue(): XlsxCell {
    switch (type) {
      case 's': {
        if (text === '') return undefined;
        const value = strings[Number(text)];
        if (value === undefined) badCell ??= `shared string ${showValue(text)} does not exist`;
        return value === '' ? undefined : value;
      }
      case 'inlineStr': case 'str': {
        const value = decodeEscapes(text);
        return value === '' ? undefined : value;
      }
      case 'b': return text === '' ? undefined : text === '1' || text === 'true';
      case 'e': return text === '' ? undefined : text;
      case 'd': {
        if (text === '') return undefined;
        // Date.parse reads an ISO date alone as UTC, but a date-time without an offset as local time.
        const zoned = text.length <= 10 || /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(text);
        const ms = Date.parse(zoned ? text : text + 'Z');
        return Number.isNaN(ms) ? text : { date: ms };
      }
      default: {
        if (text === '') return undefined;
        const n = Number(text);
        if (Number.isNaN(n)) return text;
        return dateStyles[style] ? serialToCell(n, date1904) : n;
      }
    }
  }

  // A chunk may end inside a UTF-8 sequence: the decoder keeps the partial bytes for the next one.
  const decoder = new StringDecoder('utf8');
  let stream: NodeJS.ReadableStream | undefined;
  try {
    stream = await entryStream(zip, entry, path);
    for await (const chunk of stream) {
      parser.write(decoder.write(chunk as Buffer));
      if (badCell) throw dataError('NOT_XLSX', `${path}: row ${rowNumber}: ${badCell} (the workbook is damaged)`);
      for (let i = 0; i < ready.length; i++) yield ready[i]!;
      ready.length = 0;
    }
    parser.write(decoder.end()).close();
    for (let i = 0; i < ready.length; i++) yield ready[i]!;
  } catch (err) {
    throw err instanceof FunnelError ? err : damaged(path, part, err);
  } finally {
    (stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
    zip.close();
  }
}

// ---- the header row -----------------------------------------------------------------------

/** Header names are compared as columns are matched: trimmed and case-folded. */
const fold = (name: string) => name.trim().toLowerCase();

/** A cell as header text: strings as written; numbers, booleans and dates as text (a header is text). */
export function cellText(cell: XlsxCell): string {
  if (cell === undefined) return '';
  if (isXlsxDate(cell)) return new Date(cell.date).toISOString();
  return String(cell);
}

/**
 * A required header: one name, or alternatives of which any one will do (a column mapped to a list of
 * header names, e.g. a preset's old and new labels for one field).
 */
export type RequiredHeader = string | readonly string[];

const lacking = (names: ReadonlySet<string>, required: readonly RequiredHeader[]): RequiredHeader[] =>
  required.filter((want) => (typeof want === 'string' ? !names.has(fold(want)) : !want.some((alt) => names.has(fold(alt)))));

const foldedNames = (cells: readonly XlsxCell[]) => new Set(cells.map((c) => fold(cellText(c))));

/** Whether a row holds every required header (trimmed, case-insensitive). */
export function holdsHeaders(cells: readonly XlsxCell[], required: readonly RequiredHeader[]): boolean {
  return lacking(foldedNames(cells), required).length === 0;
}

export interface XlsxHeader {
  /** The header row: its sheet row number and its names as written. */
  readonly row: number;
  readonly names: string[];
  /** Non-blank rows above the header (titles, filters), skipped and counted; their row numbers. */
  readonly skipped: number[];
  /** The rows after the header. */
  readonly rows: AsyncGenerator<XlsxRow>;
}

/**
 * Finds the header: the first row that holds every required header (trimmed, case-insensitive), so
 * that title and filter rows above it are skipped (and counted). With no required headers the first
 * non-blank row is the header. When no row holds them all, a data error names the sheet, what is
 * missing, and the row that came closest (the whole sheet is read to know that none does).
 */
export async function findHeaderRow(sheet: XlsxSheet, required: readonly RequiredHeader[]): Promise<XlsxHeader> {
  const rows = sheet.rows();
  const skipped: number[] = [];
  let best: { row: XlsxRow; missing: RequiredHeader[] } | undefined;
  for (let next = await rows.next(); !next.done; next = await rows.next()) {
    const row = next.value;
    const missing = lacking(foldedNames(row.cells), required);
    if (missing.length === 0) return { row: row.row, names: row.cells.map(cellText), skipped, rows };
    if (!best || missing.length < best.missing.length) best = { row, missing };
    skipped.push(row.row);
  }
  const where = `${sheet.file}: sheet ${showValue(sheet.sheet)}`;
  if (!best) throw dataError('EMPTY_INPUT', `${where} is empty (expected a header row)`);
  const show = (want: RequiredHeader) => (typeof want === 'string' ? showValue(want) : want.map((alt) => showValue(alt)).join(' or '));
  throw dataError('MISSING_COLUMN',
    `${where}: no row holds every required header; the closest, row ${best.row.row}, lacks ${best.missing.map(show).join(', ')}`);
}
