import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { $ } from 'zx';
import { GUARD_ANNOTATIONS, type GuardConfig } from '../apps/canary-guard/config.js';
import { POD_TARGET_LABELS } from '../apps/model-server/slo-queries.js';
import { controllerOwnedFields } from '../platform/gitops/controller-owned.js';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import { cachedCrdFile } from '../scripts/lib/crds/fetch-crds.js';
import { startApiServer, type RunningApiServer } from '../scripts/lib/sync/api-server.js';
import { KubeClient, type KubeObject } from '../scripts/lib/sync/kube-client.js';
import { eventually, freePort } from './helpers/endpoint-picker.js';
import { engineForTests } from './helpers/engines.js';
import { makeFixtureRepo, type FixtureRepo } from './helpers/fixture-repo.js';
import { backfill, startPrometheus, type RunningPrometheus } from './helpers/prometheus.js';
import { renderObjects, type Json } from './helpers/rendered-fleet.js';
import { HEALTHY, openMetrics, SLOW } from './helpers/vllm-history.js';

/*
 * The canary guard of a multi-node model (apps/canary-guard/), for real: the script its
 * ConfigMap holds, run by Node.js as its pod runs it, against a real kube-apiserver and etcd
 * holding the rendered route, canary LeaderWorkerSet and RBAC (its token is a real service
 * account token of the rendered ServiceAccount, so the rendered Role is what lets it act), and a
 * real Prometheus over a backfilled history of the canary's pods: healthy for 30 minutes, then
 * slow (time to first token p95 3.111 s, over the 405B's 2 s target). No kubelet or controller
 * runs: the test writes the LeaderWorkerSet's status itself.
 */

const HUGE = 'llama-3-1-405b-instruct';
const NAMESPACE = `llm-${HUGE}`;
const OLD = 'v2026.11.1';
const NEW = 'v2026.12.1';
const NEW_DIGEST = 'sha256:6b1e3a7d2f9c58b4ae7d1f2a3c4b5a69788f9a0e1d2c3b4a5968778b6c5d4e3f';
const ENTRY = `  ${HUGE}:\n    version: ${OLD}\n`;
const FIELD_MANAGER = 'argocd-controller';
const T0 = new Date('2026-11-20T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const engines = {
  etcd: await engineForTests('etcd'),
  kubeApiServer: await engineForTests('kube-apiserver'),
  prometheus: await engineForTests('prometheus'),
  promtool: await engineForTests('promtool'),
};
const skipReason = Object.values(engines).find((e) => e.skipReason !== '')?.skipReason ?? '';

async function stagingWithCanary(weight: number): Promise<{ repo: FixtureRepo; objects: Json[] }> {
  const repo = await makeFixtureRepo();
  await repo.edit(`apps/models/${HUGE}.yaml`, `versions:\n`, `versions:\n  ${NEW}:\n    digest: ${NEW_DIGEST}\n`);
  await repo.edit('clusters/staging/cluster.yaml', ENTRY, `${ENTRY}    canary:\n      version: ${NEW}\n      weight: ${weight}\n`);
  const loaded = await loadFleet(repo.root);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return { repo, objects: renderObjects(loaded.fleet, 'staging') };
}

const named = (objects: Json[], kind: string, name: string): Json => {
  const found = objects.find((o) => o.kind === kind && o.metadata.namespace === NAMESPACE && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${NAMESPACE}`);
  return found;
};

describe('the rendered canary guard', () => {
  let objects: Json[];
  let repo: FixtureRepo;
  beforeAll(async () => {
    ({ repo, objects } = await stagingWithCanary(10));
  });
  afterAll(async () => repo?.dispose());

  test('judges the canary by the SLOs and windows promote uses, and may only touch its route and the canary set', () => {
    const config = JSON.parse(named(objects, 'ConfigMap', 'canary-guard').data['config.json']) as GuardConfig;
    expect(config).toMatchObject({ route: HUGE, stableBackend: `${HUGE}-stable`, canaryBackend: `${HUGE}-canary` });
    expect(config.release).toMatchObject({ version: NEW, weight: 10, workload: `${HUGE}-canary`, failureLimit: 1, windowSeconds: 300 });
    expect(config.release!.slos.map((s) => [s.title, s.target])).toEqual([
      ['time to first token p95', 2],
      ['inter-token latency p95', expect.any(Number)],
      ['error rate', expect.any(Number)],
    ]);
    for (const slo of config.release!.slos) {
      expect(slo.query).toContain(`${POD_TARGET_LABELS.version.prometheus}="${NEW}"`);
      expect(slo.query).toContain(`${POD_TARGET_LABELS.track.prometheus}="canary"`);
    }
    expect(named(objects, 'Role', 'canary-guard').rules).toEqual([
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], resourceNames: [HUGE], verbs: ['get', 'patch'] },
      { apiGroups: ['leaderworkerset.x-k8s.io'], resources: ['leaderworkersets'], resourceNames: [`${HUGE}-canary`], verbs: ['get'] },
    ]);
    const pod = named(objects, 'Deployment', 'canary-guard').spec.template.spec;
    expect(pod.containers[0].image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(pod.containers[0].readinessProbe.httpGet.path).toBe('/readyz');
    expect(named(objects, 'Deployment', 'canary-guard').spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('Argo CD leaves the route weights to the guard (and applies the rest of the route)', () => {
    const route = named(objects, 'HTTPRoute', HUGE);
    expect(controllerOwnedFields([route as Parameters<typeof controllerOwnedFields>[0][number]])).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'HTTPRoute',
        name: HUGE,
        namespace: NAMESPACE,
        jqPathExpressions: ['.spec.rules[].backendRefs[].weight'],
      },
    ]);
    const app = objects.find((o) => o.kind === 'Application' && o.metadata.name === `staging-apps-llm-${HUGE}`);
    expect(app?.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    expect(app?.spec.ignoreDifferences).toEqual([expect.objectContaining({ kind: 'HTTPRoute', name: HUGE })]);
  });
});

describe.skipIf(skipReason !== '')('the canary guard on a real API server and Prometheus', { timeout: 300_000 }, () => {
  let dir: string;
  let repo: FixtureRepo;
  let objects: Json[];
  let server: RunningApiServer | undefined;
  let prometheus: RunningPrometheus | undefined;
  let client: KubeClient;
  let config: GuardConfig;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'canary-guard-'));
    ({ repo, objects } = await stagingWithCanary(10));
    const history = openMetrics([
      {
        namespace: NAMESPACE,
        pod: `${HUGE}-canary-0`,
        podLabels: { [POD_TARGET_LABELS.version.prometheus]: NEW, [POD_TARGET_LABELS.track.prometheus]: 'canary' },
        modelName: 'meta-llama/Llama-3.1-405B-Instruct',
        from: at(0),
        to: at(60),
        regime: (t) => (t > at(30) ? SLOW : HEALTHY),
      },
    ]);
    await backfill(engines.promtool.located!.binary, history, path.join(dir, 'data'));
    prometheus = await startPrometheus(engines.prometheus.located!.binary, path.join(dir, 'data'));

    server = await startApiServer({ etcd: engines.etcd.located!.binary, kubeApiServer: engines.kubeApiServer.located!.binary });
    client = new KubeClient(server.endpoint);
    const crd = async (module: string, version: string, file: string) =>
      load(await readFile(cachedCrdFile(module, version, file), 'utf8')) as KubeObject;
    await client.installCrds(
      [
        await crd('sigs.k8s.io/gateway-api', 'v1.5.1', 'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml'),
        await crd('sigs.k8s.io/lws', 'v0.9.0', 'config/crd/bases/leaderworkerset.x-k8s.io_leaderworkersets.yaml'),
      ],
      FIELD_MANAGER,
    );
    // What Argo CD applies for the guard to act on, as rendered.
    const apply = (o: Json) => client.apply(o as KubeObject, { fieldManager: FIELD_MANAGER });
    await apply(objects.find((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACE)!);
    for (const [kind, name] of [
      ['ServiceAccount', 'canary-guard'],
      ['Role', 'canary-guard'],
      ['RoleBinding', 'canary-guard'],
      ['HTTPRoute', HUGE],
      ['LeaderWorkerSet', `${HUGE}-canary`],
    ] as const)
      await apply(named(objects, kind, name));

    // The pod's token (a real service account token) and the cluster's CA, where the kubelet mounts them.
    const token = await client.call(
      'POST',
      `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/canary-guard/token`,
      JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } }),
    );
    await mkdir(path.join(dir, 'sa'));
    await writeFile(path.join(dir, 'sa', 'token'), (token.json as { status: { token: string } }).status.token);
    await writeFile(path.join(dir, 'sa', 'ca.crt'), server.endpoint.caPem);
    const files = named(objects, 'ConfigMap', 'canary-guard').data;
    await writeFile(path.join(dir, 'guard.mjs'), files['guard.mjs']);
    // The in-cluster Prometheus Service, on loopback here.
    config = { ...(JSON.parse(files['config.json']) as GuardConfig), prometheusUrl: prometheus.url };
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    await prometheus?.stop();
    await repo?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One pass of the rendered guard as of `minutes` after T0, with `overrides` on its config. */
  async function pass(minutes: number, overrides: Partial<GuardConfig> = {}) {
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ ...config, ...overrides }));
    const url = new URL(server!.endpoint.server);
    const result = await $({
      nothrow: true,
      quiet: true,
      env: {
        PATH: process.env.PATH,
        GUARD_ONCE: '1',
        GUARD_NOW: at(minutes).toISOString(),
        GUARD_CONFIG: file,
        GUARD_TOKEN_DIR: path.join(dir, 'sa'),
        KUBERNETES_SERVICE_HOST: url.hostname,
        KUBERNETES_SERVICE_PORT: url.port,
      },
    })`${process.execPath} ${path.join(dir, 'guard.mjs')}`;
    const route = (await client.get(named(objects, 'HTTPRoute', HUGE) as KubeObject)) as Json;
    return {
      code: result.exitCode,
      log: JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>,
      weights: route.spec.rules[0].backendRefs.map((r: Json) => [r.name, r.weight]),
      annotations: (route.metadata.annotations ?? {}) as Record<string, string>,
    };
  }
  const setReadyGroups = (ready: number) =>
    client.call(
      'PATCH',
      `/apis/leaderworkerset.x-k8s.io/v1/namespaces/${NAMESPACE}/leaderworkersets/${HUGE}-canary/status`,
      JSON.stringify({ status: { readyReplicas: ready, replicas: 1 } }),
      'application/merge-patch+json',
    );
  const split = (canary: number) => [
    [`${HUGE}-stable`, 100 - canary],
    [`${HUGE}-canary`, canary],
  ];

  test('gives the canary its share once its group is Ready, keeps it while the SLOs hold, and takes it out by itself when they do not', async () => {
    // git created the route at 90/10; the canary's group is still loading: no share yet.
    const loading = await pass(0);
    expect(loading.code).toBe(0);
    expect(loading.weights).toEqual(split(0));
    expect(loading.log.reason).toContain('has no Ready group yet');

    await setReadyGroups(1);
    const ready = await pass(1);
    expect(ready.weights).toEqual(split(10));
    expect(ready.annotations[GUARD_ANNOTATIONS.judgedSince]).toBe(`${NEW}@10 ${at(1).toISOString()}`);

    // Healthy windows (5 minutes each) from T0 + 1 min to T0 + 26 min.
    const healthy = await pass(26);
    expect(healthy.weights).toEqual(split(10));
    expect(healthy.log).toMatchObject({ changed: false, canaryWeight: 10 });
    expect(healthy.log.reason).toMatch(/SLOs met since .* \(\d+ requests\)/);

    // Slow from T0 + 30 min: by T0 + 46 min three windows missed, over the failure limit of 1.
    const slow = await pass(46);
    expect(slow.code).toBe(0);
    expect(slow.weights).toEqual(split(0));
    expect(slow.annotations[GUARD_ANNOTATIONS.aborted]).toBe(NEW);
    expect(slow.log.missed).toEqual([
      expect.stringMatching(
        /^time to first token p95 was 3\.111 s in the 5-minute window to .*, 1\.111 s \(55\.6%\) over its 2 s target; 3 of 9 windows missed it$/,
      ),
    ]);
    expect(slow.annotations[GUARD_ANNOTATIONS.abortedBecause]).toBe((slow.log.missed as string[]).join('; '));

    // Taken out for good: a later pass (a restarted guard) does not give it back, though git still says 10%.
    const later = await pass(60);
    expect(later.weights).toEqual(split(0));
    expect(later.log.reason).toContain('taken out earlier');
  });

  test('as its pod runs it: Ready once a pass has written the weights, and its metrics say the canary was taken out', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify(config));
    const port = await freePort();
    const url = new URL(server!.endpoint.server);
    const guard = spawn(process.execPath, [path.join(dir, 'guard.mjs')], {
      env: {
        PATH: process.env.PATH,
        GUARD_NOW: at(61).toISOString(),
        GUARD_CONFIG: file,
        GUARD_TOKEN_DIR: path.join(dir, 'sa'),
        GUARD_HEALTH_PORT: String(port),
        KUBERNETES_SERVICE_HOST: url.hostname,
        KUBERNETES_SERVICE_PORT: url.port,
      },
      stdio: 'ignore',
    });
    try {
      const ready = await eventually(
        'the guard is Ready',
        () =>
          fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => (r.status === 200 ? r.status : undefined),
            () => undefined,
          ),
        { timeoutMs: 20_000 },
      );
      expect(ready).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain(`canary_guard_taken_out{version="${NEW}"} 1\n`);
      expect(metrics).toContain('canary_guard_canary_weight 0\n');
      expect(metrics).toContain('canary_guard_pass_failures_total 0\n');
    } finally {
      const exited = new Promise((resolve) => guard.once('exit', resolve));
      guard.kill('SIGTERM');
      await exited;
    }
    expect(guard.exitCode).toBe(0);
  });

  test('may not write any other route: its Role names one', async () => {
    const other = await pass(61, { route: 'another-route' });
    expect(other.code).toBe(1);
    expect(String(other.log.error)).toContain('HTTP 403');
  });
});
