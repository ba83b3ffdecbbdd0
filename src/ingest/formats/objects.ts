import { showValue } from '../../core/errors.js';
import type { RawRecord } from '../csv.js';

/**
 * Lays JSON objects out as records against a header that grows when a new key appears. Keys are
 * column names, matched as headers are (trimmed, case-folded): `Source` in a later object is the
 * `source` column; an object holding two such keys is rejected, as a whole (its two values differ
 * or not, the reader cannot tell which one is meant).
 */
export class ObjectLayout {
  readonly header: string[] = [];
  /** Each key as written → its column. */
  private readonly index = new Map<string, number>();
  /** Each column's folded name → the column. */
  private readonly folded = new Map<string, number>();
  /** Per column: the number of the last object that set it (an object sets a column once, unless two of its keys fold alike). */
  private readonly setBy: number[] = [];
  private objects = 0;

  /** The column of a key met before (as written, or another key that folds alike, then remembered as written); undefined for a new one. */
  known(key: string): number | undefined {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.folded.get(key.trim().toLowerCase());
      if (i !== undefined) this.index.set(key, i);
    }
    return i;
  }

  /** A new key: the next column. */
  add(key: string): number {
    const i = this.header.length;
    this.header.push(key);
    this.folded.set(key.trim().toLowerCase(), i);
    this.index.set(key, i);
    return i;
  }

  toRecord(value: unknown, line: number): RawRecord {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { line, fields: [], error: `expected a JSON object per row, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
    }
    const fields: string[] = new Array(this.header.length).fill('');
    const object = ++this.objects;
    let error: string | undefined;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const i = this.known(key) ?? this.add(key);
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
