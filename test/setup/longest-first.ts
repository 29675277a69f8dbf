import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take minutes (each replays GitOps syncs on a real API server; the trial runs
 * every gate and part of the suite in a copy of the repository), started first. Vitest orders
 * files by their durations in its results cache, else by size, largest first; on a clean clone
 * there is no cache, the trial (a small file) started last, and the suite waited minutes on it
 * with the other worker idle (794 s against 625 s once the cache knew it).
 */
const LONGEST = ['test/trial.test.ts', 'test/sync-test.test.ts', 'test/staged-canary.test.ts'];

const rank = (file: TestSpecification) => {
  const at = LONGEST.findIndex((name) => file.moduleId.endsWith(`/${name}`));
  return at === -1 ? LONGEST.length : at;
};

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Array.prototype.sort is stable: the rest keep Vitest's own order.
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}
