/**
 * Atomic file output: write to a temporary file beside the target, then rename over it, so a
 * killed run leaves the old file or nothing, never a partial one. A symlink is written through:
 * the temporary file goes beside the link's target and replaces the target, not the link. The
 * replacement keeps the old file's mode and owner. A target that is not a regular file (/dev/null,
 * a FIFO, a terminal, /dev/stdout) is written directly: renaming over it would replace the device
 * with a plain file.
 */
import { chmodSync, chownSync, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { dataError } from '../core/errors.js';
import { resolveTarget, type Target } from './targets.js';
import { trackTemp } from './temps.js';

export interface AtomicOptions {
  /** Mode of a file created new (before the umask): 0o600 for files that hold personal data. */
  mode?: number;
}

export class AtomicFile {
  private readonly temp: string;
  private readonly stream: WriteStream;
  private failed: Error | undefined;
  /** False when the temp file's name was taken (EEXIST): that file is not ours to remove. */
  private ownsTemp = true;
  private readonly target: Target;
  private readonly untrack: () => void;

  constructor(readonly path: string, options: AtomicOptions = {}) {
    this.target = resolveTarget(path);
    const { real, direct, existing } = this.target;
    this.temp = direct ? real : join(dirname(real), `.${basename(real)}.${process.pid}.${Date.now()}.tmp`);
    this.untrack = direct ? () => {} : trackTemp(this.temp);
    // The temp file starts private when it will take an existing file's mode: it may be narrower.
    const mode = existing ? 0o600 : options.mode ?? 0o666;
    // Written directly, a file behind /dev/stdout is appended to: the shell opened it (`>>` too).
    this.stream = createWriteStream(this.temp, direct ? { flags: 'a' } : { flags: 'wx', mode });
    this.stream.on('error', (err) => {
      this.failed = err;
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') { this.ownsTemp = false; this.untrack(); }
    });
  }

  async write(text: string): Promise<void> {
    if (this.failed) throw this.error(this.failed);
    if (!this.stream.write(text)) await this.settled('drain');
    if (this.failed) throw this.error(this.failed);
  }

  async commit(): Promise<void> {
    if (!this.failed) { this.stream.end(); await this.settled('finish'); }
    if (!this.stream.closed) await this.settled('close');
    if (this.failed) { await this.abort(); throw this.error(this.failed); }
    if (this.target.direct) return;
    try {
      const { existing } = this.target;
      if (existing) {
        chmodSync(this.temp, existing.mode);
        // Only root may give a file away; anyone else's replacement is theirs, as with any editor.
        try { chownSync(this.temp, existing.uid, existing.gid); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err; }
      }
      await rename(this.temp, this.target.real);
      this.untrack();
    } catch (err) {
      await this.abort();
      throw this.error(err as Error);
    }
  }

  /** Waits for `event`, or for the stream to fail or close, whichever comes first. */
  private settled(event: 'drain' | 'finish' | 'close'): Promise<void> {
    if (this.stream.closed || this.stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        for (const e of [event, 'error', 'close'] as const) this.stream.off(e, done);
        resolve();
      };
      for (const e of [event, 'error', 'close'] as const) this.stream.once(e, done);
    });
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    if (this.target.direct) return;
    if (this.ownsTemp) await rm(this.temp, { force: true });
    this.untrack();
  }

  private error(err: Error) {
    return dataError('UNWRITABLE', `${this.path}: cannot write (${(err as NodeJS.ErrnoException).code ?? err.message})`, err);
  }
}
