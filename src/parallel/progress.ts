/**
 * The rows and bytes each reading thread of a parallel read has read so far, in shared memory:
 * slot i holds thread i's counts, which only that thread writes. The main thread, which shows the
 * progress line, reads the sums at any time — also while it reads a range itself, when the
 * workers' messages wait for its event loop.
 */
export class SharedProgress {
  readonly buffer: SharedArrayBuffer;
  private readonly counts: BigInt64Array;

  /** `threads`: a new buffer with that many slots; or a buffer made by another thread's SharedProgress. */
  constructor(threads: number | SharedArrayBuffer) {
    this.buffer = typeof threads === 'number' ? new SharedArrayBuffer(16 * threads) : threads;
    this.counts = new BigInt64Array(this.buffer);
  }

  /** Thread `slot` has read `rows` rows and `bytes` bytes in all. */
  set(slot: number, rows: number, bytes: number): void {
    Atomics.store(this.counts, 2 * slot, BigInt(rows));
    Atomics.store(this.counts, 2 * slot + 1, BigInt(bytes));
  }

  /** The rows and bytes read by every thread together. */
  sums(): [rows: number, bytes: number] {
    let rows = 0, bytes = 0;
    for (let i = 0; i < this.counts.length; i += 2) {
      rows += Number(Atomics.load(this.counts, i));
      bytes += Number(Atomics.load(this.counts, i + 1));
    }
    return [rows, bytes];
  }
}
