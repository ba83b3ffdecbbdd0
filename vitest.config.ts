import { defineConfig } from 'vitest/config';

// Every test runs under a non-UTC time zone with a half-hour offset, so any local-time
// arithmetic that slipped into the code shows up as a wrong period or date.
process.env.TZ = 'Asia/Kolkata';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Both cores: vitest's default on a 2-core machine is one worker, and most of the suite waits on
    // the processes it spawns. No test depends on timing, so two files at once are safe.
    maxWorkers: 2,
    // Each worker process runs its files one after another without a fresh module graph per file:
    // loading src/ (through vite) again for each of ~50 files cost more CPU time than many tests.
    // No test mocks modules; those that change a module's state (the structural kernel) restore it.
    isolate: false,
    env: { TZ: 'Asia/Kolkata', NO_COLOR: '1' },
  },
});
