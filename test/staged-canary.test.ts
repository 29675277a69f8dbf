import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { $ } from 'zx';
import { POD_TARGET_LABELS } from '../apps/model-server/slo-queries.js';
import { TRACK_LABEL } from '../apps/router/tracks.js';
import { canaryMatchers } from '../apps/model-server/staged-canary.js';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import { removeModelCanary, setModelCanary } from '../scripts/lib/promote/edit-canary.js';
import { abortedCanary, canaryHeldSince } from '../scripts/lib/promote/staged-canary.js';
import type { VersionRecord } from '../scripts/lib/promote/version-history.js';
import { engineForTests } from './helpers/engines.js';
import { makeFixtureRepo, REPO_ROOT, runScript, type FixtureRepo } from './helpers/fixture-repo.js';
import { backfill, startPrometheus, type RunningPrometheus } from './helpers/prometheus.js';
import { at, promotionSetup, type PromotionSetup } from './helpers/promotion-repo.js';
import { renderObjects, renderSampleFleet, type Json } from './helpers/rendered-fleet.js';
import { HEALTHY, openMetrics, SLOW } from './helpers/vllm-history.js';

/*
 * The canary of a multi-node model (a LeaderWorkerSet, which Argo Rollouts cannot run): a second
 * LeaderWorkerSet of one group at the new version behind the model's Gateway, its share of the
 * HTTPRoute set by cluster.yaml, and npm run promote moving it checkpoint by checkpoint on the
 * SLOs a real Prometheus holds for the canary's own pods, or removing it when they are missed.
 */

const HUGE = 'llama-3-1-405b-instruct';
const NAMESPACE = `llm-${HUGE}`;
const OLD = 'v2026.11.1';
const NEW = 'v2026.12.1';
const CATALOGUE = `apps/models/${HUGE}.yaml`;
const NEW_DIGEST = 'sha256:6b1e3a7d2f9c58b4ae7d1f2a3c4b5a69788f9a0e1d2c3b4a5968778b6c5d4e3f';
const ENTRY = `  ${HUGE}:\n    version: ${OLD}\n`;

const ofKind = (objects: Json[], kind: string) => objects.filter((o) => o.kind === kind && o.metadata.namespace === NAMESPACE);
const one = (objects: Json[], kind: string, name: string) => {
  const found = ofKind(objects, kind).find((o) => o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${NAMESPACE}`);
  return found;
};
const leaderLabels = (lws: Json) => ({
  ...lws.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels,
  'leaderworkerset.sigs.k8s.io/name': lws.metadata.name,
  'leaderworkerset.sigs.k8s.io/worker-index': '0',
});
const selects = (pool: Json, labels: Record<string, string>) =>
  Object.entries(pool.spec.selector.matchLabels).every(([k, v]) => labels[k] === v);
const weights = (objects: Json[]) => one(objects, 'HTTPRoute', HUGE).spec.rules[0].backendRefs.map((r: Json) => [r.kind, r.name, r.weight]);

/** A copy of the sample fleet where staging runs a canary of the 405B model's next version at `weight`. */
async function withCanary(weight: number): Promise<FixtureRepo> {
  const repo = await makeFixtureRepo();
  await repo.edit(CATALOGUE, `versions:\n`, `versions:\n  ${NEW}:\n    digest: ${NEW_DIGEST}\n`);
  await repo.edit('clusters/staging/cluster.yaml', ENTRY, `${ENTRY}    canary:\n      version: ${NEW}\n      weight: ${weight}\n`);
  return repo;
}

async function renderStaging(repo: FixtureRepo): Promise<Json[]> {
  const loaded = await loadFleet(repo.root);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return renderObjects(loaded.fleet, 'staging');
}

describe('rendered', () => {
  let sample: Awaited<ReturnType<typeof renderSampleFleet>>;
  beforeAll(async () => {
    sample = await renderSampleFleet();
  });

  test('at rest, the multi-node model of staging and prod sits behind its Gateway with all traffic on its stable pool', () => {
    for (const env of sample.envs.filter((e) => e.name !== 'dev')) {
      const objects = env.objects;
      expect(weights(objects)).toEqual([
        ['InferencePool', `${HUGE}-stable`, 100],
        ['InferencePool', `${HUGE}-canary`, 0],
      ]);
      expect(ofKind(objects, 'LeaderWorkerSet').map((l) => l.metadata.name)).toEqual([HUGE]);
      const stable = one(objects, 'LeaderWorkerSet', HUGE);
      for (const role of ['leaderTemplate', 'workerTemplate'])
        expect(stable.spec.leaderWorkerTemplate[role].metadata.labels[TRACK_LABEL]).toBe('stable');
      // The stable pool sends to the leaders only; the canary pool has no pod until a canary starts.
      expect(selects(one(objects, 'InferencePool', `${HUGE}-stable`), leaderLabels(stable))).toBe(true);
      expect(selects(one(objects, 'InferencePool', `${HUGE}-canary`), leaderLabels(stable))).toBe(false);
      // No Rollout: KEDA scales the LeaderWorkerSet.
      expect(ofKind(objects, 'Rollout')).toEqual([]);
      expect(one(objects, 'ScaledObject', HUGE).spec.scaleTargetRef).toMatchObject({ kind: 'LeaderWorkerSet', name: HUGE });
    }
  });

  test("Argo CD leaves alone only the weights a controller writes: a Rollout's plugin, or the multi-node model's canary guard", () => {
    for (const env of sample.envs.filter((e) => e.name !== 'dev')) {
      const application = (model: string) =>
        env.objects.find((o) => o.kind === 'Application' && o.metadata.name === `${env.name}-apps-llm-${model}`)!;
      expect(application(HUGE).spec.ignoreDifferences).toEqual([
        {
          group: 'gateway.networking.k8s.io',
          kind: 'HTTPRoute',
          name: HUGE,
          namespace: NAMESPACE,
          jqPathExpressions: ['.spec.rules[].backendRefs[].weight'],
        },
      ]);
      expect(application(HUGE).spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
      expect(one(env.objects, 'HTTPRoute', HUGE).metadata.annotations).toEqual({ 'eks-llm-gitops.io/weights-written-by': 'canary-guard' });
      const small = application('llama-3-1-8b-instruct');
      expect(small.spec.ignoreDifferences).toEqual([
        {
          group: 'gateway.networking.k8s.io',
          kind: 'HTTPRoute',
          name: 'llama-3-1-8b-instruct',
          namespace: 'llm-llama-3-1-8b-instruct',
          jqPathExpressions: ['.spec.rules[].backendRefs[].weight'],
        },
      ]);
      expect(small.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    }
  });
});

describe('a canary in progress', () => {
  let repo: FixtureRepo;
  let objects: Json[];
  beforeAll(async () => {
    repo = await withCanary(10);
    objects = await renderStaging(repo);
  });
  afterAll(() => repo?.dispose());

  test('runs one group of the new version beside the stable set, and the route gives it its share', () => {
    expect(weights(objects)).toEqual([
      ['InferencePool', `${HUGE}-stable`, 90],
      ['InferencePool', `${HUGE}-canary`, 10],
    ]);
    const stable = one(objects, 'LeaderWorkerSet', HUGE);
    const canary = one(objects, 'LeaderWorkerSet', `${HUGE}-canary`);
    // One replica of spare GPUs, whatever the share; the stable set's count stays with KEDA.
    expect(canary.spec.replicas).toBe(1);
    expect(stable.spec.replicas).toBeUndefined();
    expect(one(objects, 'ScaledObject', HUGE).spec.scaleTargetRef.name).toBe(HUGE);
    for (const role of ['leaderTemplate', 'workerTemplate']) {
      const template = canary.spec.leaderWorkerTemplate[role];
      expect(template.metadata.labels).toMatchObject({ [TRACK_LABEL]: 'canary', 'app.kubernetes.io/version': NEW });
      // Its pods load the new version's weights, and keep their group together in their own set.
      expect(JSON.stringify(template.spec.initContainers ?? template.spec.containers)).toContain(`/${NEW}/`);
      expect(JSON.stringify(template.spec.containers)).not.toContain(`/${OLD}/`);
      expect(template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels).toEqual({
        'leaderworkerset.sigs.k8s.io/name': `${HUGE}-canary`,
      });
      // The same GPUs, resources and EFA as the stable set's pods.
      expect(template.spec.containers[0].resources).toEqual(stable.spec.leaderWorkerTemplate[role].spec.containers[0].resources);
    }
    // Each pool selects its own track's leaders, and not the other's.
    const pool = (track: string) => one(objects, 'InferencePool', `${HUGE}-${track}`);
    expect(selects(pool('canary'), leaderLabels(canary))).toBe(true);
    expect(selects(pool('canary'), leaderLabels(stable))).toBe(false);
    expect(selects(pool('stable'), leaderLabels(stable))).toBe(true);
    expect(selects(pool('stable'), leaderLabels(canary))).toBe(false);
  });

  test("the canary group's pods may reach each other as the stable group's do, and neither set the other's", () => {
    const policy = (name: string) => one(objects, 'NetworkPolicy', name);
    const group = { 'leaderworkerset.sigs.k8s.io/name': `${HUGE}-canary` };
    expect(policy('allow-canary-group').spec.podSelector.matchLabels).toEqual(group);
    expect(policy('allow-canary-group').spec.ingress[0].from[0].podSelector.matchLabels).toEqual(group);
    expect(policy('allow-canary-group-egress').spec.egress[0].to[0].podSelector.matchLabels).toEqual(group);
    // Each set's group stays within its set: no worker joins the other version's leader.
    const stable = { 'leaderworkerset.sigs.k8s.io/name': HUGE };
    expect(policy('allow-group').spec.podSelector.matchLabels).toEqual(stable);
    expect(policy('allow-group').spec.ingress[0].from[0].podSelector.matchLabels).toEqual(stable);
    expect(policy('allow-group-egress').spec.egress[0].to[0].podSelector.matchLabels).toEqual(stable);
  });

  test('the Prometheus scrape carries the track, which the canary evidence selects on', () => {
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'vllm')!;
    expect(monitor.spec.podTargetLabels).toContain(TRACK_LABEL);
    // Prometheus's name for it, which canaryMatchers selects on.
    expect(canaryMatchers(HUGE, NEW)).toEqual({ namespace: NAMESPACE, app_kubernetes_io_version: NEW, eks_llm_gitops_io_track: 'canary' });
  });

  test(
    'merging a canary replays clean and passes every policy and the network flows; a share left without its LeaderWorkerSet is caught (CMB-011)',
    { timeout: 400_000 },
    async () => {
      for (const entry of ['policies', 'platform', 'scripts']) await symlink(path.join(REPO_ROOT, entry), path.join(repo.root, entry));
      const git = $({ cwd: repo.root, quiet: true });
      const commit = (message: string) => git`git add -A && git -c user.name=t -c user.email=t@example.com commit -q -m ${message}`;
      // The base: staging at rest (the fixture's rendered folders); then the start PR's render over it.
      await git`git init -q -b main`;
      await commit('at rest');
      expect((await runScript('render', ['--env', 'staging'], repo.root)).code).toBe(0);
      await commit('canary at 10%');

      // Merging the start PR, replayed on a real API server over the base: the canary set, its
      // route weights and policies are accepted as they arrive (CRD schemas and CEL included).
      const sync = await runScript('sync-test', ['--env', 'staging', '--base', 'HEAD~1'], repo.root);
      expect(sync.code, sync.stdout.slice(-2000) + sync.stderr).toBe(0);
      expect(sync.stdout).toMatch(/^staging \(argocd\): replays clean/m);

      // The promotion rule reads the base revision (HEAD): the canary and the versions as they are.
      const passed = await runScript('policy', ['--env', 'staging', '--format', 'json'], repo.root);
      expect(passed.stderr.split('\n').filter((l) => /FAIL/.test(l))).toEqual([]);
      expect(passed.code).toBe(0);

      // The network flows: each set's group within itself, never across the two sets.
      const flows = await runScript('netpol', ['--env', 'staging'], repo.root);
      expect(flows.stdout + flows.stderr).toMatch(/staging: \d+ flows that must be allowed, \d+ that must be denied: all as required/);
      expect(flows.code).toBe(0);

      const folder = `clusters/staging/manifests/apps/${NAMESPACE}`;
      await unlink(path.join(repo.root, folder, `leaderworkerset-${HUGE}-canary.yaml`));
      const kustomization = `${folder}/kustomization.yaml`;
      await repo.edit(kustomization, `  - leaderworkerset-${HUGE}-canary.yaml\n`, '');
      const failed = await runScript('policy', ['--env', 'staging', '--format', 'json'], repo.root);
      expect(failed.code).toBe(1);
      const report = JSON.parse(failed.stdout) as { findings: Json[] };
      expect(report.findings.filter((f) => f.level === 'failure').map((f) => [f.policy, f.msg])).toContainEqual([
        'CMB-011',
        expect.stringContaining(`gives 10 of its weight to InferencePool ${HUGE}-canary, which selects the serving pods of no workload`),
      ]);
    },
  );
});

describe('cluster.yaml edits keep every other byte', () => {
  const text = [
    'models:',
    '  # the big one',
    `  ${HUGE}:`,
    `    version: ${OLD}  # stable`,
    '    replicas:',
    '      min: 2',
    '      max: 3',
    'promotion:',
    '  from: staging',
    '',
  ].join('\n');

  test('a canary is added under the version line, moved, and removed back to the original text', () => {
    const started = setModelCanary(text, 'cluster.yaml', HUGE, { version: NEW, weight: 5 });
    expect(started).toBe(text.replace(`# stable\n`, `# stable\n    canary:\n      version: ${NEW}\n      weight: 5\n`));
    const moved = setModelCanary(started, 'cluster.yaml', HUGE, { version: NEW, weight: 25 });
    expect(moved).toBe(started.replace('weight: 5', 'weight: 25'));
    expect((load(moved) as Json).models[HUGE].canary).toEqual({ version: NEW, weight: 25 });
    expect(removeModelCanary(moved, 'cluster.yaml', HUGE)).toBe(text);
  });
});

describe('canary history', () => {
  const record = (hour: number, version: string, canary?: { version: string; weight: number }): VersionRecord => ({
    commit: `c${hour}`,
    time: at(hour),
    version,
    ...(canary ? { canary } : {}),
  });

  test('a share holds since the commit that set it; a moved share starts again', () => {
    const history = [record(0, OLD), record(1, OLD, { version: NEW, weight: 5 }), record(2, OLD, { version: NEW, weight: 5 })];
    expect(canaryHeldSince(history, { version: NEW, weight: 5 })?.commit).toBe('c1');
    const moved = [...history, record(3, OLD, { version: NEW, weight: 25 })];
    expect(canaryHeldSince(moved, { version: NEW, weight: 25 })?.commit).toBe('c3');
  });

  test('a canary removed with the old version still running was rolled back; one that became the version was not', () => {
    const rolledBack = [record(0, OLD), record(1, OLD, { version: NEW, weight: 5 }), record(2, OLD)];
    expect(abortedCanary(rolledBack, NEW)).toEqual(at(2));
    const promoted = [record(0, OLD), record(1, OLD, { version: NEW, weight: 50 }), record(2, NEW)];
    expect(abortedCanary(promoted, NEW)).toBeUndefined();
  });
});

/*
 * npm run promote over a real Prometheus: staging ran the new version (stable track) from T0 + 1 h,
 * healthy; prod's canary pods (canary track) are healthy from T0 + 74 h to T0 + 80 h and slow
 * (time to first token p95 3.111 s over its 2 s target) from then to T0 + 82 h.
 */
const engines = { prometheus: await engineForTests('prometheus'), promtool: await engineForTests('promtool') };
const skipReason = Object.values(engines).find((e) => e.skipReason !== '')?.skipReason ?? '';
const live = describe.skipIf(skipReason !== '');

live('npm run promote steps a canary on its SLOs', { timeout: 300_000 }, () => {
  let prometheus: RunningPrometheus;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'staged-canary-'));
    const labels = (track: string) => ({ [POD_TARGET_LABELS.version.prometheus]: NEW, [POD_TARGET_LABELS.track.prometheus]: track });
    const pod = (name: string, track: string, from: Date, to: Date, regime: (t: Date) => typeof HEALTHY) => ({
      namespace: NAMESPACE,
      pod: name,
      podLabels: labels(track),
      modelName: 'meta-llama/Llama-3.1-405B-Instruct',
      from,
      to,
      regime,
    });
    const text = openMetrics([
      pod(`${HUGE}-0`, 'stable', at(0), at(73), () => HEALTHY),
      pod(`${HUGE}-canary-0`, 'canary', at(74), at(82), (t) => (t > at(80) ? SLOW : HEALTHY)),
    ]);
    await backfill(engines.promtool.located!.binary, text, path.join(dir, 'data'));
    prometheus = await startPrometheus(engines.prometheus.located!.binary, path.join(dir, 'data'));
  }, 300_000);
  afterAll(async () => {
    await prometheus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const PROD = 'clusters/prod/cluster.yaml';
  const canaryEntry = (weight: number) => `${ENTRY}    canary:\n      version: ${NEW}\n      weight: ${weight}\n`;

  /** The new version in the catalogue (T0 + 0.5 h) and in staging (T0 + 1 h); a canary in prod at `canary` from `since`. */
  async function setup(
    onTestFinished: Parameters<typeof promotionSetup>[0],
    canary?: { weight: number; since: number },
    options: { monitored?: boolean } = {},
  ) {
    const s = await promotionSetup(onTestFinished, {}, options.monitored === false ? {} : { queryUrl: prometheus.url });
    await s.repo.commitEdit(CATALOGUE, 'versions:\n', `versions:\n  ${NEW}:\n    digest: ${NEW_DIGEST}\n`, at(0.5), 'catalogue');
    await s.repo.commitEdit('clusters/staging/cluster.yaml', ENTRY, ENTRY.replace(OLD, NEW), at(1), 'staging runs the new version');
    if (canary) await s.repo.commitEdit(PROD, ENTRY, canaryEntry(canary.weight), at(canary.since), 'canary (merged)');
    return s;
  }
  const promote = (s: PromotionSetup, hour: number, ...extra: string[]) =>
    s.promote('--to', 'prod', '--model', HUGE, '--now', at(hour).toISOString(), ...extra);
  const branchFile = async (s: PromotionSetup, branch: string) => {
    await s.repo.git(['fetch', '--quiet', 'origin']);
    // As main's file would read with the PR's edit (git's output loses the last newline).
    return `${await s.repo.git(['show', `origin/${branch}:${PROD}`])}\n`;
  };

  /**
   * A canary at 5% since T0 + 74 h, promoted at 74.5 h (its 60-minute pause not yet held: no PR,
   * and `waiting` said why) and at 75.25 h (held: the PR that moves it to 25%); that PR's body.
   */
  async function heldThenMoved(s: PromotionSetup, waiting: string): Promise<string> {
    const early = await promote(s, 74.5);
    expect(early.code).toBe(0);
    expect(early.stdout).toContain(waiting);
    expect(s.github.pulls).toEqual([]);
    const held = await promote(s, 75.25);
    expect(held.stderr).toBe('');
    expect(held.code).toBe(0);
    expect(s.github.pulls.map((p) => p.title)).toEqual([`canary ${HUGE} ${NEW} 5% -> 25% in prod`]);
    expect(await branchFile(s, `promote/prod/${HUGE}`)).toBe((await s.repo.read(PROD)).replace(canaryEntry(5), canaryEntry(25)));
    return s.github.pulls[0]!.body;
  }

  test('a soaked version starts as a canary at the first checkpoint; the PR adds its LeaderWorkerSet', async ({ onTestFinished }) => {
    const s = await setup(onTestFinished);
    const result = await promote(s, 73.5);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(s.github.pulls.map((p) => [p.title, p.head.ref])).toEqual([[`canary ${HUGE} ${NEW} at 5% in prod`, `promote/prod/${HUGE}`]]);
    expect(s.github.pulls[0]!.body).toContain(`with 5% of the requests. It holds 5% for 60 minutes`);
    expect(await branchFile(s, `promote/prod/${HUGE}`)).toBe((await s.repo.read(PROD)).replace(ENTRY, canaryEntry(5)));
    const files = (await s.repo.git(['diff', '--name-only', 'origin/main', `origin/promote/prod/${HUGE}`])).split('\n');
    expect(files).toContain(`clusters/prod/manifests/apps/${NAMESPACE}/leaderworkerset-${HUGE}-canary.yaml`);
    expect(files).toContain(`clusters/prod/manifests/apps/${NAMESPACE}/httproute-${HUGE}.yaml`);
  });

  test('a share holds for its pause; then, its SLOs met, the next checkpoint is proposed with the figures', async ({ onTestFinished }) => {
    const s = await setup(onTestFinished, { weight: 5, since: 74 });
    const body = await heldThenMoved(
      s,
      `prod: ${HUGE}: ${NEW} canary at 5% in prod since ${at(74).toISOString()}, 0h 30m of 60m: SLOs met so far`,
    );
    expect(body).toContain('The canary met its SLOs at 5%. The canary has held 5% since');
    // Its own pods' figures: 15 five-minute windows of one pod at 200 requests a minute; p95 1.625 s.
    expect(body).toContain(`### SLOs of ${NEW} (canary) in prod`);
    expect(body).toContain('| time to first token p95 | 2 s | 1.625 s');
  });

  test('a canary that has finished no requests is not judged, however long it held', async ({ onTestFinished }) => {
    // The canary's pods report nothing after T0 + 82 h: a share set at 82.5 h has no requests to judge.
    const s = await setup(onTestFinished, { weight: 5, since: 82.5 });
    const result = await promote(s, 84);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `prod: ${HUGE}: ${NEW} canary at 5% in prod since ${at(82.5).toISOString()}, 1h 30m of 60m: it has finished no requests yet, so there is nothing to judge; no PR`,
    );
    expect(s.github.pulls).toEqual([]);
  });

  test('without monitoring.queryUrl the pauses alone move a canary, and the PR says it only held', async ({ onTestFinished }) => {
    const s = await setup(onTestFinished, { weight: 5, since: 74 }, { monitored: false });
    const body = await heldThenMoved(s, '0h 30m of 60m: no SLO figures (no monitoring.queryUrl); no PR until the pause has held');
    expect(body).toContain('The canary held at 5%. The canary has held 5% since');
    expect(body).toContain(
      "### SLOs of the canary in prod\n\nNot read: `clusters/prod/cluster.yaml` sets no `monitoring.queryUrl`, so the checkpoint's pause alone decided this step.",
    );
    expect(body).not.toContain('| time to first token p95 |');
  });

  test('after the last checkpoint the new version replaces the old and the canary goes', async ({ onTestFinished }) => {
    const s = await setup(onTestFinished, { weight: 50, since: 74 });
    const result = await promote(s, 75.5);
    expect(result.code).toBe(0);
    expect(s.github.pulls.map((p) => p.title)).toEqual([`promote ${HUGE} ${OLD} -> ${NEW} in prod (canary passed)`]);
    const file = await branchFile(s, `promote/prod/${HUGE}`);
    expect(file).toBe((await s.repo.read(PROD)).replace(canaryEntry(50), ENTRY.replace(OLD, NEW)));
    // The stable set rolls to the new version; the branch's render has no canary set.
    const files = (await s.repo.git(['diff', '--name-only', 'origin/main', `origin/promote/prod/${HUGE}`])).split('\n');
    expect(files).toContain(`clusters/prod/manifests/apps/${NAMESPACE}/leaderworkerset-${HUGE}.yaml`);
    const tree = await s.repo.git([
      'ls-tree',
      '-r',
      '--name-only',
      `origin/promote/prod/${HUGE}`,
      `clusters/prod/manifests/apps/${NAMESPACE}/`,
    ]);
    expect(tree.split('\n').filter((f) => f.includes('leaderworkerset-'))).toEqual([
      `clusters/prod/manifests/apps/${NAMESPACE}/leaderworkerset-${HUGE}.yaml`,
    ]);
  });

  test('a missed SLO opens the PR that removes the canary (exit 1), and that version is not proposed again', async ({ onTestFinished }) => {
    const s = await setup(onTestFinished, { weight: 25, since: 79.5 });
    const result = await promote(s, 81);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('the canary missed its SLOs');
    expect(result.stdout).toMatch(
      /time to first token p95 was 3\.111 s in the 5-minute window to .*, 1\.111 s \(55\.6%\) over its 2 s target; 12 of 18 windows missed it/,
    );
    expect(s.github.pulls.map((p) => [p.title, p.head.ref])).toEqual([
      [`roll back the canary of ${HUGE} ${NEW} in prod`, `rollback/prod/${HUGE}`],
    ]);
    expect(s.github.pulls[0]!.labels.map((l) => l.name)).toContain('rollback');
    expect(await branchFile(s, `rollback/prod/${HUGE}`)).toBe((await s.repo.read(PROD)).replace(canaryEntry(25), ENTRY));

    await s.repo.commitEdit(PROD, canaryEntry(25), ENTRY, at(81.5), 'rollback (merged)');
    const after = await promote(s, 82);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`${NEW}'s canary in prod was rolled back at ${at(81.5).toISOString()}; not proposing it again`);
    expect(s.github.pulls).toHaveLength(1);
  });

  test('--rollback with a canary in progress removes the canary', async ({ onTestFinished }) => {
    const s = await setup(onTestFinished, { weight: 5, since: 74 });
    const result = await promote(s, 74.5, '--rollback');
    expect(result.code).toBe(0);
    expect(s.github.pulls.map((p) => p.title)).toEqual([`roll back the canary of ${HUGE} ${NEW} in prod`]);
    expect(s.github.pulls[0]!.body).toContain('rolled back by hand (npm run promote -- --rollback)');
    expect(await branchFile(s, `rollback/prod/${HUGE}`)).toBe((await s.repo.read(PROD)).replace(canaryEntry(5), ENTRY));
  });
});
