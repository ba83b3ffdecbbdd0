/**
 * A JSON array of objects, read as a stream (never the whole file in memory). Objects are laid out
 * against a header that grows as new keys appear (see objects.ts).
 *
 * A file whose elements are plain objects (json-scan.ts) is scanned from its bytes, element by
 * element, and its records take the CSV routes as NDJSON's do. At anything else — an element that
 * is not a plain object, text that is not JSON, a file that does not end the array — the file is
 * read again from its start by the streaming object reader (@streamparser/json), which the scan
 * agrees with, skipping the records already handed on: so every rejection and error is that
 * reader's. Stdin, which cannot be read again, is read by the object reader from the start.
 *
 * A file can be read in byte ranges (a parallel read): a range after the first starts at an
 * element's opening brace, and the one before it ends after the comma and white space before that
 * brace. Where an element starts is a guess (parallel/json-ranges.ts: a byte in the middle of the
 * file does not tell whether it is inside a string), so a range says whether it ended exactly
 * there, after a comma of the array itself (`endsClean`); if not, the file is read serially. A
 * range reads plain elements only, against the header the main thread read: anything else (an
 * element that is not plain, a key the header lacks, bytes that are not UTF-8, the array not
 * closed at the file's end) stops it, and the file is read serially, by the reader above.
 */
import { isUtf8 } from 'node:buffer';
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import type { RawRecord } from '../csv.js';
import { dataError } from '../../core/errors.js';
import { ByteSource, completeLength, isUtf16 } from '../source.js';
import { ByteStreamTable, type ByteRange, type Format } from './format.js';
import { JsonLines, valueEnd } from './json-scan.js';
import { ObjectLayout } from './objects.js';

export const JSON_ARRAY: Format<'json'> = {
  names: ['json'],
  extensions: { '.json': 'json' },
  listed: ['.json'],
  byteStream: true,
  ranges: true,
  open: ({ path, file, bytes, digest, range }) => new JsonArrayTable(file, bytes!, path, digest, range),
};

/** The message of the error a range reader throws at anything but a plain element, or a key the header lacks: the file is then read serially. */
export const NOT_PLAIN_IN_RANGE = 'not an array of plain objects with the first chunk\'s keys: read serially';

const LF = 0x0a, OPEN = 0x7b, COMMA = 0x2c, BRACKET = 0x5b, BRACKET_CLOSE = 0x5d;
const isWhite = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === LF;

/** Where the scan of the top level stands: before the array, after its bracket, after an element, after a comma, after the array. */
const enum At { Root, First, Next, Element, Done }

export class JsonArrayTable extends ByteStreamTable {
  readonly format = 'json' as const;
  readonly fixedWidth = false;
  /** The bytes being read: the table's own, or (read again by the object reader) a new source of the same file. */
  private active: ByteSource;
  /** After scan() of a range: whether it ended after a comma of the array and the white space after it (the next range starts at an element); the line after its last byte. */
  endsClean = false;
  endLine = 0;
  /** A JSON element never leaves a field open (CsvTable.unclosed). */
  readonly unclosed = false;
  /** Whether the scan met something other than plain elements, and the file is read again by the object reader. */
  readAgain = false;

  /**
   * `range`: a byte range starting at the array's start (start 0) or at an element's brace, read
   * against the file's header (the keys of the first chunk's elements, as the serial read has them
   * then): see the file's comment.
   */
  constructor(file: string, source: ByteSource, private readonly path: string, private readonly digest: boolean, private readonly range?: ByteRange) {
    super(file, source);
    this.active = source;
  }

  override get sha256() { return this.active.digest; }
  override get bytes() { return this.active.bytes; }

  async *batches(): AsyncGenerator<RawRecord[]> {
    let batch: RawRecord[] = [];
    for await (const _ of this.scan((t) => batch.push(t.record()))) {
      if (batch.length) { yield batch; batch = []; }
    }
  }

  /**
   * Scans the array, calling `onRecord` with each record of a chunk as the current one of a
   * JsonLines (the CSV tokenizer's record interface); yields after each chunk. As the object reader
   * did, a chunk's records (its elements that end in it) are read against the header as it stands at
   * the chunk's end.
   */
  async *scan(onRecord: (record: JsonLines) => void): AsyncGenerator<void> {
    const layout = new ObjectLayout();
    const lines = new JsonLines(layout, () => undefined);
    const range = this.range;
    if (range) { for (const key of range.header) layout.add(key); this.header = layout.header; }
    const handOn = () => {
      if (lines.plainSeen) this.header = layout.header;
      if (range && layout.header.length > range.header.length) throw new Error(NOT_PLAIN_IN_RANGE);
      const width = layout.header.length;
      for (let k = 0; k < lines.records; k++) { lines.select(k, width); onRecord(lines); }
    };
    let handed = 0;
    const fast = this.path === '-' ? undefined : this.scanPlain(lines);
    if (fast) {
      for await (const step of fast) {
        if (step === 'other') break;
        handOn();
        handed += lines.records;
        yield;
        if (step === 'done') { this.header ??= layout.header; return; }
      }
      if (range) throw new Error(NOT_PLAIN_IN_RANGE);
      // Read again by the object reader, from the start: the records handed on are skipped.
      this.readAgain = true;
      this.active = new ByteSource(this.path, this.file, undefined, this.source.size, undefined, this.digest);
    }
    const objects = new ObjectLayout();
    for await (const batch of this.objects(this.active, objects)) {
      lines.begin(Buffer.alloc(0));
      for (const record of batch) if (handed > 0) handed--; else lines.addRecord(record);
      this.header = objects.header;
      const width = objects.header.length;
      for (let k = 0; k < lines.records; k++) { lines.select(k, width); onRecord(lines); }
      yield;
    }
    this.header ??= objects.header;
  }

  /**
   * The scan of plain elements: per chunk, 'chunk' once its elements are in `lines`; 'done' at
   * the end of a file that is an array of plain objects; 'other' (before any record of that chunk
   * is handed on) when the file holds anything else. A range after the first starts at an element;
   * one before the last ends after a comma of the array ('done', with `endsClean`) or not ('done').
   */
  private async *scanPlain(lines: JsonLines): AsyncGenerator<'chunk' | 'done' | 'other'> {
    const range = this.range, fromStart = range === undefined || range.start === 0;
    let work = Buffer.allocUnsafe(0), held = 0, line = range?.firstLine ?? 1, at = fromStart ? At.Root : At.Element, first = fromStart;
    for await (let buf of this.source.chunks()) {
      if (first && buf.length > 0) {
        if (isUtf16(buf)) { yield 'other'; return; }
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3); // UTF-8 BOM
        first = false;
      }
      const n = held + buf.length;
      if (work.length < n) { const bigger = Buffer.allocUnsafe(Math.max(n, work.length * 2)); work.copy(bigger, 0, 0, held); work = bigger; }
      buf.copy(work, held);
      // Bytes that are not UTF-8: the object reader says where.
      if (!isUtf8(work.subarray(held, completeLength(work.subarray(0, n))))) { yield 'other'; return; }
      lines.begin(work);
      let p = 0, counted = 0;
      const lineAt = (to: number) => { for (let i = work.indexOf(LF, counted); i !== -1 && i < to; i = work.indexOf(LF, i + 1)) line++; counted = to; return line; };
      let stop = false;
      while (!stop) {
        while (p < n && isWhite(work[p])) p++;
        if (p >= n) break;
        const c = work[p];
        switch (at) {
          case At.Root:
            if (c !== BRACKET) { yield 'other'; return; }
            at = At.First; p++; break;
          case At.Next:
            if (c === COMMA) { at = At.Element; p++; } else if (c === BRACKET_CLOSE) { at = At.Done; p++; } else { yield 'other'; return; }
            break;
          case At.First: case At.Element: {
            if (c === BRACKET_CLOSE && at === At.First) { at = At.Done; p++; break; }
            if (c !== OPEN) { yield 'other'; return; }
            const e = lines.addPlain(p, n, lineAt(p));
            if (e < 0) {
              if (valueEnd(work, p, n) < 0) { stop = true; break; } // the element goes on in the next chunk
              yield 'other'; return;
            }
            at = At.Next; p = e; break;
          }
          case At.Done: yield 'other'; return;
        }
      }
      lineAt(p);
      yield 'chunk';
      // The records were read (a flush happens at the yield): what is left moves to the front.
      work.copy(work, 0, p, n);
      held = n - p;
      counted = 0;
    }
    this.endLine = line;
    // A range before the last ends after a comma of the array (the next starts at an element), else
    // the split was not at an element (the file is read serially): nothing else is known from it.
    if (range?.last === false) this.endsClean = at === At.Element && held === 0;
    else if (at !== At.Done || held > 0 && !work.subarray(0, held).every(isWhite)) { yield 'other'; return; }
    lines.begin(work);
    yield 'done';
  }

  /** The object reader: the records of `source`'s elements, a batch per chunk, laid out by `layout`. */
  private async *objects(source: ByteSource, layout: ObjectLayout): AsyncGenerator<RawRecord[]> {
    const tokenizer = new Tokenizer();
    const parser = new TokenParser({ paths: ['$.*'], keepStack: false });
    let batch: RawRecord[] = [];
    // Offsets of the tokenizer are byte offsets; lines are counted up to each element's first token.
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = 0, counted = 0, line = 1, depth = 0, elementLine = 1, sawRoot = false;
    const lineAt = (offset: number) => {
      const from = Math.max(counted, chunkStart) - chunkStart, to = offset - chunkStart;
      for (let i = chunk.indexOf(10, from); i !== -1 && i < to; i = chunk.indexOf(10, i + 1)) line++;
      counted = Math.max(counted, offset);
      return line;
    };
    tokenizer.onToken = (t) => {
      if (!sawRoot) {
        sawRoot = true;
        if (t.token !== TokenType.LEFT_BRACKET) {
          throw dataError('BAD_JSON', `${this.file}:${lineAt(t.offset)}: expected a JSON array of objects (the file starts with something else; use .ndjson for one object per line)`);
        }
      }
      if (depth === 1 && t.token !== TokenType.COMMA && t.token !== TokenType.RIGHT_BRACKET) elementLine = lineAt(t.offset);
      if (t.token === TokenType.LEFT_BRACE || t.token === TokenType.LEFT_BRACKET) depth++;
      else if (t.token === TokenType.RIGHT_BRACE || t.token === TokenType.RIGHT_BRACKET) depth--;
      parser.write(t);
    };
    parser.onValue = ({ value }) => { batch.push(layout.toRecord(value, elementLine)); };
    const fail = (err: unknown): never => {
      if (err instanceof Error && err.name === 'FunnelError') throw err;
      if (err instanceof RangeError) throw dataError('BAD_JSON', `${this.file}:${line}: the JSON is nested too deeply to read (after this line)`, err);
      const msg = err instanceof Error ? err.message : String(err);
      throw dataError('BAD_JSON', `${this.file}:${line}: not valid JSON after this line (${msg})`, err);
    };
    let first = true;
    for await (let buf of source.chunks()) {
      if (first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3); // UTF-8 BOM
      first = false;
      chunk = buf;
      try { tokenizer.write(buf); } catch (err) { fail(err); }
      lineAt(chunkStart + buf.length);
      chunkStart += buf.length;
      if (batch.length) { yield batch; batch = []; }
    }
    if (!sawRoot) throw dataError('EMPTY_INPUT', `${this.file}: is empty (expected a JSON array of objects)`);
    if (depth > 0) throw dataError('BAD_JSON', `${this.file}:${line}: the JSON array is never closed (the file ends inside it)`);
    try { tokenizer.end(); } catch (err) { fail(err); }
    if (batch.length) yield batch;
  }
}

