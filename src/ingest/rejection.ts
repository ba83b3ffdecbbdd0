import type { InputKind } from '../kinds.js';

/** A rejected row: where it was, why, and its original columns and values (for --rejects). */
export interface Rejection {
  kind: InputKind;
  file: string;
  line: number;
  /** `column "amount": "abc" is not a number (…)`, without the location. */
  reason: string;
  /** Original column names and values, so the row can be written out in full. */
  header: readonly string[];
  fields: readonly string[];
}

export const formatRejection = (r: Pick<Rejection, 'file' | 'line' | 'reason'>) => `${r.file}:${r.line}: ${r.reason}`;
