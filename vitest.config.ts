import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Renders the fleets the suite owns (test/fixtures/fleets/) once; tests never read the fork's own fleet.
    globalSetup: ['test/setup/fixture-fleets.ts'],
    // Render tests spawn the CLI and synthesise whole fleets; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
