/**
 * Reading one-object-per-line JSON from its bytes without making an object per line. Each line of
 * a chunk is scanned for its top-level keys and the bounds of their values; the reader then reads
 * only the columns it uses, in place, as it reads a CSV record's fields (the scanner offers the
 * CSV tokenizer's record interface: `data`, `starts`, `ends`, `flags`, `field`, `record` …).
 *
 * The scanner takes only the plain case: an object whose values are strings, numbers, true, false
 * or null, whose keys are plain text (no escape, not starting with a digit: JSON.parse puts such
 * keys first) and name distinct columns. Any other line — not JSON, not an object, a nested value,
 * a key met twice — is read as before: JSON.parse and ObjectLayout.toRecord, so every rejection and
 * its reason stay those of the object reader. test/json-scan.test.ts checks both give the same records.
 *
 * A chunk is scanned whole before its records are read (two passes), because the object reader
 * laid out a chunk's objects first and read them against the header as it stood at the chunk's end.
 */
import { ESCAPED, type RawRecord } from '../csv.js';
import type { ObjectLayout } from './objects.js';

/** A number whose text is not the text String() gives its value (1e3, 1.50, -0): read through Number (with ESCAPED). */
export const NUMBER = 8;

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c, OPEN = 0x7b, CLOSE = 0x7d;
const SPACE = 0x20, TAB = 0x09, CR = 0x0d, LF = 0x0a, MINUS = 0x2d, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;

const isWhite = (c: number) => c === SPACE || c === TAB || c === CR || c === LF;
const isDigit = (c: number) => c >= ZERO && c <= NINE;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** Thrown inside a scan: the line is read the object reader's way. */
const SLOW = -1;

/**
 * The end of a JSON number starting at `i` (a digit or minus), or SLOW when it is not one; `plain`
 * is set to whether String(Number(text)) gives the text back: an integer or decimal of at most 15
 * significant digits, no trailing zero after the point, no exponent, not −0, not below 1e-6.
 */
function numberEnd(b: Uint8Array, i: number, end: number, out: { plain: boolean }): number {
  let plain = true;
  const start = i;
  if (b[i] === MINUS) i++;
  if (i >= end || !isDigit(b[i])) return SLOW;
  let digits = 0, zeroInt = false;
  if (b[i] === ZERO) { i++; zeroInt = true; } else { while (i < end && isDigit(b[i])) { i++; digits++; } }
  if (i < end && b[i] === DOT) {
    i++;
    if (i >= end || !isDigit(b[i])) return SLOW;
    let leading = 0, frac = 0, last = 0;
    while (i < end && isDigit(b[i])) {
      if (zeroInt && frac === 0 && b[i] === ZERO) leading++; else frac++;
      last = b[i]; i++;
    }
    if (last === ZERO || (zeroInt && leading > 5)) plain = false;
    digits += frac;
  } else if (zeroInt && b[start] === MINUS) plain = false; // -0
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    plain = false;
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === MINUS)) i++;
    if (i >= end || !isDigit(b[i])) return SLOW;
    while (i < end && isDigit(b[i])) i++;
  }
  if (digits > 15) plain = false;
  out.plain = plain;
  return i;
}

/** The end of a word (true, false, null) at i, or SLOW. */
function wordEnd(b: Uint8Array, i: number, end: number, word: Uint8Array): number {
  if (i + word.length > end) return SLOW;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return SLOW;
  return i + word.length;
}
const TRUE = Buffer.from('true'), FALSE = Buffer.from('false'), NULL = Buffer.from('null');

/**
 * The records of a chunk's lines: scanned into flat arrays (first pass), then handed out one at
 * a time as the current record (second pass), with the tokenizer's record interface.
 */
export class JsonLines {
  /** The bytes the records' offsets point into (the chunk's complete lines). */
  data: Buffer = Buffer.alloc(0);
  // The current record, as the CSV tokenizer gives one.
  line = 1;
  fieldCount = 0;
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  flags = new Uint8Array(64);
  /** Set (to a marker, not a reason) for a record read the object reader's way: record() gives it. */
  error: string | undefined;
  readonly lazy = false;
  readonly positions = new Int32Array(0);
  readonly base = 0;
  /** Whether a line was read the plain way since the chunk began (the table's header is then the layout's). */
  plainSeen = false;
  /** The current record's index in the chunk (recordAt takes it back). */
  recordStart = 0;
  recordEnd = 0;

  // The chunk's records: line, header width after it, its members [from, to) in the member arrays, or its record read the slow way.
  private count = 0;
  private recLine = new Int32Array(1024);
  private recWidth = new Int32Array(1024);
  private recFrom = new Int32Array(1025);
  private slow: (RawRecord | undefined)[] = [];
  // Members: column, value bounds, flags.
  private members = 0;
  private mCol = new Int32Array(8192);
  private mStart = new Int32Array(8192);
  private mEnd = new Int32Array(8192);
  private mFlags = new Uint8Array(8192);

  // Per line being scanned: the column each member's key names, its first use on this line, the keys new to the layout.
  private stamp = new Int32Array(64);
  private stampNow = 0;
  private readonly pending: string[] = [];
  private readonly pendingFolded: string[] = [];
  /** The keys seen at each member place of the line before (as bytes), with their columns: a key is most often the one before. */
  private keyBytes: Buffer[] = [];
  private keyCol: number[] = [];
  private readonly number = { plain: true };

  constructor(private readonly layout: ObjectLayout, private readonly readSlow: (text: string, line: number) => RawRecord | undefined) {}

  /** Starts a chunk: `data` holds its complete lines. */
  begin(data: Buffer): void {
    this.data = data;
    this.count = 0;
    this.members = 0;
    this.slow.length = 0;
    this.recFrom[0] = 0;
    this.plainSeen = false;
  }

  /** Scans the line data[start, end) (its line break excluded) on line `line`: a record is added unless the line is blank. */
  add(start: number, end: number, line: number): void {
    const b = this.data;
    if (end > start && b[end - 1] === CR) end--;
    let i = start;
    while (i < end && (b[i] === SPACE || b[i] === TAB || b[i] === CR)) i++;
    if (i === end) return; // blank (the object reader skips it too)
    const k = this.count;
    if (k + 1 >= this.recLine.length) this.growRecords();
    this.recLine[k] = line;
    const from = this.members;
    if (b[i] !== OPEN || this.after(this.scanObject(i, end), end) === SLOW) {
      this.members = from;
      this.pending.length = 0;
      this.pendingFolded.length = 0;
      this.slow[k] = this.readSlow(b.toString('utf8', start, end), line);
      if (this.slow[k] === undefined) return; // blank to JavaScript's trim (a form feed, say)
    } else {
      this.commit(k);
    }
    this.recWidth[k] = this.layout.header.length;
    this.recFrom[k + 1] = this.members;
    this.count = k + 1;
  }

  /** Record k was scanned the plain way: the keys it added go into the layout. */
  private commit(k: number): void {
    for (const key of this.pending) this.layout.add(key);
    this.pending.length = 0;
    this.pendingFolded.length = 0;
    this.slow[k] = undefined;
    this.plainSeen = true;
  }

  /**
   * Scans the object data[start, end) (a JSON array's element, found complete) on line `line`:
   * false, with nothing added, unless it is the plain case.
   */
  addObject(start: number, end: number, line: number): boolean {
    return this.addPlain(start, end, line, true) === end;
  }

  /**
   * Scans the object starting at data[start] (a JSON array's element), looking no further than
   * `limit`, on line `line`: where it ends (after its closing brace), with its record added, or −1,
   * with nothing added, when it is not the plain case or does not end before `limit` (valueEnd
   * tells which). A plain object ends at its first closing brace outside a string, where valueEnd
   * ends it, so this is addObject without finding the end first. `exact`: −1 too unless it ends at `limit`.
   */
  addPlain(start: number, limit: number, line: number, exact = false): number {
    const k = this.count;
    if (k + 1 >= this.recLine.length) this.growRecords();
    const from = this.members;
    const end = this.scanObject(start, limit, true);
    if (end === SLOW || (exact && end !== limit)) {
      this.members = from;
      this.pending.length = 0;
      this.pendingFolded.length = 0;
      return -1;
    }
    this.recLine[k] = line;
    this.commit(k);
    this.recWidth[k] = this.layout.header.length;
    this.recFrom[k + 1] = this.members;
    this.count = k + 1;
    return end;
  }

  /** A record made elsewhere (the streaming object reader's), handed on as one read the slow way. */
  addRecord(record: RawRecord): void {
    const k = this.count;
    if (k + 1 >= this.recLine.length) this.growRecords();
    this.recLine[k] = record.line;
    this.slow[k] = record;
    this.recWidth[k] = this.layout.header.length;
    this.recFrom[k + 1] = this.members;
    this.count = k + 1;
  }

  /**
   * Scans an object from its brace at `i`: where it ends (after its closing brace), or SLOW unless
   * it is the plain case. `array`: an element of a JSON array, whose reader does not take the key
   * __proto__ as a key of the object (JSON.parse does).
   */
  private scanObject(i: number, end: number, array = false): number {
    const b = this.data, layout = this.layout;
    const stampNow = ++this.stampNow;
    i++;
    while (i < end && isWhite(b[i])) i++;
    if (i < end && b[i] === CLOSE) return i + 1;
    for (let place = 0; ; place++) {
      // The key.
      if (i >= end || b[i] !== QUOTE) return SLOW;
      const ks = ++i;
      while (i < end && b[i] !== QUOTE) { if (b[i] === BACKSLASH || b[i] < SPACE) return SLOW; i++; }
      if (i >= end) return SLOW;
      const ke = i++;
      if (array && ke - ks === 9 && b.toString('latin1', ks, ke) === '__proto__') return SLOW;
      const col = this.column(b, ks, ke, place);
      if (col === SLOW) return SLOW;
      if (col >= this.stamp.length) this.growStamp(col + 1);
      if (this.stamp[col] === stampNow) return SLOW; // a key met twice, or two that name one column
      this.stamp[col] = stampNow;
      while (i < end && isWhite(b[i])) i++;
      if (i >= end || b[i] !== COLON) return SLOW;
      i++;
      while (i < end && isWhite(b[i])) i++;
      if (i >= end) return SLOW;
      // The value.
      const c = b[i];
      let vs: number, ve: number, flags = 0;
      if (c === QUOTE) {
        vs = ++i;
        for (;;) {
          if (i >= end) return SLOW;
          const x = b[i];
          if (x === QUOTE) break;
          if (x < SPACE) return SLOW;
          if (x === BACKSLASH) {
            flags = ESCAPED;
            const e = b[i + 1];
            if (e === 0x75) { // \uXXXX
              if (i + 5 >= end || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5])) return SLOW;
              i += 6;
            } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
            else return SLOW;
          } else i++;
        }
        ve = i++;
      } else if (c === MINUS || isDigit(c)) {
        vs = i;
        i = numberEnd(b, i, end, this.number);
        if (i === SLOW) return SLOW;
        ve = i;
        if (!this.number.plain) flags = ESCAPED | NUMBER;
      } else if (c === 0x74 || c === 0x66) {
        vs = i;
        i = wordEnd(b, i, end, c === 0x74 ? TRUE : FALSE);
        if (i === SLOW) return SLOW;
        ve = i;
      } else if (c === 0x6e) {
        i = wordEnd(b, i, end, NULL);
        if (i === SLOW) return SLOW;
        vs = ve = i; // null: an empty field
      } else return SLOW; // a nested object or array, or not JSON
      const m = this.members;
      if (m >= this.mCol.length) this.growMembers();
      this.mCol[m] = col; this.mStart[m] = vs; this.mEnd[m] = ve; this.mFlags[m] = flags;
      this.members = m + 1;
      while (i < end && isWhite(b[i])) i++;
      if (i >= end) return SLOW;
      if (b[i] === CLOSE) return i + 1;
      if (b[i] !== COMMA) return SLOW;
      i++;
      while (i < end && isWhite(b[i])) i++;
    }
  }

  /** After the closing brace: nothing but white space. */
  private after(i: number, end: number): number {
    if (i === SLOW) return SLOW;
    const b = this.data;
    while (i < end && isWhite(b[i])) i++;
    return i === end ? i : SLOW;
  }

  /** The column of the key data[ks, ke) at member place `place`; a key new to the layout waits in `pending` (added once the line is read). */
  private column(b: Buffer, ks: number, ke: number, place: number): number {
    const known = this.keyBytes[place];
    if (known !== undefined && known.length === ke - ks && b.compare(known, 0, known.length, ks, ke) === 0) return this.keyCol[place];
    if (ke > ks && isDigit(b[ks])) return SLOW; // JSON.parse orders keys like "2" first
    const key = b.toString('utf8', ks, ke);
    let col = this.layout.known(key);
    if (col === undefined) {
      const folded = key.trim().toLowerCase();
      if (this.pendingFolded.includes(folded)) return SLOW;
      col = this.layout.header.length + this.pending.length;
      this.pending.push(key);
      this.pendingFolded.push(folded);
      return col; // not remembered for the next line until added
    }
    this.keyBytes[place] = Buffer.from(b.subarray(ks, ke));
    this.keyCol[place] = col;
    return col;
  }

  /** How many records the chunk holds. */
  get records(): number { return this.count; }

  /** Makes record k the current one, against a header of `width` columns (the header at the chunk's end). */
  select(k: number, width: number): void {
    this.line = this.recLine[k];
    this.recordStart = this.recordEnd = k;
    if (this.slow[k] !== undefined) { this.error = 'read as an object'; this.fieldCount = width; return; }
    this.error = undefined;
    this.fieldCount = width;
    if (this.starts.length < width) this.growFields(width);
    const starts = this.starts, ends = this.ends, flags = this.flags;
    starts.fill(0, 0, width); ends.fill(0, 0, width); flags.fill(0, 0, width);
    for (let m = this.recFrom[k], to = this.recFrom[k + 1]; m < to; m++) {
      const col = this.mCol[m];
      starts[col] = this.mStart[m]; ends[col] = this.mEnd[m]; flags[col] = this.mFlags[m];
    }
  }

  /** data[start, end) as a string. */
  slice(start: number, end: number): string {
    return this.data.toString('utf8', start, end);
  }

  /** The value of field i of the current record, as the object reader makes it. */
  field(i: number): string {
    return this.text(this.starts[i], this.ends[i], this.flags[i]);
  }

  private text(s: number, e: number, flags: number): string {
    if (s === e) return '';
    const raw = this.data.toString('utf8', s, e);
    if ((flags & NUMBER) !== 0) return String(Number(raw));
    if ((flags & ESCAPED) !== 0) return JSON.parse(`"${raw}"`) as string;
    return raw;
  }

  /** The current record with every field as a string, as ObjectLayout.toRecord makes it. */
  record(): RawRecord {
    return this.recordAt(this.recordStart, this.recordEnd, this.line);
  }

  /** Record k of the chunk (an earlier record's recordStart), as the object reader made it. */
  recordAt(k: number, _end: number, line: number): RawRecord {
    const slow = this.slow[k];
    if (slow !== undefined) return slow;
    const fields: string[] = new Array(this.recWidth[k]).fill('');
    for (let m = this.recFrom[k], to = this.recFrom[k + 1]; m < to; m++) fields[this.mCol[m]] = this.text(this.mStart[m], this.mEnd[m], this.mFlags[m]);
    return { line, fields };
  }

  private growRecords(): void {
    const n = this.recLine.length * 2;
    const grow = (a: Int32Array, size: number) => { const b = new Int32Array(size); b.set(a); return b; };
    this.recLine = grow(this.recLine, n); this.recWidth = grow(this.recWidth, n); this.recFrom = grow(this.recFrom, n + 1);
  }

  private growMembers(): void {
    const n = this.mCol.length * 2;
    const grow = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    this.mCol = grow(this.mCol); this.mStart = grow(this.mStart); this.mEnd = grow(this.mEnd);
    const f = new Uint8Array(n); f.set(this.mFlags); this.mFlags = f;
  }

  private growStamp(n: number): void {
    const s = new Int32Array(Math.max(n, this.stamp.length * 2)); s.set(this.stamp); this.stamp = s;
  }

  private growFields(n: number): void {
    const size = Math.max(n, this.starts.length * 2);
    this.starts = new Int32Array(size); this.ends = new Int32Array(size); this.flags = new Uint8Array(size);
  }
}

/**
 * Where the JSON object or array starting at data[i] ends (after its closing bracket), tracking
 * strings and nesting only: −1 when the bytes end first. Whether it is valid is for the scan after.
 */
export function valueEnd(b: Uint8Array, i: number, end: number): number {
  let depth = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c === QUOTE) {
      for (i++; i < end && b[i] !== QUOTE; i++) if (b[i] === BACKSLASH) i++;
      if (i >= end) return -1;
    } else if (c === OPEN || c === 0x5b) depth++;
    else if (c === CLOSE || c === 0x5d) { if (--depth === 0) return i + 1; }
  }
  return -1;
}
