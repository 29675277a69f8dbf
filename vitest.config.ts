import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/setup/longest-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Renders the fleets the suite owns (test/fixtures/fleets/) once; tests never read the fork's own fleet.
    globalSetup: ['test/setup/fixture-fleets.ts'],
    // Render tests spawn the CLI and synthesise whole fleets; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Vitest's default is one worker short of the CPUs: a single worker on 2 cores, where most
    // files wait on child processes (the CLI, git, engines). Two workers there took the suite
    // from about 16 to 11 minutes.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The test files that take minutes start first, whether or not Vitest has timed them before.
    sequence: { sequencer: LongestFirst },
  },
});
