/**
 * Excel workbooks (.xlsx): one sheet read as a table of typed cells (see xlsx.ts, the sheet reader).
 * A workbook is a zip read by path, never a byte stream (so never stdin), and read serially. The
 * header is the first row holding every required header, so title and filter rows above it are
 * skipped (and counted); a record's line is its row number in the sheet.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Format, Table, TableRecord, TypedCell } from './format.js';
// The sheet reader (and its zip and XML libraries) is loaded when a workbook is read, not by every run.
import type { RequiredHeader, XlsxCell } from './xlsx.js';

/** Records per batch. */
const BATCH = 256;

export const XLSX: Format<'xlsx'> = {
  names: ['xlsx'],
  extensions: { '.xlsx': 'xlsx' },
  listed: ['.xlsx'],
  byteStream: false,
  ranges: false,
  open: ({ path, file, digest, sheet, required }) => new WorkbookTable(path, file, sheet, required ?? [], digest),
};

const typed = (cell: XlsxCell): TypedCell | undefined =>
  cell === undefined || typeof cell === 'string' ? undefined : typeof cell === 'object' ? new Date(cell.date) : cell; // an object: a date cell

export class WorkbookTable implements Table {
  readonly format = 'xlsx';
  header: string[] | undefined;
  readonly fixedWidth = true;
  readonly typedCells = true;
  sha256 = '';
  bytes = 0;
  size: number | undefined;
  /** Non-blank rows above the header (titles, filters), skipped. */
  skipped = 0;

  constructor(private readonly path: string, readonly file: string, private readonly sheet: string | number | undefined,
    private readonly required: readonly RequiredHeader[], private readonly digest: boolean) {}

  async *batches(): AsyncGenerator<TableRecord[]> {
    const { openXlsx, findHeaderRow, cellText } = await import('./xlsx.js');
    const sheet = await openXlsx(this.path, { sheet: this.sheet });
    const found = await findHeaderRow(sheet, this.required);
    this.header = found.names;
    this.skipped = found.skipped.length;
    const width = found.names.length;
    let batch: TableRecord[] = [];
    for await (const row of found.rows) {
      const cells = row.cells;
      // A row is as wide as the header (trailing empty cells are not stored); a cell beyond it makes the row longer (rejected).
      const n = Math.max(width, cells.length);
      const fields = new Array<string>(n), typedCells = new Array<TypedCell | undefined>(n);
      for (let i = 0; i < n; i++) { fields[i] = cellText(cells[i]); typedCells[i] = typed(cells[i]); }
      batch.push({ line: row.row, fields, cells: typedCells });
      if (batch.length === BATCH) { yield batch; batch = []; }
    }
    if (batch.length) yield batch;
    await this.measure();
  }

  /** The file's size and (when asked) SHA-256, once read. */
  private async measure(): Promise<void> {
    const hash = this.digest ? createHash('sha256') : undefined;
    let bytes = 0;
    for await (const chunk of createReadStream(this.path) as AsyncIterable<Buffer>) { bytes += chunk.length; hash?.update(chunk); }
    this.bytes = bytes;
    this.size = bytes;
    if (hash) this.sha256 = hash.digest('hex');
  }
}
