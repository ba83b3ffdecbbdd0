import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MIN_BYTES, parallelPlan } from '../src/parallel/run.js';

// The size threshold of a parallel read: the fold's own (ViewParallel.minBytes) or the default,
// and FUNNEL_PARALLEL_MIN_BYTES over both.
describe('parallelPlan size threshold', () => {
  const dir = mkdtempSync(join(tmpdir(), 'funnel-plan-'));
  const file = join(dir, 'deals.csv');
  writeFileSync(file, 'id,amount\n' + '1,2\n'.repeat(250)); // 1,010 bytes
  const env = { FUNNEL_THREADS: '2' };

  it('reads a file of at least the fold threshold in parallel, a smaller one serially', () => {
    expect(parallelPlan([file], {}, env, 1010)?.size).toBe(1010);
    expect(parallelPlan([file], {}, env, 1011)).toBeUndefined();
  });

  it('uses the default threshold when the fold names none', () => {
    expect(DEFAULT_MIN_BYTES).toBeGreaterThan(1010);
    expect(parallelPlan([file], {}, env)).toBeUndefined();
  });

  it('lets FUNNEL_PARALLEL_MIN_BYTES override the fold threshold both ways', () => {
    expect(parallelPlan([file], {}, { ...env, FUNNEL_PARALLEL_MIN_BYTES: '1' }, 1 << 30)?.threads).toBe(2);
    expect(parallelPlan([file], {}, { ...env, FUNNEL_PARALLEL_MIN_BYTES: '2000' }, 1)).toBeUndefined();
  });
});
