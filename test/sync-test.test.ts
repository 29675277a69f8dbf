import { describe, expect, test, vi } from 'vitest';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import type { EnvironmentReplay, SyncFinding } from '../scripts/lib/sync/findings.js';
import { argoSyncOrder } from '../scripts/lib/sync/argocd-order.js';
import type { SourcedObject } from '../scripts/lib/sync/folder-objects.js';
import { engineForTests, withoutEngines } from './helpers/engines.js';
import { FLEET_ROOT, makeFixtureRepo, REPO_ROOT, runScript, useEngine, type FixtureRepo } from './helpers/fixture-repo.js';

// A replay of the three environments on a real API server takes 20 to 30 s each (about 1,000
// objects, Istio's and Argo Rollouts' CRDs among them), more while the other worker runs.
vi.setConfig({ testTimeout: 240_000 });

/*
 * npm run sync-test replays each environment's GitOps sync on a real kube-apiserver and etcd
 * (npm run tools builds both) with the locked CRDs arriving when the add-ons that ship them sync.
 */

const kubeApiServer = await engineForTests('kube-apiserver');
const etcd = await engineForTests('etcd');
const skipReason = kubeApiServer.skipReason || etcd.skipReason;
const live = describe.skipIf(skipReason !== '');

interface Report {
  ok: boolean;
  environments: EnvironmentReplay[];
}

async function replay(root: string, args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const result = await runScript('sync-test', ['--format', 'json', '--root', root, ...args], REPO_ROOT);
  let report: Report;
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch {
    throw new Error(`sync-test printed no JSON report (exit ${result.code}): ${result.stderr}`);
  }
  return { code: result.code, report, stderr: result.stderr };
}

const errors = (r: EnvironmentReplay) => r.findings.filter((f) => f.level === 'error');
const show = (findings: readonly SyncFinding[]) => findings.map((f) => `${f.file ?? f.unit}: ${f.message}`).join('\n');

/** A copy of the repository's inputs and committed folders, in git (the --base cases need history). */
async function fixture(): Promise<FixtureRepo> {
  const repo = await makeFixtureRepo();
  await cp(path.join(REPO_ROOT, 'platform/schemas'), path.join(repo.root, 'platform/schemas'), { recursive: true });
  await $({
    cwd: repo.root,
    quiet: true,
  })`git init -q -b main && git add -A && git -c user.name=t -c user.email=t@example.com commit -q -m base`;
  return repo;
}

live(`the sample fleet${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  test('replays clean with Argo CD, every environment: the CRDs arrive with their charts, in order', async () => {
    const { code, report } = await replay(FLEET_ROOT, []);
    for (const r of report.environments) expect(errors(r), `${r.env}:\n${show(errors(r))}`).toEqual([]);
    expect(code).toBe(0);
    expect(report.environments.map((r) => [r.env, r.engine])).toEqual([
      ['dev', 'argocd'],
      ['prod', 'argocd'],
      ['staging', 'argocd'],
    ]);
    const prod = report.environments.find((r) => r.env === 'prod')!;
    const messages = prod.findings.map((f) => `${f.unit} ${f.message}`);
    // Karpenter's CRDs come from its module at the chart's release, when its Application syncs...
    expect(messages).toContainEqual(
      expect.stringMatching(
        /^prod-platform-karpenter CRD NodePool \(karpenter\.sh\) installed from karpenter 1\.14\.1: github\.com\/aws\/karpenter-provider-aws@v1\.14\.1/,
      ),
    );
    // ...and its NodePools are applied in the next wave, after Argo CD has waited for the chart.
    expect(prod.findings).toContainEqual(
      expect.objectContaining({
        level: 'wait',
        unit: 'prod-platform-karpenter',
        wave: 0,
        message: expect.stringContaining('Application argocd/karpenter'),
      }),
    );
    expect(prod.findings).toContainEqual(
      expect.objectContaining({
        level: 'info',
        object: 'NodePool gpu',
        wave: 1,
        file: 'clusters/prod/manifests/platform/karpenter/nodepool-gpu.yaml',
        line: 2,
      }),
    );
    // Kinds no module carries are made from the vendored schemas, and the report says so.
    expect(messages).toContainEqual(
      expect.stringMatching(
        /CRD PodIdentityAssociation \(eks\.services\.k8s\.aws\) installed from eks-chart 1\.23\.1: made from platform\/schemas\/crds\/eks\.services\.k8s\.aws\/podidentityassociation_v1alpha1\.json/,
      ),
    );
    expect(prod.applied).toBeGreaterThan(200);
  });

  test('replays clean with Flux, every environment', async () => {
    const repo = await makeFixtureRepo();
    try {
      await cp(path.join(REPO_ROOT, 'platform/schemas'), path.join(repo.root, 'platform/schemas'), { recursive: true });
      await useEngine(repo, 'flux');
      expect((await runScript('render', ['--root', repo.root], REPO_ROOT)).code).toBe(0);
      const { code, report } = await replay(repo.root, []);
      for (const r of report.environments) expect(errors(r), `${r.env}:\n${show(errors(r))}`).toEqual([]);
      expect(code).toBe(0);
      expect(report.environments.every((r) => r.engine === 'flux')).toBe(true);
      const dev = report.environments.find((r) => r.env === 'dev')!;
      // The NodePools' Kustomization waits for the one whose HelmRelease installs their CRD.
      expect(dev.findings).toContainEqual(
        expect.objectContaining({
          level: 'info',
          unit: 'dev-platform-karpenter',
          message: expect.stringContaining('CRD NodePool (karpenter.sh) installed'),
        }),
      );
      expect(dev.findings.some((f) => f.unit === 'dev-platform-karpenter-custom-resources')).toBe(false);
    } finally {
      await repo.dispose();
    }
  });
});

live(`what the API server refuses${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  // One replay of prod with every mistake at once: each is refused on its own object, and none hides another.
  test("a custom resource before its CRD, a NodePool that breaks a CEL rule, a missing namespace and pods before their Pod Identity association, each with the server's message or the order that fails, file and line", async () => {
    const repo = await fixture();
    try {
      // The EC2NodeClass loses the annotation that makes Argo CD wait for Karpenter's CRDs.
      await repo.edit(
        'clusters/prod/manifests/platform/karpenter/ec2nodeclass-general.yaml',
        "    argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true\n    argocd.argoproj.io/sync-wave: '1'\n",
        '',
      );
      // A requirement on a label Karpenter reserves (its CRD's x-kubernetes-validations refuse it).
      await repo.edit(
        'clusters/prod/manifests/platform/karpenter/nodepool-gpu.yaml',
        '      requirements:\n',
        '      requirements:\n        - key: kubernetes.io/hostname\n          operator: In\n          values: [node-1]\n',
      );
      // The gateway's objects, without the Namespace they live in (the project still permits it).
      await repo.edit('clusters/prod/manifests/apps/gateway/kustomization.yaml', '  - namespace-gateway.yaml\n', '');
      // The model's association in the Deployment's wave, as the render had it.
      const model = 'clusters/prod/manifests/apps/llm-llama-3-1-8b-instruct';
      for (const file of ['podidentityassociation-model-llama-3-1-8b-instruct.yaml', 'role-llm-prod-model-llama-3-1-8b-instruct.yaml'])
        await repo.edit(`${model}/${file}`, "    argocd.argoproj.io/sync-wave: '-1'\n", '');
      // The ACK service controllers in the same root wave as the component that creates their associations.
      await repo.edit('clusters/prod/bootstrap/application-prod-platform-ack-services.yaml', "sync-wave: '-90'", "sync-wave: '-100'");
      const { code, report } = await replay(repo.root, ['--env', 'prod']);
      expect(code).toBe(1);
      const found = errors(report.environments[0]!);
      expect(found).toContainEqual(
        expect.objectContaining({
          unit: 'prod-platform-karpenter',
          object: 'EC2NodeClass general',
          file: 'clusters/prod/manifests/platform/karpenter/ec2nodeclass-general.yaml',
          line: 2,
          message: expect.stringMatching(
            /^dry run failed: no matches for kind "EC2NodeClass" in version "karpenter\.k8s\.aws\/v1": its CRD comes with a chart of this same Application/,
          ),
        }),
      );
      expect(found).toContainEqual(
        expect.objectContaining({
          object: 'NodePool gpu',
          file: 'clusters/prod/manifests/platform/karpenter/nodepool-gpu.yaml',
          message: expect.stringContaining('label "kubernetes.io/hostname" is restricted'),
        }),
      );
      expect(found).toContainEqual(
        expect.objectContaining({
          object: 'ConfigMap gateway/gateway-cache',
          file: 'clusters/prod/manifests/apps/gateway/configmap-gateway-cache.yaml',
          message: 'dry run failed: namespaces "gateway" not found (no earlier sync creates it, and CreateNamespace=false)',
        }),
      );
      const identity = found.filter((f) => f.message.includes('Pod Identity association'));
      expect(identity).toContainEqual(
        expect.objectContaining({
          // Prod upgrades the 8B by canary: its pods are the Rollout's.
          object: 'Rollout llm-llama-3-1-8b-instruct/llama-3-1-8b-instruct',
          file: `${model}/rollout-llama-3-1-8b-instruct.yaml`,
          message: expect.stringMatching(
            /^its pods \(service account llm-llama-3-1-8b-instruct\/llama-3-1-8b-instruct\) can start before their Pod Identity association is Healthy: PodIdentityAssociation llm-llama-3-1-8b-instruct\/model-llama-3-1-8b-instruct \(clusters\/prod\/.*:2\) is applied by prod-apps-llm-llama-3-1-8b-instruct \(stage wave 0, wave 0\), this by prod-apps-llm-llama-3-1-8b-instruct \(stage wave 0, wave 0\).*without AWS credentials until restarted$/,
          ),
        }),
      );
      expect(identity).toContainEqual(
        expect.objectContaining({
          unit: 'prod-platform-ack-services',
          object: 'Application argocd/ack-ec2-controller',
          message: expect.stringContaining('(service account ack-system/ack-ec2-controller) can start before'),
        }),
      );
    } finally {
      await repo.dispose();
    }
  });

  test("--base: a change to an immutable field, applied over the base revision, is refused with the server's message", async () => {
    const repo = await fixture();
    try {
      // A selector is immutable on a Deployment (the labels' stable subset exists for this reason).
      await repo.edit(
        'clusters/dev/manifests/apps/gateway/deployment-gateway.yaml',
        '      app.kubernetes.io/name: gateway\n  strategy:',
        '      app.kubernetes.io/name: gateway\n      tier: api\n  strategy:',
      );
      await repo.edit(
        'clusters/dev/manifests/apps/gateway/deployment-gateway.yaml',
        '        app.kubernetes.io/name: gateway\n',
        '        app.kubernetes.io/name: gateway\n        tier: api\n',
      );
      const first = await replay(repo.root, ['--env', 'dev']);
      expect(errors(first.report.environments[0]!), 'on an empty cluster the change is fine').toEqual([]);
      const { code, report } = await replay(repo.root, ['--env', 'dev', '--base', 'HEAD']);
      expect(code).toBe(1);
      const found = errors(report.environments[0]!);
      expect(found).toContainEqual(
        expect.objectContaining({
          object: 'Deployment gateway/gateway',
          line: 2,
          message: expect.stringMatching(/spec\.selector: Invalid value: .*field is immutable/),
        }),
      );
      expect(report.environments[0]!.findings[0]).toMatchObject({
        level: 'info',
        unit: 'base HEAD',
        message: expect.stringContaining('replayed clusters/dev at HEAD first'),
      });
    } finally {
      await repo.dispose();
    }
  });
});

describe('npm run sync-test refuses what it cannot do', () => {
  test('without the API server it exits 2 and says how to get it', async () => {
    const result = await runScript('sync-test', ['--env', 'dev'], FLEET_ROOT, await withoutEngines());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('sync replay NOT run: kube-apiserver not found: run npm run tools');
  });

  test.skipIf(skipReason !== '')('when the API server cannot start, it exits 2 with its log', async () => {
    const result = await runScript('sync-test', ['--env', 'dev'], FLEET_ROOT, {
      ...(await withoutEngines()),
      ETCD: etcd.located?.binary ?? '',
      KUBE_APISERVER: '/bin/false',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: kube-apiserver exited \(code 1\)/);
  });

  test('an unknown environment is a usage error', async () => {
    const result = await runScript('sync-test', ['--env', 'qa'], FLEET_ROOT);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown environment "qa"; expected one of: dev, prod, staging');
  });
});

describe("Argo CD's order within an Application", () => {
  const item = (kind: string, name: string, extra: Record<string, unknown> = {}): SourcedObject => ({
    object: {
      apiVersion: kind === 'Namespace' ? 'v1' : kind === 'NodePool' ? 'karpenter.sh/v1' : 'apps/v1',
      kind,
      metadata: { name, ...extra },
    },
    file: `${name}.yaml`,
    line: 2,
  });
  test('phase and wave first, then the kind order, then the name; a namespace moves before its first object', () => {
    const order = argoSyncOrder([
      item('NodePool', 'b', { annotations: { 'argocd.argoproj.io/sync-wave': '1' } }),
      item('Deployment', 'web', { namespace: 'late' }),
      item('NodePool', 'a'),
      item('Namespace', 'late', { annotations: { 'argocd.argoproj.io/sync-wave': '5' } }),
      item('Namespace', 'early'),
    ]);
    expect(order.map((t) => `${t.wave} ${t.item.object.kind} ${t.item.object.metadata.name}`)).toEqual([
      '0 Namespace early',
      '0 Namespace late',
      '0 Deployment web',
      '0 NodePool a',
      '1 NodePool b',
    ]);
  });
});
