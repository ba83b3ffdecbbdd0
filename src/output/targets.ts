/** Where a run's outputs really land: the end of their symlinks. */
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

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

/** The rejects file's spill (see RejectsFile): beside the file it feeds. */
export const spillPathOf = (rejectsReal: string) => join(dirname(rejectsReal), `.${basename(rejectsReal)}.${process.pid}.spill.tmp`);
