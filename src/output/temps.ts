/**
 * Temporary files of a run (an output's temp file, the rejects spill), removed when the process
 * exits, however it exits: a run stopped by SIGINT, SIGTERM or SIGHUP leaves none behind.
 */
import { unlinkSync } from 'node:fs';

const temps = new Set<string>();

/** Registers a temporary file; the returned function unregisters it (once it is renamed or removed). */
export function trackTemp(path: string): () => void {
  temps.add(path);
  return () => { temps.delete(path); };
}

/** Removes every registered temporary file now (synchronously: it runs from an exit handler). */
export function removeTemps(): void {
  for (const path of temps) {
    try { unlinkSync(path); } catch { /* already gone */ }
  }
  temps.clear();
}

/**
 * Removes the temporary files when the process exits, and when SIGINT, SIGTERM or SIGHUP stops
 * it. After removing them the signal is raised again with its default action, so the process
 * ends as killed by it: shells see 130, 143 or 129, and a parent process sees the signal.
 * (process.exit would wait for a thread blocked in a read, e.g. on a FIFO no one writes to.)
 */
export function removeTempsOnExit(): void {
  process.on('exit', removeTemps);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      removeTemps();
      process.kill(process.pid, signal);
    });
  }
}
