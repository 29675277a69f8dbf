import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { load } from 'js-yaml';
import { fillListedPlaceholders, PERF_ENVIRONMENT } from '../scripts/lib/trial/perf-environment.js';
import { makeFixtureRepo, runScript, type FixtureRepo } from './helpers/fixture-repo.js';

/*
 * The scaffolds a fork uses to grow its fleet (new:env, new:model), the placeholders they leave,
 * and the checks that keep environments apart: run as a user would, through the commands.
 */

async function withRepo(fleet: string, body: (repo: FixtureRepo) => Promise<void>): Promise<void> {
  const repo = await makeFixtureRepo(fleet);
  try {
    await body(repo);
  } finally {
    await repo.dispose();
  }
}

/** Fills each placeholder new:env listed with perf's value (or the override's). */
async function fillPlaceholders(repo: FixtureRepo, file: string, listing: string, values = PERF_ENVIRONMENT): Promise<void> {
  await repo.write(file, fillListedPlaceholders(await repo.read(file), listing, values));
}

describe('npm run new:env', () => {
  test('copies an environment with a placeholder for everything that must be its own; filled in, it renders', () =>
    withRepo('sample', async (repo) => {
      const made = await runScript('new-env', ['perf', '--from', 'staging', '--root', repo.root], repo.root);
      expect(made.code, made.stderr).toBe(0);
      const file = 'clusters/perf/cluster.yaml';
      expect(made.stdout).toContain(`wrote ${file} from clusters/staging/cluster.yaml. Fill in:\n`);
      expect(made.stdout).toContain(`  ${file}:${await repo.lineOf(file, 'clusterName:')}: aws.clusterName: the EKS cluster name\n`);
      const listed = [...made.stdout.matchAll(/^ {2}\S+:\d+: (\S+): /gm)].map((m) => m[1]);
      expect(listed.sort()).toEqual(Object.keys(PERF_ENVIRONMENT).sort());
      const text = await repo.read(file);
      expect(text.split('\n')[0]).toBe('# perf: made from staging by npm run new:env. Fill in every FILL(...) value, then npm run render.');
      const doc = load(text) as Record<string, any>;
      expect(doc.name).toBe('perf');
      // Settings are staging's; nothing that identifies staging is left.
      const staging = load(await repo.read('clusters/staging/cluster.yaml')) as Record<string, any>;
      expect(doc.models).toEqual(staging.models);
      expect(doc.promotion).toEqual(staging.promotion);
      expect(doc.aws.region).toBe(staging.aws.region);
      for (const value of [
        '444455556666',
        'llm-staging',
        'api.staging.llm.example.com',
        staging.storage.efsFileSystemId,
        'llm-api-staging',
      ])
        expect(text).not.toContain(value);

      // Unfilled, every command refuses it and names each placeholder, where it is.
      const refused = await runScript('render', ['--root', repo.root], repo.root);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        `${file}:${await repo.lineOf(file, 'clusterName:')}: aws.clusterName: not filled in: expected the EKS cluster name, found the placeholder new:env or new:model left\n`,
      );
      expect(refused.stderr).toContain(`\n${Object.keys(PERF_ENVIRONMENT).length} input problems; nothing was written.\n`);
      expect(existsSync(`${repo.root}/clusters/perf/manifests`)).toBe(false);

      await fillPlaceholders(repo, file, made.stdout);
      const rendered = await runScript('render', ['--env', 'perf', '--root', repo.root], repo.root);
      expect(rendered.code, rendered.stderr).toBe(0);
      expect(rendered.stderr).toBe('');
      expect(rendered.stdout).toMatch(/^perf: \d+ objects, \d+ added, 0 changed, 0 removed$/m);
      // Copied from staging, canary included: the 8B's server is a Rollout.
      expect(doc.canary).toEqual(staging.canary);
      const deployment = await repo.read('clusters/perf/manifests/apps/llm-llama-3-1-8b-instruct/rollout-llama-3-1-8b-instruct.yaml');
      expect(deployment).toContain('555566667777.dkr.ecr.us-west-2.amazonaws.com/');
    }));

  test('sharing the VPC with the source is allowed and warned about, naming both files and lines', () =>
    withRepo('sample', async (repo) => {
      const made = await runScript('new-env', ['perf', '--from', 'staging', '--root', repo.root], repo.root);
      const staging = load(await repo.read('clusters/staging/cluster.yaml')) as Record<string, any>;
      const shared = { ...PERF_ENVIRONMENT, 'network.vpcId': staging.network.vpcId as string };
      await fillPlaceholders(repo, 'clusters/perf/cluster.yaml', made.stdout, shared);
      const rendered = await runScript('render', ['--env', 'perf', '--root', repo.root], repo.root);
      expect(rendered.code, rendered.stderr).toBe(0);
      const perfLine = await repo.lineOf('clusters/perf/cluster.yaml', 'vpcId:');
      const stagingLine = await repo.lineOf('clusters/staging/cluster.yaml', 'vpcId:');
      expect(rendered.stderr).toBe(
        `warning: clusters/staging/cluster.yaml:${stagingLine}: network.vpcId: "${staging.network.vpcId}" is perf's too (clusters/perf/cluster.yaml:${perfLine}): the environments share the VPC; fine if they share the network on purpose\n`,
      );
    }));

  test('refuses a name that exists, an unknown source and a bad name, writing nothing', () =>
    withRepo('small', async (repo) => {
      const exists = await runScript('new-env', ['staging', '--from', 'dev', '--root', repo.root], repo.root);
      expect([exists.code, exists.stderr.split('\n')[0]]).toEqual([
        2,
        'error: clusters/staging/ exists already; choose another NAME or edit clusters/staging/cluster.yaml',
      ]);
      const unknown = await runScript('new-env', ['perf', '--from', 'prod', '--root', repo.root], repo.root);
      expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([
        2,
        'error: --from: unknown environment "prod"; expected one of: dev, staging',
      ]);
      const bad = await runScript('new-env', ['Perf_1', '--from', 'dev', '--root', repo.root], repo.root);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('NAME must be a lowercase DNS label');
      expect(existsSync(`${repo.root}/clusters/perf`)).toBe(false);
      expect(existsSync(`${repo.root}/clusters/Perf_1`)).toBe(false);
    }));
});

describe('environments may not share what identifies them', () => {
  test('a copy of staging with only its name changed is refused, every shared value naming both files and lines', () =>
    withRepo('sample', async (repo) => {
      await repo.write(
        'clusters/perf/cluster.yaml',
        (await repo.read('clusters/staging/cluster.yaml')).replace('name: staging', 'name: perf'),
      );
      const result = await runScript('render', ['--root', repo.root], repo.root);
      expect(result.code).toBe(2);
      const line = (needle: string) => repo.lineOf('clusters/staging/cluster.yaml', needle);
      expect(result.stderr).toContain(
        `clusters/staging/cluster.yaml:${await line('clusterName:')}: aws.clusterName: expected a value of its own, found "llm-staging", which is perf's too (clusters/perf/cluster.yaml:${await line('clusterName:')}) in account 444455556666 (us-west-2): environments may not share the EKS cluster name (its IAM role, queue and cache names derive from it)\n`,
      );
      const fields = [...result.stderr.matchAll(/^clusters\/staging\/cluster\.yaml:\d+: (\S+): expected a value of its own/gm)].map(
        (m) => m[1],
      );
      expect(fields).toEqual([
        'aws.clusterName',
        'dns.host',
        'network.clusterSecurityGroupId',
        'karpenter.nodeRole',
        'karpenter.interruptionQueue',
        'storage.efsFileSystemId',
        'gateway.secretName',
        'edge.jwt.audience[0]',
        'gpu.efa.placementGroup',
      ]);
      expect(existsSync(`${repo.root}/clusters/perf/manifests`)).toBe(false);
    }));

  test('names unique within an account may repeat in another account; hosts and audiences may not', () =>
    withRepo('small', async (repo) => {
      const dev = load(await repo.read('clusters/dev/cluster.yaml')) as Record<string, any>;
      const staging = load(await repo.read('clusters/staging/cluster.yaml')) as Record<string, any>;
      await repo.edit(
        'clusters/staging/cluster.yaml',
        `secretName: ${staging.gateway.secretName}`,
        `secretName: ${dev.gateway.secretName}`,
      );
      expect((await runScript('render', ['--check', '--root', repo.root], repo.root)).code).toBe(1);
      await repo.edit(
        'clusters/staging/cluster.yaml',
        `audience: [${staging.edge.jwt.audience[0]}]`,
        `audience: [${dev.edge.jwt.audience[0]}]`,
      );
      const shared = await runScript('render', ['--check', '--root', repo.root], repo.root);
      expect(shared.code).toBe(2);
      expect(shared.stderr).toMatch(
        /edge\.jwt\.audience\[0\]: expected a value of its own, found "llm-api-dev", which is dev's too \(clusters\/dev\/cluster\.yaml:\d+\): environments may not share a JWT audience/,
      );
      expect(shared.stderr).not.toContain('gateway.secretName');
    }));
});

describe('npm run new:model', () => {
  test("writes a catalogue entry with a placeholder for all that is the model's own; commands refuse it until filled in", () =>
    withRepo('small', async (repo) => {
      const made = await runScript('new-model', ['mistral-7b-instruct', '--root', repo.root], repo.root);
      expect(made.code, made.stderr).toBe(0);
      const file = 'apps/models/mistral-7b-instruct.yaml';
      expect(made.stdout).toContain(`wrote ${file} from apps/models/llama-3-1-8b-instruct.yaml.\nFill in:\n`);
      const fields = [...made.stdout.matchAll(/^ {2}\S+:\d+: (\S+): /gm)].map((m) => m[1]);
      expect(fields).toEqual(['servedModelName', 'parametersBillions', 'source', 'versions', 'versions.<version>.digest']);
      const refused = await runScript('render', ['--check', '--root', repo.root], repo.root);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        `${file}:${await repo.lineOf(file, 'source:')}: source: not filled in: expected the S3 prefix of the weights, s3://BUCKET/PREFIX, each version a sub-prefix, found the placeholder new:env or new:model left\n`,
      );
      expect(refused.stderr).toContain('\n5 input problems; nothing was written.\n');
    }));

  test('with flags only the parameter count is left; the first version and digest reach the cache fill', () =>
    withRepo('small', async (repo) => {
      const digest = `sha256:${'ab'.repeat(32)}`;
      const flags = [
        '--served-name',
        'mistralai/Mistral-7B-Instruct-v0.3',
        '--source',
        's3://acme-llm-weights-us-west-2/mistralai/Mistral-7B-Instruct-v0.3',
      ];
      const half = await runScript(
        'new-model',
        ['mistral-7b-instruct', '--root', repo.root, ...flags, '--version', 'v2026.12.0'],
        repo.root,
      );
      expect([half.code, half.stderr.split('\n')[0]]).toEqual([
        2,
        'error: give --version and --digest together: a version is catalogued with the digest of its weights',
      ]);
      const made = await runScript(
        'new-model',
        ['mistral-7b-instruct', '--root', repo.root, ...flags, '--version', 'v2026.12.0', '--digest', digest],
        repo.root,
      );
      expect(made.code, made.stderr).toBe(0);
      expect([...made.stdout.matchAll(/^ {2}\S+:\d+: (\S+): /gm)].map((m) => m[1])).toEqual(['parametersBillions']);
      const file = 'apps/models/mistral-7b-instruct.yaml';
      await repo.edit(file, 'parametersBillions: FILL(the parameter count in billions, such as 7)', 'parametersBillions: 7');
      await repo.edit(
        'clusters/dev/cluster.yaml',
        'models:\n',
        'models:\n  mistral-7b-instruct:\n    version: v2026.12.0\n    replicas:\n      min: 1\n      max: 1\n',
      );
      const rendered = await runScript('render', ['--root', repo.root], repo.root);
      expect(rendered.code, rendered.stderr).toBe(0);
      const deployment = load(
        await repo.read('clusters/dev/manifests/apps/llm-mistral-7b-instruct/deployment-mistral-7b-instruct.yaml'),
      ) as any;
      const fill = deployment.spec.template.spec.initContainers.find((c: any) => c.name === 'model-cache-fill');
      expect(fill.env).toEqual(
        expect.arrayContaining([
          { name: 'MODEL_SOURCE', value: 's3://acme-llm-weights-us-west-2/mistralai/Mistral-7B-Instruct-v0.3/v2026.12.0/' },
          { name: 'MODEL_DIGEST', value: digest },
        ]),
      );
      const again = await runScript('new-model', ['mistral-7b-instruct', '--root', repo.root], repo.root);
      expect([again.code, again.stderr.split('\n')[0]]).toEqual([2, `error: ${file} exists already; choose another NAME or edit it`]);
    }));

  test('an environment may run only versions the catalogue lists with a digest', () =>
    withRepo('small', async (repo) => {
      await repo.edit('clusters/dev/cluster.yaml', 'version: v2026.11.2', 'version: v2026.13.0');
      const result = await runScript('render', ['--check', '--root', repo.root], repo.root);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `clusters/dev/cluster.yaml:${await repo.lineOf('clusters/dev/cluster.yaml', 'v2026.13.0')}: models.llama-3-1-8b-instruct.version: expected a version apps/models/llama-3-1-8b-instruct.yaml lists under versions (with its weights digest): v2026.10.3, v2026.11.1, v2026.11.2, v2026.12.0, v2026.12.1; found "v2026.13.0". Upload the weights, then add the version and the digest npm run weights-digest prints\n`,
      );
    }));
});
