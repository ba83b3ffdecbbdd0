/**
 * The bytes of an input that is a byte stream (a file, a byte range of one, or stdin), hashed on
 * the way, and the checks that they are UTF-8 text: what every text format shares.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { dataError } from '../core/errors.js';

export function describeFsError(file: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return `${file}: no such file`;
    case 'EISDIR': return `${file}: is a directory, not a file`;
    case 'EACCES': case 'EPERM': return `${file}: permission denied`;
    default: return `${file}: cannot read (${err.code ?? err.message})`;
  }
}

/**
 * Bytes per read of a file: 960 KiB, not 1 MiB. A string of more than 0xFBEE9 bytes (≈ 0.98 MiB)
 * is made by Node outside the V8 heap, as an external string, which the collector frees late: when
 * CsvTokenizer.slice made one string of a whole 1 MiB chunk, these held 10–30 MB per reading thread,
 * a different amount each run (the stages view at 100× the demo, whose links to deals make it read
 * each lead's id as text, peaked at 207–242 MB; 193–213 MB with 960 KiB). slice now decodes 64 KiB
 * windows, but a longer value is still decoded alone: under this size any text made from a chunk
 * is an ordinary heap string. test/chunk-text.test.ts checks that a chunk's text stays on the heap.
 */
export const CHUNK = 960 * 1024;

/**
 * Streams the bytes of a file or stdin, hashing them on the way — unless no digest is wanted (only
 * JSON output shows it) or this is a range (a parallel worker's share: the main thread hashes the
 * whole file).
 */
export class ByteSource {
  private readonly hash: Hash | undefined;
  bytes = 0;
  digest = '';
  constructor(private readonly path: string, private readonly file: string, private readonly stdin?: Readable, readonly size?: number,
    private readonly range?: { start: number; end: number }, digest = true) {
    this.hash = digest && !range ? createHash('sha256') : undefined;
  }

  /**
   * The bytes, chunk by chunk. `reuse`: the caller is done with a chunk when it asks for the next
   * one, so a file is read into two buffers in turn (the next chunk is read while the caller works
   * on this one) — a new buffer per chunk costs page faults on every megabyte.
   */
  async *chunks(reuse = false): AsyncGenerator<Buffer> {
    try {
      // A range (of a regular file, always) is read by rangeChunks.
      const source = this.path === '-' ? (this.stdin ?? process.stdin)
        : this.range ? this.rangeChunks(this.range)
        : reuse && this.size !== undefined ? this.fileChunks()
        : createReadStream(this.path, { highWaterMark: CHUNK });
      for await (const chunk of source) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        this.hash?.update(buf);
        this.bytes += buf.length;
        yield buf;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code) throw dataError('UNREADABLE', describeFsError(this.file, err as NodeJS.ErrnoException), err);
      throw err;
    }
    this.digest = this.hash?.digest('hex') ?? '';
  }

  /** The file's bytes read into two buffers in turn, one read ahead. */
  private async *fileChunks(): AsyncGenerator<Buffer> {
    const handle = await open(this.path, 'r');
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let pos = 0, turn = 0;
    const read = () => handle.read(buffers[turn], 0, CHUNK, pos);
    let next = read();
    try {
      for (;;) {
        const { bytesRead, buffer } = await next;
        if (bytesRead === 0) return;
        pos += bytesRead;
        turn ^= 1;
        next = read();
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      // A read still under way (the caller stopped early, or failed) ends before the file is closed.
      await next.catch(() => undefined);
      await handle.close();
    }
  }

  /**
   * A range's bytes (a parallel worker's share), read with blocking reads into one buffer. A
   * worker has nothing else to do while it waits, and the reads ahead that fileChunks makes go
   * through libuv's thread pool: with every core busy folding, each waited for a turn on one (3–8 ms,
   * dozens of times per range), and the hand-over cost CPU time. On 10 M deals in two ranges this
   * took the run from 5.8–6.1 s to 5.0–5.3 s, and its CPU time from 10.1–10.4 s to 8.5–9.2 s.
   */
  private async *rangeChunks({ start, end }: { start: number; end: number }): AsyncGenerator<Buffer> {
    const fd = openSync(this.path, 'r');
    const buffer = Buffer.allocUnsafe(CHUNK);
    try {
      for (let pos = start; pos < end;) {
        const n = readSync(fd, buffer, 0, Math.min(CHUNK, end - pos), pos);
        if (n === 0) return;
        pos += n;
        yield buffer.subarray(0, n);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** The SHA-256 of a regular file's bytes, read as a table reads them. */
export async function fileSha256(path: string): Promise<string> {
  const source = new ByteSource(path, path, undefined, statSync(path).size);
  for await (const _ of source.chunks(true));
  return source.digest;
}

export const isUtf16 = (buf: Buffer) => buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff));
export const utf16Error = (file: string) => dataError('NOT_UTF8', `${file}: is UTF-16 encoded; save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)`);
export const notUtf8Error = (file: string, line: number, cause?: unknown) =>
  dataError('NOT_UTF8', `${file}:${line}: is not UTF-8 text (an invalid byte on this line); save it as UTF-8`, cause);

/** Where the first byte that is not part of a valid UTF-8 character is, or −1. */
export function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0 || !isUtf8(b.subarray(i, i + n))) return i; // isUtf8 knows the fine rules (overlong forms, surrogates)
    i += n;
  }
  return -1;
}

/** The length of `buf` without a UTF-8 character cut off at its end (checked with the next chunk). */
export function completeLength(buf: Buffer): number {
  const n = buf.length;
  for (let j = n - 1; j >= 0 && j >= n - 4; j--) {
    const c = buf[j];
    if (c < 0x80) return n;
    if (c >= 0xc0) return n - j >= (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) ? n : j;
  }
  return n;
}

/** Decodes UTF-8 strictly: a file in another encoding is one clear error, not mojibake. */
export class Utf8Decoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private first = true;
  private lines = 1;
  constructor(private readonly file: string) {}

  decode(buf: Buffer, final = false): string {
    if (this.first && isUtf16(buf)) throw utf16Error(this.file);
    this.first = false;
    try {
      const text = this.decoder.decode(buf, { stream: !final });
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lines++;
      return text;
    } catch (err) {
      // Find the line of the first invalid byte: a lenient decode marks it with U+FFFD.
      const lenient = new TextDecoder('utf-8').decode(buf);
      const at = lenient.indexOf('\uFFFD');
      let line = this.lines;
      for (let i = lenient.indexOf('\n'); i !== -1 && i < at; i = lenient.indexOf('\n', i + 1)) line++;
      throw notUtf8Error(this.file, line, err);
    }
  }
}
