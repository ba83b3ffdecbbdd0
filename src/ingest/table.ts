/**
 * One reader interface for every format: a `Table` has a header (original column names) and yields
 * records in batches, each record carrying the line it starts on. CSV/TSV go through the tokenizer;
 * a JSON array through @streamparser/json (streaming, never the whole file in memory); NDJSON line
 * by line. JSON objects are laid out against a header that grows as new keys appear.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import { isUtf8 } from 'node:buffer';
import { CsvTokenizer, MAX_RECORD_CHARS, countLineBreaks, type RawRecord } from './csv.js';
import { dataError, showValue, usageError } from '../errors.js';

export const FORMATS = ['csv', 'tsv', 'json', 'ndjson'] as const;
export type InputFormat = (typeof FORMATS)[number];

export interface TableOptions {
  format?: InputFormat;
  delimiter?: string;
  stdin?: Readable;
  /** Read only these bytes of a CSV file, which start at a record boundary on `firstLine`. */
  range?: { start: number; end: number; firstLine: number; header: string[] };
  /** Whether to compute the file's SHA-256 (`sha256`; '' when not). Default true. */
  digest?: boolean;
}

export interface Table {
  readonly file: string;
  readonly format: InputFormat;
  /** Column names as written in the file; undefined until the first batch (or for an empty file). */
  header: string[] | undefined;
  /** Whether every record must have exactly header.length fields (CSV/TSV). */
  readonly fixedWidth: boolean;
  batches(): AsyncGenerator<RawRecord[]>;
  /** Available once all batches were read. */
  readonly sha256: string;
  /** Bytes read so far. */
  readonly bytes: number;
  /** The file's size when known (not for stdin). */
  readonly size?: number;
}

export function detectFormat(path: string, override?: InputFormat): InputFormat {
  if (override) return override;
  if (path === '-') return 'csv';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.json') return 'json';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  throw usageError('UNKNOWN_FORMAT', `${path}: cannot tell the format from the extension "${ext}" (expected .csv, .tsv, .json, .ndjson or .jsonl; or pass --input-format)`);
}

export function openTable(path: string, options: TableOptions = {}): Table {
  let size: number | undefined;
  if (path !== '-') {
    // Checked before the extension, so a typo in a path says "no such file", not "unknown format".
    let stat;
    try { stat = statSync(path); } catch (err) { throw dataError('UNREADABLE', describeFsError(path, err as NodeJS.ErrnoException), err); }
    if (stat.isDirectory()) throw dataError('UNREADABLE', `${path}: is a directory, not a file`);
    size = stat.isFile() ? (options.range ? options.range.end - options.range.start : stat.size) : undefined;
  }
  const format = detectFormat(path, options.format);
  const file = path === '-' ? 'stdin' : path;
  const bytes = new ByteSource(path, file, options.stdin, size, options.range, options.digest !== false);
  if (format === 'json') return new JsonArrayTable(file, bytes);
  if (format === 'ndjson') return new NdjsonTable(file, bytes);
  const delimiter = options.delimiter ?? (format === 'tsv' ? '\t' : ',');
  return new CsvTable(file, format, bytes, delimiter, options.range);
}

// ---------------------------------------------------------------------------------------------

function describeFsError(file: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return `${file}: no such file`;
    case 'EISDIR': return `${file}: is a directory, not a file`;
    case 'EACCES': case 'EPERM': return `${file}: permission denied`;
    default: return `${file}: cannot read (${err.code ?? err.message})`;
  }
}

/** Bytes per read of a file. */
const CHUNK = 1 << 20;

/**
 * Streams the bytes of a file or stdin, hashing them on the way — unless no digest is wanted (only
 * JSON output shows it) or this is a range (a parallel worker's share: the main thread hashes the
 * whole file).
 */
class ByteSource {
  private readonly hash: Hash | undefined;
  bytes = 0;
  digest = '';
  constructor(private readonly path: string, private readonly file: string, private readonly stdin?: Readable, readonly size?: number,
    private readonly range?: { start: number; end: number }, digest = true) {
    this.hash = digest && !range ? createHash('sha256') : undefined;
  }

  /**
   * The bytes, chunk by chunk. `reuse`: the caller is done with a chunk when it asks for the next
   * one, so a file is read into two buffers in turn (the next chunk is read while the caller works
   * on this one) — a new buffer per chunk costs page faults on every megabyte.
   */
  async *chunks(reuse = false): AsyncGenerator<Buffer> {
    try {
      // A range (of a regular file, always) is read by rangeChunks.
      const source = this.path === '-' ? (this.stdin ?? process.stdin)
        : this.range ? this.rangeChunks(this.range)
        : reuse && this.size !== undefined ? this.fileChunks()
        : createReadStream(this.path, { highWaterMark: CHUNK });
      for await (const chunk of source) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        this.hash?.update(buf);
        this.bytes += buf.length;
        yield buf;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code) throw dataError('UNREADABLE', describeFsError(this.file, err as NodeJS.ErrnoException), err);
      throw err;
    }
    this.digest = this.hash?.digest('hex') ?? '';
  }

  /** The file's bytes read into two buffers in turn, one read ahead. */
  private async *fileChunks(): AsyncGenerator<Buffer> {
    const handle = await open(this.path, 'r');
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let pos = 0, turn = 0;
    const read = () => handle.read(buffers[turn], 0, CHUNK, pos);
    let next = read();
    try {
      for (;;) {
        const { bytesRead, buffer } = await next;
        if (bytesRead === 0) return;
        pos += bytesRead;
        turn ^= 1;
        next = read();
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      // A read still under way (the caller stopped early, or failed) ends before the file is closed.
      await next.catch(() => undefined);
      await handle.close();
    }
  }

  /**
   * A range's bytes (a parallel worker's share), read with blocking reads into one buffer. A
   * worker has nothing else to do while it waits, and the reads ahead that fileChunks makes go
   * through libuv's thread pool: with every core busy folding, each waited for a turn on one (3–8 ms,
   * dozens of times per range), and the hand-over cost CPU time. On 10 M deals in two ranges this
   * took the run from 5.8–6.1 s to 5.0–5.3 s, and its CPU time from 10.1–10.4 s to 8.5–9.2 s.
   */
  private async *rangeChunks({ start, end }: { start: number; end: number }): AsyncGenerator<Buffer> {
    const fd = openSync(this.path, 'r');
    const buffer = Buffer.allocUnsafe(CHUNK);
    try {
      for (let pos = start; pos < end;) {
        const n = readSync(fd, buffer, 0, Math.min(CHUNK, end - pos), pos);
        if (n === 0) return;
        pos += n;
        yield buffer.subarray(0, n);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** The SHA-256 of a regular file's bytes, read as a table reads them. */
export async function fileSha256(path: string): Promise<string> {
  const source = new ByteSource(path, path, undefined, statSync(path).size);
  for await (const _ of source.chunks(true));
  return source.digest;
}

const isUtf16 = (buf: Buffer) => buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff));
const utf16Error = (file: string) => dataError('NOT_UTF8', `${file}: is UTF-16 encoded; save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)`);
const notUtf8Error = (file: string, line: number, cause?: unknown) =>
  dataError('NOT_UTF8', `${file}:${line}: is not UTF-8 text (an invalid byte on this line); save it as UTF-8`, cause);

/** Where the first byte that is not part of a valid UTF-8 character is, or −1. */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0 || !isUtf8(b.subarray(i, i + n))) return i; // isUtf8 knows the fine rules (overlong forms, surrogates)
    i += n;
  }
  return -1;
}

/** The length of `buf` without a UTF-8 character cut off at its end (checked with the next chunk). */
function completeLength(buf: Buffer): number {
  const n = buf.length;
  for (let j = n - 1; j >= 0 && j >= n - 4; j--) {
    const c = buf[j];
    if (c < 0x80) return n;
    if (c >= 0xc0) return n - j >= (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) ? n : j;
  }
  return n;
}

/** Decodes UTF-8 strictly: a file in another encoding is one clear error, not mojibake. */
class Utf8Decoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private first = true;
  private lines = 1;
  constructor(private readonly file: string) {}

  decode(buf: Buffer, final = false): string {
    if (this.first && isUtf16(buf)) throw utf16Error(this.file);
    this.first = false;
    try {
      const text = this.decoder.decode(buf, { stream: !final });
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lines++;
      return text;
    } catch (err) {
      // Find the line of the first invalid byte: a lenient decode marks it with U+FFFD.
      const lenient = new TextDecoder('utf-8').decode(buf);
      const at = lenient.indexOf('\uFFFD');
      let line = this.lines;
      for (let i = lenient.indexOf('\n'); i !== -1 && i < at; i = lenient.indexOf('\n', i + 1)) line++;
      throw notUtf8Error(this.file, line, err);
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** What every format's table shares: the byte source (hash, counts, size) and the header. */
abstract class SourceTable implements Table {
  header: string[] | undefined;
  abstract readonly format: InputFormat;
  abstract readonly fixedWidth: boolean;
  constructor(readonly file: string, protected readonly source: ByteSource) {}
  get sha256() { return this.source.digest; }
  get bytes() { return this.source.bytes; }
  get size() { return this.source.size; }
  abstract batches(): AsyncGenerator<RawRecord[]>;
}

export class CsvTable extends SourceTable {
  readonly fixedWidth = true;
  constructor(file: string, readonly format: InputFormat, source: ByteSource, private readonly delimiter: string,
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

/**
 * Lays JSON objects out as records against a header that grows when a new key appears. Keys are
 * column names, matched as headers are (trimmed, case-folded): `Source` in a later object is the
 * `source` column; an object holding two such keys is rejected, as a whole (its two values differ
 * or not, the reader cannot tell which one is meant).
 */
class ObjectLayout {
  readonly header: string[] = [];
  /** Each key as written → its column. */
  private readonly index = new Map<string, number>();
  /** Each column's folded name → the column. */
  private readonly folded = new Map<string, number>();
  /** Per column: the number of the last object that set it (an object sets a column once, unless two of its keys fold alike). */
  private readonly setBy: number[] = [];
  private objects = 0;

  toRecord(value: unknown, line: number): RawRecord {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { line, fields: [], error: `expected a JSON object per row, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
    }
    const fields: string[] = new Array(this.header.length).fill('');
    const object = ++this.objects;
    let error: string | undefined;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      let i = this.index.get(key);
      if (i === undefined) {
        const name = key.trim().toLowerCase();
        i = this.folded.get(name);
        if (i === undefined) { i = this.header.length; this.header.push(key); this.folded.set(name, i); }
        this.index.set(key, i);
      }
      if (this.setBy[i] === object) {
        const other = Object.keys(value as object).find((k) => k !== key && this.index.get(k) === i) ?? this.header[i];
        const raw = (() => { try { return JSON.stringify(value); } catch { return undefined; } })();
        // The whole object goes to --rejects as its raw line: the fields have room for one of the two values.
        return { line, fields, raw, error: `keys ${showValue(other)} and ${showValue(key)} name the same column (names are matched ignoring case and surrounding spaces); keep one` };
      }
      this.setBy[i] = object;
      let text: string;
      if (v === null || v === undefined) text = '';
      else if (typeof v === 'string') text = v;
      else if (typeof v === 'number' || typeof v === 'boolean') text = String(v);
      else {
        // Kept for --rejects; a value nested too deeply to stringify is only named.
        try { text = JSON.stringify(v); } catch { text = '(nested value)'; }
        error ??= `column ${showValue(key)}: nested JSON values are not supported (expected a string, number or null)`;
      }
      fields[i] = text;
    }
    return error ? { line, fields, error } : { line, fields };
  }
}

class JsonArrayTable extends SourceTable {
  readonly format = 'json' as const;
  readonly fixedWidth = false;

  async *batches(): AsyncGenerator<RawRecord[]> {
    const layout = new ObjectLayout();
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
    parser.onValue = ({ value }) => { batch.push(layout.toRecord(value, elementLine)); this.header = layout.header; };
    const fail = (err: unknown): never => {
      if (err instanceof Error && err.name === 'FunnelError') throw err;
      if (err instanceof RangeError) throw dataError('BAD_JSON', `${this.file}:${line}: the JSON is nested too deeply to read (after this line)`, err);
      const msg = err instanceof Error ? err.message : String(err);
      throw dataError('BAD_JSON', `${this.file}:${line}: not valid JSON after this line (${msg})`, err);
    };
    let first = true;
    for await (let buf of this.source.chunks()) {
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
    this.header ??= layout.header;
    if (batch.length) yield batch;
  }
}

class NdjsonTable extends SourceTable {
  readonly format = 'ndjson' as const;
  readonly fixedWidth = false;

  async *batches(): AsyncGenerator<RawRecord[]> {
    const layout = new ObjectLayout();
    const decoder = new Utf8Decoder(this.file);
    let rest = '', line = 1;
    let batch: RawRecord[] = [];
    const take = (text: string) => {
      const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (trimmed.trim() !== '') {
        let value: unknown;
        try { value = JSON.parse(trimmed); } catch (err) {
          batch.push({ line, fields: [], raw: trimmed, error: `not valid JSON (${(err as Error).message})` });
          line++;
          return;
        }
        batch.push(layout.toRecord(value, line));
        this.header = layout.header;
      }
      line++;
    };
    const feed = (text: string) => {
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        take(text.slice(start, nl));
        start = nl + 1;
      }
      return text.slice(start);
    };
    for await (const buf of this.source.chunks()) {
      const text = decoder.decode(buf);
      // A line longer than a chunk: the text is added to it without searching it again for a line
      // break (searching rest + text each time made a long line cost time quadratic in its length).
      rest = text.includes('\n') ? feed(rest + text) : rest + text;
      if (rest.length > MAX_RECORD_CHARS) throw dataError('RECORD_TOO_LONG', `${this.file}:${line}: a line is longer than ${MAX_RECORD_CHARS / 1048576} MiB`);
      if (batch.length) { yield batch; batch = []; }
    }
    rest = feed(rest + decoder.decode(Buffer.alloc(0), true));
    if (rest !== '') take(rest);
    this.header ??= layout.header;
    if (batch.length) yield batch;
  }
}
