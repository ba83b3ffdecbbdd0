import type { InputKind } from '../core/kinds.js';
import { escapeText } from '../core/errors.js';

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

/** A rejection as a line for a terminal (stderr, `validate`): the file name and the reason escaped (see escapeText). */
export const formatRejection = (r: Pick<Rejection, 'file' | 'line' | 'reason'>) => escapeText(`${r.file}:${r.line}: ${r.reason}`);
