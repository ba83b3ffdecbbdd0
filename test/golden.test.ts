/**
 * Golden CLI cases: test/golden/<case>/cmd holds the arguments (one line, after "funnel"),
 * stdout / stderr / exit the expected results. Run against the built binary from the repository
 * root. To update on purpose: UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts, then review the diff.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, runMain, splitArgs } from './helpers/cli.js';

const GOLDEN = join(ROOT, 'test', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(GOLDEN, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const expectedExit = (name: string) => Number(readFileSync(join(GOLDEN, name, 'exit'), 'utf8').trim());

/**
 * The first case of each exit code and the cases read from stdin run the binary as a user does:
 * bin/funnel.js runs the first in its own process (their inputs are small) and the others, whose
 * input is a pipe, in the child it watches (which proves they pass on the streams and the exit
 * code; test/bound.test.ts tests the rest of the wrapper). The others call the built CLI's
 * `main` in this process (runMain) with the same arguments, streams of their own and the repository root as
 * the working directory: the same program without two Node start-ups per case (≈ 40 s of CPU
 * time over the suite on this machine). They run one at a time (one process, one module state).
 */
const spawned = new Set([...new Set(cases.map(expectedExit))].map((code) => cases.find((c) => expectedExit(c) === code)!));
for (const name of cases) if (existsSync(join(GOLDEN, name, 'stdin'))) spawned.add(name);

describe('golden CLI cases', () => {
  it('has cases, some run as a user runs them', () => {
    expect(cases.length).toBeGreaterThan(10);
    expect(spawned.size).toBeGreaterThanOrEqual(4);
  });
  for (const name of cases) {
    it(name, async () => {
      const dir = join(GOLDEN, name);
      const args = splitArgs(readFileSync(join(dir, 'cmd'), 'utf8').trim());
      const stdinFile = join(dir, 'stdin');
      const result = spawned.has(name)
        ? await runCli(args, { stdin: existsSync(stdinFile) ? readFileSync(stdinFile) : undefined, watched: true })
        : await runMain(args);
      if (update) {
        writeFileSync(join(dir, 'stdout'), result.stdout);
        writeFileSync(join(dir, 'stderr'), result.stderr);
        writeFileSync(join(dir, 'exit'), `${result.code}\n`);
        return;
      }
      expect({ stdout: result.stdout, stderr: result.stderr, exit: result.code }).toEqual({
        stdout: readFileSync(join(dir, 'stdout'), 'utf8'),
        stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
        exit: expectedExit(name),
      });
    });
  }
});
