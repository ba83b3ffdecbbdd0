// Bundles tsc's output (dist/) into dist/bundle: the CLI and its parallel worker as one file each,
// plus shared chunks (named chunk-*, not after whichever module happens to come first in them;
// date-fns is one, loaded only for --date-format). Loading ~55 modules of our own and zod's many,
// one file at a time, was most of start-up, paid by the CLI and again by each worker thread
// (docs/performance.md; README "Dependencies and why").
import { build } from 'rolldown';

await build({
  input: { cli: 'dist/cli.js', worker: 'dist/parallel/worker.js' },
  platform: 'node',
  logLevel: 'warn',
  output: { dir: 'dist/bundle', cleanDir: true, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunk-[hash].js' },
});
