import { describe, expect, test, type TestContext } from 'vitest';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { writeEnvironment } from '../scripts/lib/render/write-environment.js';
import { makeFixtureRepo, runScript, type FixtureRepo } from './helpers/fixture-repo.js';

async function fixture(onTestFinished: TestContext['onTestFinished']): Promise<FixtureRepo> {
  const repo = await makeFixtureRepo();
  onTestFinished(() => repo.dispose());
  return repo;
}

/** Files that differ between two trees (changed, added or removed). */
function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key)).sort();
}

/** The small model's server in staging: a Rollout, as staging upgrades it by canary. */
const SMALL_DEPLOYMENT = 'manifests/apps/llm-llama-3-1-8b-instruct/rollout-llama-3-1-8b-instruct.yaml';

describe.concurrent('npm run render', () => {
  test('is deterministic: rendering from scratch twice gives identical bytes, and no machine-specific text', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    for (const env of ['dev', 'staging', 'prod']) await rm(path.join(repo.root, 'clusters', env, 'manifests'), { recursive: true });

    expect((await runScript('render', [], repo.root)).code).toBe(0);
    const first = await repo.clustersTree();
    for (const env of ['dev', 'staging', 'prod']) await rm(path.join(repo.root, 'clusters', env, 'manifests'), { recursive: true });
    expect((await runScript('render', [], repo.root)).code).toBe(0);
    const second = await repo.clustersTree();

    expect(second).toEqual(first);
    const rendered = [...first].filter(([file]) => file.includes('/manifests/'));
    expect(rendered.length).toBeGreaterThan(30);
    for (const [file, text] of rendered) {
      expect(text, file).not.toContain(repo.root);
      // A creationTimestamp key or a status block is machine state (a printer column's jsonPath may name it).
      expect(text, file).not.toMatch(/cdk8s\.io|^\s*creationTimestamp:|^status:/m);
    }
  });

  test('a clean render of the committed inputs writes nothing', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    const before = await repo.clustersTree();
    const result = await runScript('render', [], repo.root);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^dev: \d+ objects, unchanged$/m);
    expect(await repo.clustersTree()).toEqual(before);
  });

  test('--check finds a hand edit, a deleted file and a stray file, names them, exits 1, and writes nothing', async ({
    onTestFinished,
  }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(`clusters/staging/${SMALL_DEPLOYMENT}`, 'revisionHistoryLimit: 5', 'revisionHistoryLimit: 9');
    await rm(path.join(repo.root, 'clusters/prod/manifests/apps/llm-llama-3-3-70b-instruct/service-llama-3-3-70b-instruct.yaml'));
    await repo.write('clusters/dev/manifests/apps/llm-llama-3-1-8b-instruct/configmap-hand-made.yaml', 'apiVersion: v1\n');
    const before = await repo.clustersTree();

    const result = await runScript('render', ['--check'], repo.root);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`changed clusters/staging/${SMALL_DEPLOYMENT}`);
    expect(result.stdout).toContain('missing clusters/prod/manifests/apps/llm-llama-3-3-70b-instruct/service-llama-3-3-70b-instruct.yaml');
    expect(result.stdout).toContain('extra   clusters/dev/manifests/apps/llm-llama-3-1-8b-instruct/configmap-hand-made.yaml');
    expect(await repo.clustersTree()).toEqual(before);

    expect((await runScript('render', [], repo.root)).code).toBe(0);
    const clean = await runScript('render', ['--check'], repo.root);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('staging: up to date');
  });

  test('--check --format github annotates each out-of-date file', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(`clusters/staging/${SMALL_DEPLOYMENT}`, 'revisionHistoryLimit: 5', 'revisionHistoryLimit: 9');
    const result = await runScript('render', ['--check', '--format', 'github'], repo.root);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `::error file=clusters/staging/${SMALL_DEPLOYMENT},title=rendered manifests out of date::clusters/staging/${SMALL_DEPLOYMENT} is different from what the inputs render`,
    );
  });

  test('--check --format json reports drift per environment', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(`clusters/staging/${SMALL_DEPLOYMENT}`, 'revisionHistoryLimit: 5', 'revisionHistoryLimit: 9');
    const result = await runScript('render', ['--check', '--format', 'json'], repo.root);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.environments.find((e: { name: string }) => e.name === 'staging').drift).toEqual([
      { file: `clusters/staging/${SMALL_DEPLOYMENT}`, status: 'changed' },
    ]);
  });

  test('changing one model version in staging changes only that model server (its Rollout) in staging', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    const before = await repo.clustersTree();
    await repo.edit('clusters/staging/cluster.yaml', 'version: v2026.11.1', 'version: v2026.11.2');

    const result = await runScript('render', [], repo.root);

    expect(result.code).toBe(0);
    expect(changedFiles(before, await repo.clustersTree())).toEqual([
      'clusters/staging/cluster.yaml',
      `clusters/staging/${SMALL_DEPLOYMENT}`,
    ]);
    const deployment = await repo.read(`clusters/staging/${SMALL_DEPLOYMENT}`);
    expect(deployment).toContain('/model-cache/v2026.11.2');
    expect(deployment).toContain('app.kubernetes.io/version: v2026.11.2');
    expect(deployment).toContain('s3://acme-llm-weights-us-west-2/meta-llama/Llama-3.1-8B-Instruct/v2026.11.2/');
  });

  test('a model removed from an environment disappears from disk (no orphans)', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(
      'clusters/dev/cluster.yaml',
      '  llama-3-3-70b-instruct:\n    version: v2026.11.1\n    replicas:\n      min: 1\n      max: 1\n',
      '',
    );

    const check = await runScript('render', ['--check'], repo.root);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('extra   clusters/dev/manifests/apps/llm-llama-3-3-70b-instruct/deployment-llama-3-3-70b-instruct.yaml');

    expect((await runScript('render', [], repo.root)).code).toBe(0);
    expect((await readdir(path.join(repo.root, 'clusters/dev/manifests/apps'))).sort()).toEqual([
      'gateway',
      'kustomization.yaml',
      'llm-llama-3-1-405b-instruct',
      'llm-llama-3-1-8b-instruct',
    ]);
    expect(await repo.read('clusters/dev/manifests/apps/gateway/kustomization.yaml')).not.toContain('llama-3-3-70b');
    expect(await repo.read('clusters/dev/manifests/apps/kustomization.yaml')).not.toContain('llama-3-3-70b');
    await expect(stat(path.join(repo.root, 'clusters/dev/bootstrap/application-dev-apps-llm-llama-3-3-70b-instruct.yaml'))).rejects.toThrow(
      /ENOENT/,
    );
    expect(await readdir(path.join(repo.root, 'clusters/staging/manifests/apps'))).toHaveLength(5);
  });

  test('--env renders only the environments named', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit('clusters/dev/cluster.yaml', '      min: 0\n      max: 2', '      min: 1\n      max: 2');
    await repo.edit('clusters/staging/cluster.yaml', '      min: 1\n      max: 4', '      min: 2\n      max: 4');
    const before = await repo.clustersTree();

    const result = await runScript('render', ['--env', 'staging'], repo.root);

    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('dev:');
    expect(changedFiles(before, await repo.clustersTree()).filter((f) => !f.endsWith('cluster.yaml'))).toEqual([
      'clusters/staging/manifests/apps/llm-llama-3-1-8b-instruct/scaledobject-llama-3-1-8b-instruct.yaml',
    ]);
  });

  test('usage: --help exits 0; an unknown environment or flag exits 2', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    const help = await runScript('render', ['--help'], repo.root);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run render');

    const unknownEnv = await runScript('render', ['--env', 'qa'], repo.root);
    expect(unknownEnv.code).toBe(2);
    expect(unknownEnv.stderr).toContain('unknown environment "qa"; expected one of: dev, prod, staging');

    const unknownFlag = await runScript('render', ['--chek'], repo.root);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("Unknown option '--chek'");
    // The error and where the usage is, not the whole usage text after it.
    expect(unknownFlag.stderr).toBe("error: Unknown option '--chek'\n(npm run render -- --help lists the options)\n");

    // check refuses an unknown environment once, before any gate runs (each gate said it again).
    const checkUnknown = await runScript('check', ['--env', 'qa'], repo.root);
    expect([checkUnknown.code, checkUnknown.stderr, checkUnknown.stdout]).toEqual([
      2,
      'error: unknown environment "qa"; expected one of: dev, prod, staging\n(npm run check -- --help lists the options)\n',
      '',
    ]);

    const badFormat = await runScript('render', ['--format', 'xml'], repo.root);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be one of text, json, github, found "xml"');
  });

  test('a staging folder left by a killed render is removed by the next render', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    const gone = await $({ quiet: true })`sh -c ${'echo $$'}`;
    const stale = path.join(repo.root, 'clusters/dev', `.render-${gone.stdout.trim()}-abc123`);
    await mkdir(path.join(stale, 'manifests'), { recursive: true });
    await repo.edit('clusters/dev/cluster.yaml', 'version: v2026.11.2', 'version: v2026.12.0');

    expect((await runScript('render', [], repo.root)).code).toBe(0);
    await expect(stat(stale)).rejects.toThrow(/ENOENT/);
  });
});

describe('writing is atomic per environment', () => {
  test('a failure halfway through writing leaves the previous manifests byte-identical', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit('clusters/dev/cluster.yaml', 'version: v2026.11.2', 'version: v2026.12.0');
    const loaded = await loadFleet(repo.root);
    if (!loaded.ok) throw new Error('fixture should load');
    const rendered = renderEnvironment(loaded.fleet, 'dev');
    const before = await repo.clustersTree();

    let writes = 0;
    const failing = {
      async writeFile() {
        if (++writes === 5) throw new Error('disk full (injected)');
      },
    };
    await expect(writeEnvironment(repo.root, rendered, failing)).rejects.toThrow('disk full (injected)');

    expect(await repo.clustersTree()).toEqual(before);
    expect((await readdir(path.join(repo.root, 'clusters/dev'))).sort()).toEqual(['bootstrap', 'cluster.yaml', 'manifests']);

    await writeEnvironment(repo.root, rendered);
    const after = await repo.clustersTree();
    // dev rolls (no canary): its 8B is a Deployment.
    expect(after.get('clusters/dev/manifests/apps/llm-llama-3-1-8b-instruct/deployment-llama-3-1-8b-instruct.yaml')).toContain(
      '/model-cache/v2026.12.0',
    );
    expect((await readdir(path.join(repo.root, 'clusters/dev'))).sort()).toEqual(['bootstrap', 'cluster.yaml', 'manifests']);
  });
});
