/**
 * Golden CLI cases: test/golden/<case>/cmd holds the arguments (one line, after "funnel"),
 * stdout / stderr / exit the expected results. Run against the built binary from the repository
 * root. To update on purpose: UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts, then review the diff.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, splitArgs } from './helpers/cli.js';

const GOLDEN = join(ROOT, 'test', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(GOLDEN, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const expectedExit = (name: string) => Number(readFileSync(join(GOLDEN, name, 'exit'), 'utf8').trim());

/**
 * A run that reads data normally happens in a child of bin/funnel.js, watched by it (a second Node
 * start-up). Most cases start that child directly (FUNNEL_CHILD=1: the same script, unwatched);
 * the first case of each exit code and the cases read from stdin go through the watcher, which
 * proves it passes on the streams and the exit code. (test/bound.test.ts tests the rest of it.)
 */
const watched = new Set([...new Set(cases.map(expectedExit))].map((code) => cases.find((c) => expectedExit(c) === code)!));
for (const name of cases) if (existsSync(join(GOLDEN, name, 'stdin'))) watched.add(name);

// The cases are independent (none writes a file another reads): they run a few at a time.
describe.concurrent('golden CLI cases', () => {
  it('has cases, some through the watching parent', () => {
    expect(cases.length).toBeGreaterThan(10);
    expect(watched.size).toBeGreaterThanOrEqual(4);
  });
  for (const name of cases) {
    it(name, async ({ expect }) => {
      const dir = join(GOLDEN, name);
      const args = splitArgs(readFileSync(join(dir, 'cmd'), 'utf8').trim());
      const stdinFile = join(dir, 'stdin');
      const result = await runCli(args, { stdin: existsSync(stdinFile) ? readFileSync(stdinFile) : undefined, watched: watched.has(name) });
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
