/**
 * Where a run's outputs really land, and the check, before any input is read, that no output
 * lands on an input or on another output — by device and inode when the file exists (so symlinks
 * and hard links are seen through), by resolved real path when it does not exist yet.
 */
import { fstatSync, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { showValue, usageError } from '../core/errors.js';

export interface Target {
  /** The file to write: the end of the path's symlinks, with its folder's links resolved. */
  real: string;
  /**
   * Write it directly, never replace it: it exists and is not a regular file (a terminal,
   * /dev/null, a FIFO), or it is reached through /proc (/dev/stdout names the caller's file).
   */
  direct: boolean;
  /** The existing regular file's mode and owner, which a replacement keeps. */
  existing?: { mode: number; uid: number; gid: number };
}

const realFolder = (path: string): string => {
  try { return join(realpathSync(dirname(path)), basename(path)); } catch { return path; }
};

/** Follows `path`'s symlinks (also dangling ones: writing through them creates their target). */
export function resolveTarget(path: string): Target {
  let real = realFolder(path);
  let viaProc = real.startsWith('/proc/');
  for (let hops = 0; hops < 40; hops++) {
    let link: Stats;
    try { link = lstatSync(real); } catch { break; }
    if (!link.isSymbolicLink()) break;
    real = realFolder(resolve(dirname(real), readlinkSync(real)));
    if (real.startsWith('/proc/')) viaProc = true;
  }
  let stats: Stats | undefined;
  try { stats = statSync(real); } catch { /* does not exist yet */ }
  const direct = viaProc || (stats !== undefined && !stats.isFile());
  return { real: direct ? path : real, direct, existing: stats?.isFile() ? { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid } : undefined };
}

/** This run, in temporary file names: the pid alone may be a killed run's, whose files are left. */
const RUN = `${process.pid}.${Date.now()}`;

/** The rejects file's spill (see RejectsFile): beside the file it feeds. */
export const spillPathOf = (rejectsReal: string) => join(dirname(rejectsReal), `.${basename(rejectsReal)}.${RUN}.spill.tmp`);

/** A file the run reads or writes: the flag that names it, and its path (absolute, or - for stdin). */
export interface Place { role: string; path: string; shown?: string }

/** What makes two places the same file: device and inode, else the real path. Undefined for /dev/null. */
export function identity(path: string): string | undefined {
  let stats: Stats | undefined;
  try { stats = statSync(path); } catch { /* not there yet */ }
  if (stats) {
    if (stats.isCharacterDevice() && realFolder(path) === '/dev/null') return undefined; // writing there loses nothing
    return `${stats.dev}:${stats.ino}`;
  }
  return 'path:' + resolveTarget(path).real;
}

function fdIdentity(fd: unknown): string | undefined {
  if (typeof fd !== 'number') return undefined;
  try {
    const stats = fstatSync(fd);
    return stats.isCharacterDevice() && stats.rdev === statSync('/dev/null').rdev ? undefined : `${stats.dev}:${stats.ino}`;
  } catch { return undefined; }
}

/**
 * Refuses (usage error, exit 2) a run in which an output is an input or another output.
 * `inputs` and `outputs` carry paths resolved against the working directory; `stdin` and
 * `stdout` are the file descriptors of the standard streams when they are read or written.
 */
export function checkCollisions(inputs: Place[], outputs: Place[], std: { stdin?: unknown; stdout?: unknown } = {}): void {
  const read = inputs.map((p) => ({ ...p, id: p.path === '-' ? fdIdentity(std.stdin) : identity(p.path) }));
  const written = outputs.map((p) => ({ ...p, id: identity(p.path) }));
  const stdout = fdIdentity(std.stdout);
  if (stdout !== undefined) written.unshift({ role: 'stdout (the report)', path: '', id: stdout });
  const name = (p: Place) => p.path === '' ? p.role : p.path === '-' ? `${p.role} - (stdin)` : `${p.role} ${showValue(p.shown ?? p.path, 200)}`;
  written.forEach((out, i) => {
    if (out.id === undefined) return;
    const input = read.find((p) => p.id === out.id);
    if (input) throw usageError('OUTPUT_IS_INPUT', `${name(out)} is the same file as the input ${name(input)}; writing it would destroy the input (choose another file)`);
    const other = written.slice(0, i).find((p) => p.id === out.id);
    if (other) throw usageError('OUTPUT_TWICE', `${name(out)} is the same file as ${name(other)}; one would overwrite the other (choose another file)`);
  });
}
