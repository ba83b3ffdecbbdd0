import { usageError } from '../errors.js';
import type { InputKind } from '../config.js';
import { INPUT_KINDS } from '../kinds.js';
import type { InputFlags, Io } from './common.js';

export function requireInput(flags: InputFlags, kind: InputKind, view: string): void {
  if (flags[kind].length === 0) throw usageError('NO_INPUT', `the ${view} view needs --${kind} (see funnel ${view} --help)`);
}

/** Inputs a view does not read are named on stderr, so nobody thinks they were used. */
export function warnUnused(flags: InputFlags, used: InputKind[], view: string, io: Io): void {
  const unused = INPUT_KINDS.filter((k) => flags[k].length > 0 && !used.includes(k));
  if (unused.length && !flags.quiet) io.stderr.write(`funnel: note: the ${view} view does not read ${unused.map((k) => `--${k}`).join(', ')} (funnel report runs every view)\n`);
}
