/**
 * A progress line on stderr for long runs: rows read, rows/s and % of the file's bytes. Only when
 * stderr is a terminal and --quiet is off; redrawn at most 4 times a second, erased at the end.
 */
import type { Writable } from 'node:stream';
import { escapeText } from '../core/errors.js';

export class Progress {
  private last = 0;
  private shown = false;
  private readonly start: number;

  constructor(private readonly stream: Writable, readonly enabled: boolean, private readonly now = () => Date.now()) {
    this.start = now();
  }

  update(file: string, rows: number, bytes: number, size: number | undefined): void {
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.last < 250 || t - this.start < 1000) return; // short runs show nothing
    this.last = t;
    const rate = rows / Math.max(0.001, (t - this.start) / 1000);
    const pct = size ? ` ${Math.min(100, (100 * bytes) / size).toFixed(0)}%` : '';
    this.stream.write(`\r\u001b[2Kfunnel: ${escapeText(file)}${pct} — ${rows.toLocaleString('en-US')} rows, ${Math.round(rate).toLocaleString('en-US')} rows/s`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.stream.write('\r\u001b[2K');
    this.shown = false;
  }
}
