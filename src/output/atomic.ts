/**
 * Atomic file output: write to a temporary file beside the target, then rename over it, so a
 * killed run leaves the old file or nothing, never a partial one.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { dataError } from '../errors.js';

export class AtomicFile {
  private readonly temp: string;
  private readonly stream: WriteStream;
  private failed: Error | undefined;

  constructor(readonly path: string) {
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
    this.stream = createWriteStream(this.temp);
    this.stream.on('error', (err) => { this.failed = err; });
  }

  async write(text: string): Promise<void> {
    if (this.failed) throw this.error(this.failed);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async commit(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'close');
    if (this.failed) { await rm(this.temp, { force: true }); throw this.error(this.failed); }
    await rename(this.temp, this.path);
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.temp, { force: true });
  }

  private error(err: Error) {
    return dataError('UNWRITABLE', `${this.path}: cannot write (${(err as NodeJS.ErrnoException).code ?? err.message})`, err);
  }
}
