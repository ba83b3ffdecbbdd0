/**
 * Atomic file output: write to a temporary file beside the target, then rename over it, so a
 * killed run leaves the old file or nothing, never a partial one. A target that exists and is not
 * a regular file (/dev/null, a FIFO, a terminal) is written directly: renaming over it would
 * replace the device with a plain file.
 */
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { dataError } from '../errors.js';

export class AtomicFile {
  private readonly temp: string;
  private readonly stream: WriteStream;
  private failed: Error | undefined;

  private readonly direct: boolean;

  constructor(readonly path: string) {
    let special = false;
    try { special = !statSync(path).isFile(); } catch { /* does not exist yet: fine */ }
    this.direct = special;
    this.temp = special ? path : join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
    this.stream = createWriteStream(this.temp);
    this.stream.on('error', (err) => { this.failed = err; });
  }

  async write(text: string): Promise<void> {
    if (this.failed) throw this.error(this.failed);
    if (!this.stream.write(text)) await this.settled('drain');
    if (this.failed) throw this.error(this.failed);
  }

  async commit(): Promise<void> {
    if (!this.failed) { this.stream.end(); await this.settled('finish'); }
    if (!this.stream.closed) await this.settled('close');
    if (this.failed) { if (!this.direct) await rm(this.temp, { force: true }); throw this.error(this.failed); }
    if (!this.direct) await rename(this.temp, this.path);
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
    if (!this.direct) await rm(this.temp, { force: true });
  }

  private error(err: Error) {
    return dataError('UNWRITABLE', `${this.path}: cannot write (${(err as NodeJS.ErrnoException).code ?? err.message})`, err);
  }
}
