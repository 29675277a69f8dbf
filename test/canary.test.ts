import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canarySteps, canarySurge, replicasDuringShift, type CanaryStep } from '../apps/model-server/canary.js';
import { TRACK_LABEL } from '../apps/router/tracks.js';
import { POD_TARGET_LABELS } from '../apps/model-server/slo-queries.js';
import { GATEWAY_API_PLUGIN } from '../platform/argo-rollouts/argo-rollouts.js';
import type { CanarySpec } from '../platform/spec/canary-spec.js';
import { queryRange } from '../scripts/lib/promote/prometheus-api.js';
import { engineForTests } from './helpers/engines.js';
import { backfill, startPrometheus, type RunningPrometheus } from './helpers/prometheus.js';
import { at } from './helpers/promotion-repo.js';
import { renderSampleFleet, type Json, type RenderedEnvironment } from './helpers/rendered-fleet.js';
import { HEALTHY, openMetrics, SLOW } from './helpers/vllm-history.js';

/*
 * The canaries of the sample fleet as Argo Rollouts v1.10 would run them: every single-node model
 * of staging and prod is a Rollout whose traffic the Gateway API plugin moves between two
 * InferencePools, never needing more GPUs than the capacity check reserves (Argo Rollouts' own
 * replica arithmetic, utils/replicaset/canary.go), and whose AnalysisTemplate runs on a real
 * Prometheus over a backfilled canary, judged by Argo Rollouts' rules (utils/evaluate).
 */

let rendered: Awaited<ReturnType<typeof renderSampleFleet>>;
beforeAll(async () => {
  rendered = await renderSampleFleet();
});

const byKind = (env: RenderedEnvironment, kind: string, namespace: string) =>
  env.objects.filter((o: Json) => o.kind === kind && o.metadata.namespace === namespace);
const servers = (env: RenderedEnvironment) =>
  env.objects.filter(
    (o: Json) =>
      ['Deployment', 'Rollout', 'LeaderWorkerSet'].includes(o.kind) &&
      o.metadata.labels?.['app.kubernetes.io/component'] === 'model-server',
  );

test('every single-node model of staging and prod is an Argo Rollout; dev rolls; multi-node models stay LeaderWorkerSets (their staged canaries: test/staged-canary.test.ts)', () => {
  const kinds: Record<string, Record<string, string>> = {};
  for (const env of rendered.envs) kinds[env.name] = Object.fromEntries(servers(env).map((s: Json) => [s.metadata.name, s.kind]));
  expect(kinds).toEqual({
    dev: { 'llama-3-1-8b-instruct': 'Deployment', 'llama-3-3-70b-instruct': 'Deployment', 'llama-3-1-405b-instruct': 'LeaderWorkerSet' },
    staging: { 'llama-3-1-8b-instruct': 'Rollout', 'llama-3-3-70b-instruct': 'Rollout', 'llama-3-1-405b-instruct': 'LeaderWorkerSet' },
    prod: { 'llama-3-1-8b-instruct': 'Rollout', 'llama-3-3-70b-instruct': 'Rollout', 'llama-3-1-405b-instruct': 'LeaderWorkerSet' },
  });
});

const rollouts = () =>
  rendered.envs.flatMap((env) => env.objects.filter((o: Json) => o.kind === 'Rollout').map((rollout: Json) => ({ env, rollout })));

test('each canary reaches its own pods through the endpoint picker: route, pools, Services and tracks agree', () => {
  expect(rollouts()).toHaveLength(4);
  for (const { env, rollout } of rollouts()) {
    const namespace = rollout.metadata.namespace;
    const canary = rollout.spec.strategy.canary;
    const plugin = canary.trafficRouting.plugins[GATEWAY_API_PLUGIN];
    expect(plugin.namespace).toBe(namespace);
    const route = byKind(env, 'HTTPRoute', namespace).find((r: Json) => r.metadata.name === plugin.httpRoute)!;
    // The plugin changes the weights of the rule that holds both names, and nothing else of it.
    const refs = route.spec.rules[0].backendRefs;
    expect(refs.map((r: Json) => [r.kind, r.name, r.weight])).toEqual([
      ['InferencePool', canary.stableService, 100],
      ['InferencePool', canary.canaryService, 0],
    ]);
    // The route belongs to the model's Istio Gateway, whose Envoy pods the router's Service selects.
    const gateway = byKind(env, 'Gateway', namespace).find((g: Json) => g.metadata.name === route.spec.parentRefs[0].name)!;
    expect(gateway.spec.gatewayClassName).toBe('istio');
    const routerService = byKind(env, 'Service', namespace).find((s: Json) => s.metadata.name === gateway.metadata.name)!;
    expect(gateway.spec.infrastructure.labels).toMatchObject(routerService.spec.selector);
    expect(route.spec.rules[0].timeouts.request).toBe('600s');
    const pods = rollout.spec.template.metadata.labels;
    for (const [track, other] of [
      ['stable', 'canary'],
      ['canary', 'stable'],
    ] as const) {
      const labels = canary[`${track}Metadata`].labels;
      expect(labels[TRACK_LABEL]).toBe(track);
      const pool = byKind(env, 'InferencePool', namespace).find((p: Json) => p.metadata.name === canary[`${track}Service`])!;
      const selects = (podLabels: Json) => Object.entries(pool.spec.selector.matchLabels).every(([k, v]) => podLabels[k] === v);
      expect(selects({ ...pods, ...labels }), `${env.name} ${pool.metadata.name}`).toBe(true);
      expect(selects({ ...pods, ...canary[`${other}Metadata`].labels }), `${env.name} ${pool.metadata.name}`).toBe(false);
      // Each pool has its own picker, which reads that pool only.
      const picker = byKind(env, 'Deployment', namespace).find((d: Json) => d.metadata.name === pool.spec.endpointPickerRef.name)!;
      expect(picker.spec.template.spec.containers[0].args).toContain(`--pool-name=${pool.metadata.name}`);
      expect(pool.spec.endpointPickerRef.failureMode).toBe('FailClose');
      // The Services Argo Rollouts needs exist, and Prometheus does not scrape through them (each pod once).
      const service = byKind(env, 'Service', namespace).find((s: Json) => s.metadata.name === canary[`${track}Service`])!;
      expect(service.metadata.labels['app.kubernetes.io/component']).not.toBe('model-server');
    }
    // KEDA scales the Rollout (its scale subresource), not a Deployment that does not exist.
    const scaled = byKind(env, 'ScaledObject', namespace).find((s: Json) => s.metadata.name === rollout.metadata.name)!;
    expect(scaled.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: rollout.metadata.name });
    expect(canary.dynamicStableScale).toBe(true);
    expect(canary.scaleDownDelaySeconds).toBeUndefined();
    expect(rollout.spec.replicas).toBeUndefined();
    expect(rollout.spec.progressDeadlineAbort).toBe(true);
  }
});

test('the checkpoints of cluster.yaml are the paused shares, and the last step takes all the traffic', () => {
  for (const { env, rollout } of rollouts()) {
    const steps: CanaryStep[] = rollout.spec.strategy.canary.steps;
    const paused = steps.flatMap((step, i) =>
      'pause' in step ? [[(steps[i - 1] as { setWeight: number }).setWeight, step.pause.duration]] : [],
    );
    expect(paused).toEqual(env.spec.canary.steps.map((c: Json) => [c.weight, `${c.pauseMinutes}m`]));
    expect(steps.at(-1)).toEqual({ setWeight: 100 });
    // Shares only rise.
    const weights = steps.flatMap((s) => ('setWeight' in s ? [s.setWeight] : []));
    expect([...weights].sort((a, b) => a - b)).toEqual(weights);
  }
});

/**
 * Replicas of one Rollout from the moment Argo Rollouts scales the canary for a step until the
 * stable gives its replicas back, for `replicas` desired (CalculateReplicaCountsForTrafficRoutedCanary
 * with dynamicStableScale: canary ceil(new share), stable ceil(old share) until traffic moved).
 */
function peakReplicas(steps: readonly CanaryStep[], replicas: number): { moving: number; holding: number } {
  const ceil = (weight: number) => Math.ceil((weight * replicas) / 100);
  let weight = 0;
  let moving = replicas;
  let holding = replicas;
  for (const step of steps) {
    if (!('setWeight' in step)) {
      holding = Math.max(holding, ceil(weight) + ceil(100 - weight));
      continue;
    }
    moving = Math.max(moving, ceil(step.setWeight) + ceil(100 - weight));
    weight = step.setWeight;
  }
  return { moving, holding };
}

test('no step needs more than one canary replica at a time; the capacity check reserves what the steps need', () => {
  for (const { env, rollout } of rollouts()) {
    const bounds = env.spec.models[rollout.metadata.name].replicas;
    const steps: CanaryStep[] = rollout.spec.strategy.canary.steps;
    const surge = canarySurge(steps, bounds);
    expect(surge).toBeLessThanOrEqual(2);
    for (let n = bounds.min; n <= bounds.max; n++) {
      const { moving, holding } = peakReplicas(steps, n);
      expect(moving, `${env.name} ${rollout.metadata.name} at ${n} replicas`).toBeLessThanOrEqual(n + surge);
      // While a share holds for its analysis, at most one replica above the desired count.
      expect(holding, `${env.name} ${rollout.metadata.name} at ${n} replicas`).toBeLessThanOrEqual(n + 1);
    }
  }
});

test('the steps of a checkpoint list, worked out by hand', () => {
  const canary: CanarySpec = {
    steps: [
      { weight: 5, pauseMinutes: 60 },
      { weight: 25, pauseMinutes: 60 },
      { weight: 50, pauseMinutes: 60 },
    ],
    analysisMinutes: 5,
    failureLimit: 1,
  };
  // 2 to 8 replicas: at 8, 25% is 2 canary replicas and 37% rounds up to 3, 38% would be 4.
  const weights = canarySteps(canary, { min: 2, max: 8 }).map((s) => ('setWeight' in s ? s.setWeight : `pause ${s.pause.duration}`));
  expect(weights).toEqual([5, 'pause 60m', 25, 'pause 60m', 37, 50, 'pause 60m', 62, 75, 87, 100]);
  expect(replicasDuringShift(8, 25, 37)).toBe(3 + 6);
  // One replica: every share is the whole replica, so each step starts it or has it.
  expect(canarySteps({ ...canary, steps: [{ weight: 10, pauseMinutes: 30 }] }, { min: 1, max: 1 })).toEqual([
    { setWeight: 10 },
    { pause: { duration: '30m' } },
    { setWeight: 100 },
  ]);
  expect(canarySurge(canarySteps(canary, { min: 2, max: 8 }), { min: 2, max: 8 })).toBe(2);
});

const engines = { prometheus: await engineForTests('prometheus'), promtool: await engineForTests('promtool') };
const skipReason = Object.values(engines).find((e) => e.skipReason !== '')?.skipReason ?? '';
const live = describe.skipIf(skipReason !== '');

/** The three canaries of the backfill, in each model namespace: healthy, slow (time to first token 3.111 s), and idle. */
const HASHES = { healthy: '6d8f7c9b5', slow: '7f9c4b2d1', idle: '5b7d9f1c3' } as const;
/** The analysis is read at the end of the canaries' second hour: its last 5 minutes are all theirs. */
const READ_AT = at(2);

/** Argo Rollouts' verdict on one measurement (utils/evaluate EvaluateResult), for the conditions the render writes. */
function verdict(metric: Json, result: number[]): 'Successful' | 'Failed' | 'Inconclusive' {
  const condition = (text: string) => {
    const match = /^result\[0\] (<=|>) ([0-9.]+)$/.exec(text);
    if (!match) throw new Error(`unexpected condition ${text}`);
    const value = result[0]!;
    return match[1] === '<=' ? value <= Number(match[2]) : value > Number(match[2]);
  };
  if (condition(metric.failureCondition)) return 'Failed';
  return condition(metric.successCondition) ? 'Successful' : 'Inconclusive';
}

live('the canary analysis on a real Prometheus', () => {
  let prometheus: RunningPrometheus;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'canary-analysis-'));
    const namespaces = [...new Set(rollouts().map(({ rollout }) => rollout.metadata.namespace as string))].sort();
    const pods = namespaces.flatMap((namespace) =>
      (['healthy', 'slow'] as const).map((kind) => ({
        namespace,
        pod: `canary-${kind}`,
        podLabels: { [POD_TARGET_LABELS.podTemplateHash.prometheus]: HASHES[kind], [POD_TARGET_LABELS.version.prometheus]: 'v2026.12.0' },
        modelName: namespace,
        from: at(0),
        to: at(3),
        regime: () => (kind === 'slow' ? SLOW : HEALTHY),
      })),
    );
    await backfill(engines.promtool.located!.binary, openMetrics(pods), path.join(dir, 'data'));
    prometheus = await startPrometheus(engines.prometheus.located!.binary, path.join(dir, 'data'));
  }, 300_000);
  afterAll(async () => {
    await prometheus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Each metric of a rendered AnalysisTemplate, run for `hash` as Argo Rollouts runs it: one instant query. */
  async function measure(env: RenderedEnvironment, rollout: Json, hash: string) {
    const name = rollout.spec.strategy.canary.analysis.templates[0].templateName;
    const template = byKind(env, 'AnalysisTemplate', rollout.metadata.namespace).find((t: Json) => t.metadata.name === name)!;
    expect(rollout.spec.strategy.canary.analysis.args).toEqual([{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }]);
    expect(template.spec.args).toEqual([{ name: 'canary-hash' }]);
    return Promise.all(
      template.spec.metrics.map(async (metric: Json) => {
        expect(metric.provider.prometheus.address).toBe('http://kube-prometheus-stack-prometheus.monitoring.svc:9090');
        const query = metric.provider.prometheus.query.replaceAll('{{args.canary-hash}}', hash);
        const series = await queryRange(
          { url: prometheus.url, timeoutMs: 30_000 },
          { query, start: READ_AT, end: READ_AT, stepSeconds: 60 },
        );
        const result = series.map((s) => s.points[0]!.value);
        expect(result, metric.name).toHaveLength(1);
        return { name: metric.name as string, value: result[0]!, verdict: verdict(metric, result) };
      }),
    );
  }

  test('a healthy canary passes every SLO with the hand-computed figures', async () => {
    for (const { env, rollout } of rollouts()) {
      const figures = await measure(env, rollout, HASHES.healthy);
      expect(figures.map((f) => f.verdict)).toEqual(['Successful', 'Successful', 'Successful']);
      expect(figures[0]!.value).toBeCloseTo(1.625, 3);
      expect(figures[1]!.value).toBeCloseTo(0.09286, 4);
      expect(figures[2]!.value).toBeCloseTo(0.5, 6);
    }
  });

  test('a canary whose first tokens are slow fails its time-to-first-token measurement', async () => {
    for (const { env, rollout } of rollouts()) {
      const figures = await measure(env, rollout, HASHES.slow);
      expect(figures[0]).toMatchObject({ name: 'time-to-first-token', verdict: 'Failed' });
      expect(figures[0]!.value).toBeCloseTo(3.111, 3);
      expect(figures.slice(1).map((f) => f.verdict)).toEqual(['Successful', 'Successful']);
    }
  });

  test('a canary that served nothing is inconclusive, never a pass', async () => {
    for (const { env, rollout } of rollouts()) {
      const figures = await measure(env, rollout, HASHES.idle);
      expect(figures.map((f) => [f.name, Number.isNaN(f.value), f.verdict])).toEqual([
        ['time-to-first-token', true, 'Inconclusive'],
        ['inter-token-latency', true, 'Inconclusive'],
        ['error-rate', true, 'Inconclusive'],
      ]);
    }
  });
});
