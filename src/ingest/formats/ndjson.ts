/**
 * One JSON object per line (NDJSON, JSON Lines); a line that is not valid JSON is rejected with its
 * text. Lines are scanned from the bytes (json-scan.ts): no object is made for a plain line, and
 * the reader reads only the columns it uses. A file can be read in byte ranges (a parallel read):
 * a line break always ends a record, so a range starts after one.
 */
import { isUtf8 } from 'node:buffer';
import { MAX_RECORD_CHARS, type RawRecord } from '../csv.js';
import { dataError } from '../../core/errors.js';
import { completeLength, firstInvalidUtf8, isUtf16, notUtf8Error, utf16Error, type ByteSource } from '../source.js';
import { ByteStreamTable, type Format } from './format.js';
import { JsonLines } from './json-scan.js';
import { ObjectLayout } from './objects.js';

export const NDJSON: Format<'ndjson'> = {
  names: ['ndjson'],
  extensions: { '.ndjson': 'ndjson', '.jsonl': 'ndjson' },
  listed: ['.ndjson', '.jsonl'],
  byteStream: true,
  ranges: true,
  open: ({ file, bytes, range }) => new NdjsonTable(file, bytes!, range),
};

const LF = 0x0a;

/** The message of the error a range reader throws when it meets a key the header (the file's first line) lacks: the file is then read serially. */
export const NEW_KEY_IN_RANGE = 'a key that the first line does not have: read serially';

export class NdjsonTable extends ByteStreamTable {
  readonly format = 'ndjson' as const;
  readonly fixedWidth = false;
  private readonly layout = new ObjectLayout();
  /** After scan(): whether the bytes ended at a line's end; the line after the last line break. */
  endsClean = false;
  endLine = 0;
  /** A JSON line never leaves a field open (CsvTable.unclosed). */
  readonly unclosed = false;

  /**
   * `range`: a byte range starting at a line, read against the file's header (its first line's
   * keys): a key that is not among them stops the read (NEW_KEY_IN_RANGE), since the serial read
   * would have laid the file out against another header from there on.
   */
  constructor(file: string, source: ByteSource, private readonly range?: { firstLine: number; header: string[] }) {
    super(file, source);
    if (range) for (const key of range.header) this.layout.add(key);
  }

  /**
   * Scans the input, calling `onRecord` with each record of a chunk as the current one of a
   * JsonLines (the CSV tokenizer's record interface); yields after each chunk. A chunk's lines are
   * all scanned before the first is handed on, so each is read against the header as it stands at
   * the chunk's end (as the object reader read them).
   */
  async *scan(onRecord: (record: JsonLines) => void): AsyncGenerator<void> {
    const layout = this.layout, file = this.file, range = this.range;
    const seeded = layout.header.length;
    const lines = new JsonLines(layout, (text, line) => {
      if (text.trim() === '') return undefined;
      let value: unknown;
      try { value = JSON.parse(text); } catch (err) {
        return { line, fields: [], raw: text, error: `not valid JSON (${(err as Error).message})` };
      }
      const record = layout.toRecord(value, line);
      this.header = layout.header;
      return record;
    });
    let line = range?.firstLine ?? 1;
    let atStart = line === 1;
    if (range) this.header = layout.header;
    // work[0, held): the unfinished line from the chunks before; checked: how far the bytes are known to be UTF-8.
    let work = Buffer.allocUnsafe(0), held = 0, checked = 0;
    const check = (to: number) => {
      if (isUtf8(work.subarray(checked, to))) { checked = to; return; }
      const at = checked + Math.max(0, firstInvalidUtf8(work.subarray(checked, to)));
      let n = line;
      for (let i = work.indexOf(LF); i !== -1 && i < at; i = work.indexOf(LF, i + 1)) n++;
      throw notUtf8Error(file, n);
    };
    const handOn = () => {
      if (lines.plainSeen) this.header = layout.header;
      if (range && layout.header.length > seeded) throw new Error(NEW_KEY_IN_RANGE);
      const width = layout.header.length;
      for (let k = 0; k < lines.records; k++) { lines.select(k, width); onRecord(lines); }
    };
    for await (let buf of this.source.chunks()) {
      if (atStart && buf.length > 0) {
        if (isUtf16(buf)) throw utf16Error(file);
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3); // UTF-8 BOM
        atStart = false;
      }
      const n = held + buf.length;
      if (work.length < n) { const bigger = Buffer.allocUnsafe(Math.max(n, work.length * 2)); work.copy(bigger, 0, 0, held); work = bigger; }
      buf.copy(work, held);
      check(completeLength(work.subarray(0, n)));
      const last = work.subarray(0, n).lastIndexOf(LF);
      lines.begin(work);
      let start = 0;
      if (last !== -1) {
        for (let nl = work.indexOf(LF); nl !== -1 && nl <= last; nl = work.indexOf(LF, start)) {
          lines.add(start, nl, line++);
          start = nl + 1;
        }
      }
      // A line longer than the limit (counted in characters, as the object reader did).
      if (n - start > MAX_RECORD_CHARS && work.toString('utf8', start, n).length > MAX_RECORD_CHARS) {
        throw dataError('RECORD_TOO_LONG', `${file}:${line}: a line is longer than ${MAX_RECORD_CHARS / 1048576} MiB`);
      }
      handOn();
      yield;
      // The records were read (a flush happens at the yield): the unfinished line moves to the front.
      work.copy(work, 0, start, n);
      held = n - start;
      checked -= start;
    }
    check(held);
    this.endLine = line;
    this.endsClean = held === 0;
    lines.begin(work);
    if (held > 0) lines.add(0, held, line);
    this.header ??= layout.header;
    handOn();
    yield;
  }

  async *batches(): AsyncGenerator<RawRecord[]> {
    let batch: RawRecord[] = [];
    for await (const _ of this.scan((t) => batch.push(t.record()))) {
      if (batch.length) { yield batch; batch = []; }
    }
  }
}
