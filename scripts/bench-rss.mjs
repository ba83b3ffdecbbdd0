// Preloaded into a benchmarked process (node --import): reports its peak RSS on exit, on fd 2.
// On Linux the peak is the process's own (VmHWM): getrusage's maxRSS keeps, across exec, the peak of
// the process it was forked from, so a small run started by the bench (≈ 100 MB by then) reported
// the bench's size instead of its own.
import { readFileSync, writeSync } from 'node:fs';

function peakKb() {
  try {
    const hwm = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => writeSync(2, `\nBENCH_MAXRSS_KB ${peakKb()}\n`));
