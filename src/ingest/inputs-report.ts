import type { FileStats } from './read.js';
import { INPUT_KINDS } from '../core/kinds.js';

export interface FileReport { file: string; format: string; sha256: string; bytes: number; rows: number; accepted: number; rejected: number; skipped?: number }
export type InputReport = FileReport | { files: FileReport[]; rows: number; accepted: number; rejected: number };

/**
 * The `inputs` block of a JSON report, one entry per input kind: the file's own entry,
 * or, when several files of one kind were given, each file's entry and the summed counts.
 */
export function inputsReport(stats: readonly FileStats[]): Record<string, InputReport> {
  const out: Record<string, InputReport> = {};
  const byKind = new Map<string, FileReport[]>();
  const ordered = [...stats].sort((a, b) => INPUT_KINDS.indexOf(a.kind) - INPUT_KINDS.indexOf(b.kind));
  for (const s of ordered) {
    const entry: FileReport = { file: s.file, format: s.format, sha256: s.sha256, bytes: s.bytes, rows: s.rows, accepted: s.accepted, rejected: s.rejected };
    // Title and filter rows above a workbook's header: shown only when there were some.
    if (s.skipped) entry.skipped = s.skipped;
    byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), entry]);
  }
  for (const [kind, files] of byKind) {
    out[kind] = files.length === 1 ? files[0] : {
      files,
      rows: files.reduce((a, f) => a + f.rows, 0),
      accepted: files.reduce((a, f) => a + f.accepted, 0),
      rejected: files.reduce((a, f) => a + f.rejected, 0),
    };
  }
  return out;
}
