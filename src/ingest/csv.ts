/**
 * RFC 4180 CSV tokenizer: string chunks in, records out, each with the line it starts on.
 *
 * Why not a library: measured in scripts/bench-csv.mjs (docs/performance.md, "CSV parser"), csv-parse is correct
 * but 4× slower and stops the whole stream at the first bad quote; papaparse and udsv are fast but
 * merge rows silently on mixed line endings, ragged rows or blank lines, and none reports the line a
 * record starts on. This tokenizer is tested against csv-parse as the oracle (test/csv.test.ts).
 *
 * Rules: fields separated by `delimiter`; records end at LF, CRLF or a lone CR outside quotes (so a
 * file with mixed line endings still splits where a reader sees lines); `"` opens a quoted field only
 * at the start of a field, `""` inside it is a quote; a quote inside an unquoted field is literal;
 * text after a closing quote flags the record (it is rejected, never guessed at); blank lines are
 * skipped but counted, so line numbers stay right.
 */
import { isAscii } from 'node:buffer';
import { dataError } from '../core/errors.js';
import { AFTER_QUOTE, POSITION, SPECIAL, WINDOW, withStructure } from './structural.js';

export interface RawRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
  /** Set when the record is malformed; the row is rejected with this reason. */
  error?: string;
  /** The record's text when it could not be split into fields at all (a bad NDJSON line). */
  raw?: string;
}

export type RecordSink = (record: RawRecord) => void;

const LF = 10, CR = 13, QUOTE = 34;
/** A record longer than this is almost surely an unclosed quote swallowing the file. */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/** Line breaks (LF, CRLF or a lone CR) in bytes[start, end), by the native byte search; a CR at the end counts. */
export function countLineBreaks(bytes: Uint8Array, start: number, end: number): number {
  // A short span (a quoted field with a doubled quote, most often) by a loop: no Buffer made for it.
  if (end - start <= 64) {
    let n = 0;
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b === LF || (b === CR && (i + 1 >= end || bytes[i + 1] !== LF))) n++;
    }
    return n;
  }
  const span = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  let n = 0;
  for (let i = span.indexOf(LF); i !== -1; i = span.indexOf(LF, i + 1)) n++;
  // A CR counts unless an LF follows it (that CRLF was counted at its LF).
  for (let i = span.indexOf(CR); i !== -1; i = span.indexOf(CR, i + 1)) if (span[i + 1] !== LF) n++;
  return n;
}

const EMPTY = Buffer.alloc(0);
const NO_POSITIONS = new Int32Array(0);
/** The most bytes decoded into CsvTokenizer.text at once (see there). */
const TEXT_WINDOW = 64 * 1024;

/** Flags of a scanned field. */
export const QUOTED = 1, ESCAPED = 2, TRAILING = 4;

/**
 * The tokenizer works on bytes and offsets: it finds each record's fields as [start, end) byte
 * positions and hands the record to a callback, which reads the fields it needs (`field(i)`, or the
 * bytes directly) and can turn the record into a `RawRecord` (`record()`). So a reader makes strings
 * only for the columns it uses; `push`/`end` give every record as a RawRecord. Structure bytes
 * (delimiter, quote, CR, LF) are ASCII and never occur inside a UTF-8 sequence, so the bytes are
 * split without decoding; the caller checks they are UTF-8.
 */
export class CsvTokenizer {
  private buf: Buffer = EMPTY;
  /** Chunks held back while a long unfinished record waits for more (see scanChunk), copied. */
  private held: Buffer[] = [];
  private heldLength = 0;
  /** Bytes scanned so far, counting a byte each time it is scanned (for tests of the scan's cost). */
  scanned = 0;
  /** See join(). */
  private joined: Buffer = EMPTY;
  private readonly delim: number;
  /** The bytes the current record's offsets point into. */
  data: Buffer = EMPTY;
  /**
   * When `data` is all ASCII (byte offsets are then string offsets): a window of it as text, from
   * byte `textFrom`, made on first use. A whole 1 MiB chunk as one string (V8 makes it external)
   * took ≈ 3.5 ms to make, a 64 KiB window ≈ 30 µs: the leads' ids at 100× the demo took 0.2 s less.
   */
  private text = '';
  private textFrom = 0;
  private ascii = true;
  /** The current record: the line it starts on, its fields' bounds and flags, its error if malformed. */
  line = 1;
  fieldCount = 0;
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** For a TRAILING field: where the text after its closing quote ends (`ends` is the closing quote). */
  tails = new Int32Array(64);
  flags = new Uint8Array(64);
  error: string | undefined;
  /** The line of the first byte not yet scanned. */
  nextLine = 1;
  /** Set when the input ended inside a quoted field (its record's error names the line the field opened on). */
  unclosed = false;
  /** Where the current record's bytes begin and end in `data` (its line break included). */
  recordStart = 0;
  recordEnd = 0;
  /**
   * Set when the current record was made from the structural kernel's positions (walk()) and its
   * fields' bounds are not written out: field f ends at `positions[base + f]` (tagged, see
   * structural.ts) and starts after the one before it (the first at recordStart); a quoted field
   * lies within its quotes. bounds() writes them to starts, ends and flags. The positions are valid
   * while the record is the current one.
   */
  lazy = false;
  positions: Int32Array = NO_POSITIONS;
  base = 0;

  constructor(delimiter = ',', private readonly file = '', firstLine = 1) {
    this.nextLine = firstLine;
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new Error(`invalid delimiter ${JSON.stringify(delimiter)} (expected one ASCII character other than a quote or line break)`);
    }
    this.delim = delimiter.charCodeAt(0);
  }

  /** Feeds a chunk; complete records go to `emit`, an unfinished one waits for the next chunk. */
  push(chunk: Buffer | string, emit: RecordSink): void {
    this.scanChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, false, () => emit(this.record()));
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(emit: RecordSink): void {
    this.scanChunk(EMPTY, true, () => emit(this.record()));
  }

  /** The bytes not yet scanned (an unfinished record). */
  get pending(): Buffer { return this.held.length === 0 ? this.buf : Buffer.concat([this.buf, ...this.held]); }

  /** data[start, end) as a string. */
  slice(start: number, end: number): string {
    if (this.ascii) {
      const from = this.textFrom;
      if (start >= from && end <= from + this.text.length) return this.text.slice(start - from, end - from);
      if (end - start > TEXT_WINDOW) return this.data.toString('latin1', start, end);
      this.textFrom = start;
      this.text = this.data.toString('latin1', start, Math.min(this.data.length, start + TEXT_WINDOW));
      return this.text.slice(0, end - start);
    }
    return this.data.toString('utf8', start, end);
  }

  /** The value of field i of the current record. */
  field(i: number): string {
    if (this.lazy) this.bounds();
    const e = this.ends[i], flags = this.flags[i];
    let value = this.slice(this.starts[i], e);
    if (flags & ESCAPED) value = value.replaceAll('""', '"');
    if (flags & TRAILING) value += this.slice(e + 1, this.tails[i]);
    return value;
  }

  /**
   * The record in data[start, end) of the current chunk — an earlier record's recordStart and
   * recordEnd — tokenized again, for a row whose rejection is decided after the tokenizer moved on.
   */
  recordAt(start: number, end: number, line: number): RawRecord {
    const again = new CsvTokenizer(String.fromCharCode(this.delim), this.file, line);
    let record: RawRecord | undefined;
    again.scanChunk(this.data.subarray(start, end), true, (t) => { record ??= t.record(); });
    return record!;
  }

  /**
   * Writes the current record's fields' bounds and flags to starts, ends and flags when they are
   * not written yet (`lazy`), as the JavaScript scan would: a field whose end follows a closing
   * quote was quoted (its bytes are looked at only when the kernel says it holds a doubled quote or
   * a line break).
   */
  bounds(): void {
    if (!this.lazy) return;
    this.lazy = false;
    const s = this.data, positions = this.positions, base = this.base, n = this.fieldCount;
    while (this.starts.length < n) this.setField(this.starts.length, 0, 0, 0, 0);
    const starts = this.starts, ends = this.ends, flags = this.flags;
    let fieldStart = this.recordStart;
    for (let f = 0; f < n; f++) {
      const tagged = positions[base + f], p = tagged & POSITION;
      if ((tagged & AFTER_QUOTE) === 0) { starts[f] = fieldStart; ends[f] = p; flags[f] = 0; }
      else {
        const start = fieldStart + 1, end = p - 1;
        let fieldFlags = QUOTED;
        if ((tagged & SPECIAL) !== 0) {
          const quote = s.indexOf(QUOTE, start);
          if (quote !== -1 && quote < end) fieldFlags = QUOTED | ESCAPED;
        }
        starts[f] = start; ends[f] = end; flags[f] = fieldFlags;
      }
      fieldStart = p + 1;
    }
  }

  /** The current record with every field as a string. */
  record(): RawRecord {
    if (this.lazy) this.bounds();
    const fields = new Array<string>(this.fieldCount);
    for (let i = 0; i < fields.length; i++) fields[i] = this.field(i);
    return this.error === undefined ? { line: this.line, fields } : { line: this.line, fields, error: this.error };
  }

  /**
   * Scans `chunk` (after what is left of earlier chunks) and calls `onRecord` for each complete
   * record, with this tokenizer's current-record fields set. `final`: the input ends after `chunk`.
   */
  scanChunk(chunk: Buffer, final: boolean, onRecord: (record: CsvTokenizer) => void): void {
    // A record longer than a chunk is scanned again from its start with each chunk added to it:
    // chunks are held back until the bytes waiting have doubled (or passed the record limit), so a
    // long record costs time linear in its length, not quadratic (64 KiB chunks from a pipe).
    const waiting = this.buf.length + this.heldLength + chunk.length;
    if (!final && this.buf.length > 0 && waiting < 2 * this.buf.length && waiting <= MAX_RECORD_CHARS) {
      this.held.push(Buffer.from(chunk));
      this.heldLength += chunk.length;
      return;
    }
    if (this.held.length > 0) {
      chunk = Buffer.concat([...this.held, chunk]);
      this.held = [];
      this.heldLength = 0;
    }
    let data = chunk;
    if (this.buf.length > 0) data = chunk.length === 0 ? this.buf : this.join(chunk);
    this.scanned += data.length;
    this.data = data;
    this.text = ''; this.textFrom = 0;
    this.ascii = isAscii(data);
    this.scan(final, onRecord);
    if (final) this.buf = EMPTY;
    else if (this.buf.length > MAX_RECORD_CHARS) {
      throw dataError('RECORD_TOO_LONG', `${this.file}:${this.nextLine}: a record is longer than ${MAX_RECORD_CHARS / 1048576} MiB; is a quote left unclosed there?`);
    }
  }

  /**
   * The unfinished record and `chunk` after it, in `joined`, which is reused from chunk to chunk (a
   * new buffer per chunk left a megabyte for the collector each time, which it frees late: ≈ 20 MB
   * more per worker on 10 M rows). Valid until the next chunk, as `data` is.
   */
  private join(chunk: Buffer): Buffer {
    const n = this.buf.length + chunk.length;
    if (this.joined.length < n) this.joined = Buffer.allocUnsafeSlow(Math.max(n, 2 * this.joined.length));
    this.joined.set(this.buf, 0);
    this.joined.set(chunk, this.buf.length);
    return this.joined.subarray(0, n);
  }

  private setField(f: number, start: number, end: number, flags: number, tail: number): void {
    if (f >= this.starts.length) {
      const size = this.starts.length * 2;
      const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => { b.set(a); return b; };
      this.starts = grow(this.starts, new Int32Array(size)); this.ends = grow(this.ends, new Int32Array(size));
      this.tails = grow(this.tails, new Int32Array(size)); this.flags = grow(this.flags, new Uint8Array(size));
    }
    this.starts[f] = start; this.ends[f] = end; this.flags[f] = flags; this.tails[f] = tail;
  }

  private scan(final: boolean, onRecord: (record: CsvTokenizer) => void): void {
    const s = this.data, n = s.length, delim = this.delim, stop = Math.max(delim, LF, CR);
    // A chunk's records by its structural bytes, as far as the kernel answers; the rest below (the
    // input's last chunk — an unclosed quote, a last record without a line break — is all scanned here).
    let pos = final ? 0 : this.walkStructure(onRecord);
    records: while (pos < n) {
      const recordStart = pos;
      let c = s[pos];
      if (c === LF || c === CR) { // blank line: counted, not a record
        if (c === CR && pos + 1 >= n && !final) break;
        pos += c === CR && s[pos + 1] === LF ? 2 : 1;
        this.nextLine++;
        continue;
      }
      let f = 0;
      let extraLines = 0;
      let error: string | undefined;
      for (;;) {
        if (pos < n && s[pos] === QUOTE) {
          const start = pos + 1;
          let flags = QUOTED;
          let p = start;
          let end: number;
          // Whether the field may hold a line break (then they are counted). Most fields are short:
          // their quote is found by a loop, which notes line breaks on the way (a native search
          // costs more than a few bytes of it); a long field's by the native search.
          let breaks = false;
          for (;;) {
            let q = p;
            for (const limit = Math.min(n, p + 64); q < limit; q++) {
              const b = s[q];
              if (b === QUOTE) break;
              if (b <= CR) breaks = true;
            }
            if (q >= n) q = -1;
            else if (s[q] !== QUOTE) { breaks = true; q = s.indexOf(QUOTE, q); }
            if (q === -1 || (q + 1 >= n && !final)) {
              if (!final) { pos = recordStart; break records; }
              // The file ends inside the quoted field: the rest of it is the field, and the record is rejected.
              const openedOn = this.nextLine + extraLines;
              extraLines += countLineBreaks(s, start, n);
              this.setField(f++, start, n, flags, 0);
              this.unclosed = true;
              this.emit(f, `the quoted field opened on line ${openedOn} is never closed (the file ends inside it)`, recordStart, n, extraLines, onRecord);
              pos = n;
              break records;
            }
            if (s[q + 1] === QUOTE) { flags |= ESCAPED; p = q + 2; continue; }
            end = q;
            pos = q + 1;
            break;
          }
          if (breaks) extraLines += countLineBreaks(s, start, end);
          c = pos < n ? s[pos] : -1;
          let tail = 0;
          if (c !== -1 && c !== delim && c !== LF && c !== CR) {
            // Text after the closing quote: kept in the field so --rejects shows it; the record is flagged.
            let p = pos;
            while (p < n && (c = s[p]) !== delim && c !== LF && c !== CR) p++;
            if (p >= n && !final) { pos = recordStart; break records; }
            error ??= `field ${f + 1} has text after its closing quote`;
            flags |= TRAILING;
            tail = p;
            pos = p;
          }
          this.setField(f++, start, end, flags, tail);
        } else {
          let p = pos;
          // Most bytes are above every byte that ends a field: one comparison settles them.
          while (p < n && ((c = s[p]) > stop || (c !== delim && c !== LF && c !== CR))) p++;
          if (p >= n && !final) { pos = recordStart; break records; }
          this.setField(f++, pos, p, 0, 0);
          pos = p;
        }
        if (pos >= n) { // end of input (final) ends the record
          this.emit(f, error, recordStart, n, extraLines, onRecord);
          break records;
        }
        c = s[pos];
        if (c === delim) { pos++; continue; }
        if (c === CR) {
          if (pos + 1 >= n && !final) { pos = recordStart; break records; }
          pos += s[pos + 1] === LF ? 2 : 1;
        } else {
          pos++;
        }
        this.emit(f, error, recordStart, pos, extraLines, onRecord);
        continue records;
      }
    }
    // What is left is copied: it outlives the chunk it came from.
    this.buf = pos >= n ? EMPTY : Buffer.from(s.subarray(pos));
  }

  /**
   * Hands on the current record: its `fields` fields (set), its error, its bytes data[start, end),
   * and the line breaks inside its quoted fields (the next record starts that many lines further).
   */
  private emit(fields: number, error: string | undefined, start: number, end: number, extraLines: number, onRecord: (record: CsvTokenizer) => void): void {
    this.lazy = false;
    this.fieldCount = fields; this.line = this.nextLine; this.error = error;
    this.recordStart = start; this.recordEnd = end;
    onRecord(this);
    this.nextLine += 1 + extraLines;
  }

  /**
   * The records of a chunk (not the input's last) from its structural bytes (structural.ts), a
   * window at a time; returns where they end, from where scan() goes on: the unfinished record at
   * the chunk's end, or the rest of the chunk when the kernel does not answer for a window (a quote
   * out of the common way) or a window holds no whole record (a record longer than a window).
   */
  private walkStructure(onRecord: (record: CsvTokenizer) => void): number {
    const n = this.data.length;
    let done = 0;
    withStructure(this.data, this.delim, (scan) => {
      while (done < n) {
        const to = Math.min(n, done + WINDOW);
        const positions = scan(done, to);
        if (positions === undefined) return;
        const end = this.walk(positions, done, to, onRecord);
        if (end === done) return;
        done = end;
      }
    });
    return done;
  }

  /**
   * The records in data[from, to) from its structural bytes' tagged positions, with the same
   * fields, flags and lines as scan(): a field ends at each position; a line break ends a record, or
   * is a blank line when it is a record's first byte. Each record is handed on `lazy`: its fields'
   * bounds are where the positions say, written out only when asked for (bounds()); a reader that
   * needs a few fields reads them from the positions. A quoted field's bytes are looked at here only
   * when the kernel says it holds a line break (counted). Returns where the last whole record ends.
   */
  private walk(positions: Int32Array, from: number, to: number, onRecord: (record: CsvTokenizer) => void): number {
    const s = this.data, count = positions.length;
    let first = 0, recordStart = from, extraLines = 0;
    for (let i = 0; i < count; i++) {
      const tagged = positions[i];
      if ((tagged & SPECIAL) !== 0) {
        // A quoted field holding a doubled quote or a line break: its line breaks are counted.
        const start = i === first ? recordStart : (positions[i - 1] & POSITION) + 1;
        extraLines += countLineBreaks(s, start + 1, (tagged & POSITION) - 1);
      }
      if (tagged >= 0) continue; // a delimiter
      const p = tagged & POSITION, fields = i - first + 1;
      let next = p + 1;
      if (s[p] === CR) {
        if (next >= to) break; // a CR at the window's end: an LF may follow it
        if (s[next] === LF) { next++; i++; }
      }
      if (fields === 1 && p === recordStart) this.nextLine++; // blank line: counted, not a record
      else {
        this.fieldCount = fields; this.line = this.nextLine; this.error = undefined;
        this.recordStart = recordStart; this.recordEnd = next;
        this.positions = positions; this.base = first; this.lazy = true;
        onRecord(this);
        this.nextLine += 1 + extraLines;
      }
      extraLines = 0;
      first = i + 1;
      recordStart = next;
    }
    // The positions are overwritten by the next window's scan: the current record's bounds are written out first.
    this.bounds();
    this.positions = NO_POSITIONS;
    return recordStart;
  }
}
