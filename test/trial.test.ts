import { describe, expect, test } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EngineName } from '../scripts/lib/tools/engines.js';
import { engineForTests } from './helpers/engines.js';
import { REPO_ROOT, runScript } from './helpers/fixture-repo.js';
import { MIRROR_LOCATIONS, MIRROR_SKIP_REASON } from './helpers/schema-mirror.js';

/*
 * The scripted new-user run (npm run trial): in a copy of this repository, a new model, a new
 * environment from new:env, a version bump, promotion in the sandbox, then every gate and the
 * fleet-reading test files must pass. It proves the suite tests the toolkit, not the fleet: the
 * copy's fleet differs from the repository's, and the tests still pass there.
 */

const NEEDED: EngineName[] = ['conftest', 'kubeconform', 'kube-apiserver', 'netpol-analyzer'];
const engines = await Promise.all(NEEDED.map((e) => engineForTests(e)));
const skipReason = engines.map((e) => e.skipReason).find((r) => r) ?? (MIRROR_LOCATIONS === '' ? MIRROR_SKIP_REASON : '');

describe('npm run trial', () => {
  test.skipIf(skipReason !== '')(
    `a fork that grows its fleet as the READMEs say still passes its gates and tests${skipReason ? ` — skipped: ${skipReason}` : ''}`,
    { timeout: 600_000 },
    async ({ onTestFinished }) => {
      const dir = await mkdtemp(path.join(tmpdir(), 'trial-gates-'));
      onTestFinished(() => rm(dir, { recursive: true, force: true }));
      const results = path.join(dir, 'gates.json');
      const result = await runScript('trial', ['--gate-results', results], REPO_ROOT, { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const steps = [...result.stdout.matchAll(/^(ok {2}|FAIL) (.+) \(\d+\.\d s\)$/gm)].map((m) => `${m[1]!.trim()} ${m[2]}`);
      expect(steps).toEqual([
        'ok npm run new:model -- mistral-7b-instruct ...',
        'ok npm run new:env -- perf --from staging',
        'ok npm run render',
        'ok npm run sandbox',
        'ok npm run check -- --require-engines',
        `ok npx vitest run ${['config-errors', 'model-server', 'gateway', 'gitops', 'architecture', 'scaffolds'].map((f) => `test/${f}.test.ts`).join(' ')}`,
      ]);
      expect(result.stdout).toMatch(/^trial passed in \d+ s$/m);
      // npm run check ran every gate, on the real engines (--require-engines), and each passed.
      expect(JSON.parse(await readFile(results, 'utf8')).results).toEqual(
        ['render drift', 'schemas', 'kubeconform', 'sync replay', 'network flows', 'policy'].map((name) => ({ name, outcome: 'success' })),
      );
    },
  );
});
