/**
 * CSV and TSV: the tokenizer reads fields in place from the bytes (see ../csv.ts); a record must have
 * as many fields as the header. A parallel read splits it into byte ranges (NDJSON too).
 */
import { isUtf8 } from 'node:buffer';
import { CsvTokenizer, countLineBreaks, type RawRecord } from '../csv.js';
import { dataError } from '../../core/errors.js';
import { completeLength, firstInvalidUtf8, isUtf16, notUtf8Error, utf16Error, type ByteSource } from '../source.js';
import { ByteStreamTable, type Format } from './format.js';

export const CSV: Format<'csv' | 'tsv'> = {
  names: ['csv', 'tsv'],
  extensions: { '.csv': 'csv', '.txt': 'csv', '.tsv': 'tsv', '.tab': 'tsv' },
  listed: ['.csv', '.tsv'],
  byteStream: true,
  ranges: true,
  open: ({ file, name, bytes, delimiter, range }) => new CsvTable(file, name, bytes!, delimiter ?? (name === 'tsv' ? '\t' : ','), range),
};

export class CsvTable extends ByteStreamTable {
  readonly fixedWidth = true;
  constructor(file: string, readonly format: string, source: ByteSource, private readonly delimiter: string,
    private readonly range?: { firstLine: number; header: string[] }) {
    super(file, source);
    // A range after the first has no header row of its own: it is given.
    if (range && range.firstLine > 1) this.header = range.header;
  }

  /**
   * Scans the file, calling `onRecord` with the tokenizer positioned on each data record (the
   * header row is taken first); yields after each chunk read. The callback reads the fields it
   * needs from the tokenizer, so no string is made for the others.
   */
  async *scan(onRecord: (record: CsvTokenizer) => void): AsyncGenerator<void> {
    const tokenizer = new CsvTokenizer(this.delimiter, this.file, this.range?.firstLine ?? 1);
    let atStart = (this.range?.firstLine ?? 1) === 1;
    // The bytes are checked to be UTF-8 (as a strict decoder would) before the tokenizer sees them;
    // a character cut at the end of a chunk waits for the next.
    let cut: Buffer = Buffer.alloc(0);
    const checked = (bytes: Buffer): Buffer => {
      if (isUtf8(bytes)) return bytes;
      const pending = tokenizer.pending, at = firstInvalidUtf8(bytes);
      const before = Buffer.concat([pending, bytes.subarray(0, at)]);
      throw notUtf8Error(this.file, tokenizer.nextLine + countLineBreaks(before, 0, before.length));
    };
    // The header row first; then each record goes straight to onRecord.
    const each = () => {
      if (this.header === undefined) {
        if (tokenizer.error) throw dataError('BAD_HEADER', `${this.file}:${tokenizer.line}: the header row is malformed: ${tokenizer.error}`);
        this.header = tokenizer.record().fields;
      } else onRecord(tokenizer);
    };
    for await (let buf of this.source.chunks(true)) {
      if (atStart && buf.length > 0) {
        if (isUtf16(buf)) throw utf16Error(this.file);
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3); // UTF-8 BOM
        atStart = false;
      }
      if (cut.length > 0) buf = Buffer.concat([cut, buf]);
      const complete = completeLength(buf);
      cut = Buffer.from(buf.subarray(complete));
      tokenizer.scanChunk(checked(buf.subarray(0, complete)), false, this.header === undefined ? each : onRecord);
      yield;
    }
    this.endsClean = tokenizer.pending.length === 0 && cut.length === 0;
    tokenizer.scanChunk(checked(cut), true, this.header === undefined ? each : onRecord);
    this.endLine = tokenizer.nextLine;
    this.unclosed = tokenizer.unclosed;
    yield;
  }

  /** After scan(): whether the bytes ended exactly at the end of a record (not inside one). */
  endsClean = false;
  /** After scan(): the line after the last byte (so a range spans endLine − firstLine line breaks, its last line ending in one). */
  endLine = 0;
  /** After scan(): whether the bytes ended inside a quoted field (a rejection's reason then names a line). */
  unclosed = false;

  async *batches(): AsyncGenerator<RawRecord[]> {
    let batch: RawRecord[] = [];
    for await (const _ of this.scan((t) => batch.push(t.record()))) {
      if (batch.length) { yield batch; batch = []; }
    }
  }
}
