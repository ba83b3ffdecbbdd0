/**
 * Writing a report's pieces (see Writer): in chunks of about 1 MiB, so that no report, however
 * large, becomes one string (V8 allows ≈ 512 MiB), waiting while the destination's buffer is full.
 */
import type { Writable } from 'node:stream';

export async function writePieces(pieces: Iterable<string>, write: (chunk: string) => Promise<void>): Promise<void> {
  let chunk: string[] = [], size = 0;
  for (const piece of pieces) {
    chunk.push(piece);
    size += piece.length;
    if (size >= 1 << 20) { await write(chunk.join('')); chunk = []; size = 0; }
  }
  if (size > 0) await write(chunk.join(''));
}

/** Writes to a stream, waiting while its buffer is full (or until it fails or closes). */
export function writeStream(stream: Writable, chunk: string): Promise<void> {
  if (stream.write(chunk) || stream.destroyed) return Promise.resolve();
  return new Promise((done) => {
    const settled = () => { for (const e of ['drain', 'error', 'close']) stream.off(e, settled); done(); };
    for (const e of ['drain', 'error', 'close']) stream.once(e, settled);
  });
}
