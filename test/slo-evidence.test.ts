import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { POD_TARGET_LABELS, sloQueries } from '../apps/model-server/slo-queries.js';
import { DEFAULT_SLO, type ModelSlo } from '../apps/models/model-spec.js';
import { queryRange } from '../scripts/lib/promote/prometheus-api.js';
import { evidenceProblems, gatherEvidence } from '../scripts/lib/promote/slo-evidence.js';
import { freePort } from './helpers/endpoint-picker.js';
import { engineForTests } from './helpers/engines.js';
import { backfill, startPrometheus, type RunningPrometheus } from './helpers/prometheus.js';
import { renderSampleFleet, type Json } from './helpers/rendered-fleet.js';
import { GAUGES, HEALTHY, openMetrics, SLOW, type Regime } from './helpers/vllm-history.js';
import { at, promotionSetup, SMALL, T0 } from './helpers/promotion-repo.js';

/*
 * Every PromQL expression the project renders or runs, on a real Prometheus (npm run tools builds
 * it and promtool) over a backfilled history whose values are worked out by hand: the KEDA
 * triggers of the sample fleet, and the SLO queries the promotion evidence reads; then npm run
 * promote end to end against that Prometheus, real git and the GitHub stand-in.
 */

const engines = { prometheus: await engineForTests('prometheus'), promtool: await engineForTests('promtool') };
const skipReason = Object.values(engines).find((e) => e.skipReason !== '')?.skipReason ?? '';
const live = describe.skipIf(skipReason !== '');

/** Staging runs the small model at this version since T0 (the sample fleet, test/helpers/promotion-repo.ts). */
const VERSION = 'v2026.11.1';
const NAMESPACE = `llm-${SMALL}`;
const VERSION_LABEL = POD_TARGET_LABELS.version.prometheus;

/** The old version's pod, still draining in the window's first hours: far outside every SLO. */
const DRAINING: Regime = {
  requests: 200,
  errors: 100,
  ttft: [
    [0.25, 0],
    [0.5, 0],
    [1, 0],
    [2, 0],
    [4, 0],
    [8, 200],
    ['+Inf', 200],
  ],
  itl: [
    [0.025, 0],
    [0.05, 0],
    [0.075, 0],
    [0.1, 0],
    [0.15, 0],
    ['+Inf', 10000],
  ],
};

/** Healthy until T0 + 74 h, slow from then to T0 + 77 h (three whole hours), healthy after. */
const REGRESSION = { from: at(74), to: at(77) };
const regime = (t: Date) => (t > REGRESSION.from && t <= REGRESSION.to ? SLOW : HEALTHY);

/** Gauge values per pod: waiting requests 3 and 5 (sum 8), KV cache 0.5 and 0.7 (average 0.6); the router holds 2. */
const GAUGE_AT = at(73);

let prometheus: RunningPrometheus;
let dir: string;
let rendered: Awaited<ReturnType<typeof renderSampleFleet>>;

/** Every model namespace of the sample fleet, with the labels its Prometheus series carry. */
const podLabels = (version: string) => ({ [VERSION_LABEL]: version, [POD_TARGET_LABELS.podTemplateHash.prometheus]: 'unused' });

beforeAll(async () => {
  rendered = await renderSampleFleet();
  if (skipReason) return;
  dir = await mkdtemp(path.join(tmpdir(), 'slo-queries-'));
  const namespaces = [...new Set(rendered.envs.flatMap((e) => Object.keys(e.spec.models)))].map((m) => `llm-${m}`).sort();
  const window = { from: at(-2), to: at(78) };
  const text = openMetrics(
    [
      ...['a', 'b'].map((p) => ({
        namespace: NAMESPACE,
        pod: `${SMALL}-7d9f8-${p}`,
        podLabels: podLabels(VERSION),
        modelName: 'meta-llama/Llama-3.1-8B-Instruct',
        ...window,
        regime,
      })),
      {
        namespace: NAMESPACE,
        pod: `${SMALL}-5c4b2-old`,
        podLabels: podLabels('v2026.10.3'),
        modelName: 'meta-llama/Llama-3.1-8B-Instruct',
        from: at(-2),
        to: at(6),
        regime: () => DRAINING,
      },
    ],
    namespaces.flatMap((namespace) => {
      // Ten minutes of each gauge up to GAUGE_AT, one series per pod value.
      const gauge = (metric: string, values: number[], pod = (i: number) => `p${i}`) =>
        values.map((value, i) => ({
          metric,
          labels: { namespace, pod: pod(i) },
          value,
          from: new Date(GAUGE_AT.getTime() - 600_000),
          to: GAUGE_AT,
        }));
      return [...gauge(GAUGES.waiting, [3, 5]), ...gauge(GAUGES.kvCache, [0.5, 0.7]), ...gauge(GAUGES.routerQueue, [2], () => 'router')];
    }),
  );
  await backfill(engines.promtool.located!.binary, text, path.join(dir, 'data'));
  prometheus = await startPrometheus(engines.prometheus.located!.binary, path.join(dir, 'data'));
}, 300_000);

afterAll(async () => {
  await prometheus?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const endpoint = () => ({ url: prometheus.url, timeoutMs: 30_000 });
const slo: ModelSlo = { queueDelaySeconds: 2, ...DEFAULT_SLO };

/** The evidence gatherEvidence reads for `version` over hours `from` to `to` after T0, in hour windows. */
const soak = (version: string, from: number, to: number) =>
  gatherEvidence({
    endpoint: endpoint(),
    slo,
    matchers: { namespace: NAMESPACE, [VERSION_LABEL]: version },
    start: at(from),
    end: at(to),
    windowMinutes: 60,
  });

/** The value of an instant query at `time`: one series, its one value. */
async function instant(query: string, time: Date): Promise<{ series: number; value: number }> {
  const result = await queryRange(endpoint(), { query, start: time, end: time, stepSeconds: 60 });
  return { series: result.length, value: result[0]?.points[0]?.value ?? Number.NaN };
}

test('the model servers are scraped with the pod labels the queries select on', () => {
  for (const env of rendered.envs) {
    const monitor = env.objects.find((o: Json) => o.kind === 'ServiceMonitor' && o.metadata.name === 'vllm')!;
    expect(monitor.spec.podTargetLabels).toEqual(Object.values(POD_TARGET_LABELS).map((l) => l.pod));
    // Prometheus names a copied label by replacing each character outside [a-zA-Z0-9_] with "_".
    for (const label of Object.values(POD_TARGET_LABELS)) expect(label.pod.replace(/[^a-zA-Z0-9_]/g, '_')).toBe(label.prometheus);
    const servers = env.objects.filter(
      (o: Json) => ['Deployment', 'LeaderWorkerSet'].includes(o.kind) && o.metadata.labels['app.kubernetes.io/name'] === 'vllm',
    );
    for (const server of servers) {
      const template = server.kind === 'Deployment' ? server.spec.template : server.spec.leaderWorkerTemplate.leaderTemplate;
      expect(template.metadata.labels[POD_TARGET_LABELS.version.pod], server.metadata.name).toBe(
        env.spec.models[server.metadata.name].version,
      );
    }
  }
});

test('each Prometheus keeps the longest soak a promotion reads from it, plus a day', () => {
  const soaks: Record<string, number> = {};
  for (const env of rendered.envs) {
    const from = env.spec.promotion?.from as string | undefined;
    if (from) soaks[from] = Math.max(soaks[from] ?? 0, env.spec.promotion.soakHours);
  }
  expect(soaks).toEqual({ dev: 24, staging: 72 });
  for (const env of rendered.envs) {
    const app = env.objects.find((o: Json) => o.kind === 'Application' && o.metadata.name === 'kube-prometheus-stack')!;
    const retention = String(app.spec.source.helm.valuesObject.prometheus.prometheusSpec.retention);
    const days = Number(/^(\d+)d$/.exec(retention)![1]);
    expect(days * 24, env.name).toBeGreaterThanOrEqual((soaks[env.name] ?? 0) + 24);
    expect(days, env.name).toBeGreaterThanOrEqual(2);
  }
});

live('on a real Prometheus', { timeout: 120_000 }, () => {
  test("every KEDA trigger's query of every environment parses and gives the hand-computed value", async () => {
    const expected: Record<string, number> = { 'request-queue': 8, 'kv-cache': 0.6, 'router-queue': 2 };
    let checked = 0;
    for (const env of rendered.envs) {
      for (const scaled of env.objects.filter((o: Json) => o.kind === 'ScaledObject')) {
        for (const trigger of (scaled.spec.triggers as Json[]).filter((t) => t.type === 'prometheus')) {
          const where = `${env.name} ${scaled.metadata.name} ${trigger.name}`;
          expect(Object.keys(expected), where).toContain(trigger.name);
          const { series, value } = await instant(trigger.metadata.query, GAUGE_AT);
          expect(series, where).toBe(1);
          expect(value, where).toBeCloseTo(expected[trigger.name]!, 9);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(rendered.envs.length * 2);
  });

  test('each SLO query gives its hand-computed value per window, for the version judged only', async () => {
    const matchers = { namespace: NAMESPACE, [VERSION_LABEL]: VERSION };
    const [ttft, itlQuery, errors] = sloQueries(slo, matchers, '1h');
    const healthy = at(3); // the old version's pod is still draining in this hour
    expect((await instant(ttft!.query, healthy)).value).toBeCloseTo(1.625, 9);
    expect((await instant(itlQuery!.query, healthy)).value).toBeCloseTo(0.075 + (0.05 / 0.07) * 0.025, 9);
    expect((await instant(errors!.query, healthy)).value).toBeCloseTo(0.5, 9);
    expect((await instant(ttft!.query, at(76))).value).toBeCloseTo(2 + (0.05 / 0.09) * 2, 9);
    // The old version, alone: the label keeps it out of the figures above.
    const old = sloQueries(slo, { namespace: NAMESPACE, [VERSION_LABEL]: 'v2026.10.3' }, '1h');
    expect((await instant(old[0]!.query, healthy)).value).toBeGreaterThan(4);
    expect((await instant(old[2]!.query, healthy)).value).toBeCloseTo(50, 9);
  });

  test('a healthy soak meets every SLO in every window', async () => {
    const evidence = await soak(VERSION, 49, 73);
    expect(evidence.requests).toBe(2 * 200 * 60 * 24);
    expect(evidence.figures.map((f) => [f.slo.name, f.windows, f.missed, +f.worst!.value.toFixed(6)])).toEqual([
      ['time-to-first-token', 24, 0, 1.625],
      ['inter-token-latency', 24, 0, 0.092857],
      ['error-rate', 24, 0, 0.5],
    ]);
    expect(evidenceProblems(evidence, `${VERSION} in staging`)).toEqual([]);
  });

  test('a latency regression in the soak is refused, saying which SLO, by how much and when', async () => {
    const evidence = await soak(VERSION, 53, 77);
    expect(evidenceProblems(evidence, `${VERSION} in staging`)).toEqual([
      `time to first token p95 was 3.111 s in the 60-minute window to ${at(75).toISOString()}, 1.111 s (55.6%) over its 2 s target; 3 of 24 windows missed it`,
    ]);
  });

  test('a soak without traffic is refused: there is nothing to judge', async () => {
    const evidence = await soak('v2026.11.2', 49, 73);
    expect(evidence.requests).toBe(0);
    expect(evidenceProblems(evidence, 'v2026.11.2 in staging')).toEqual([
      `v2026.11.2 in staging finished no requests from ${at(49).toISOString()} to ${at(73).toISOString()}: a soak without traffic proves nothing`,
    ]);
  });

  test('a query Prometheus refuses is a located input error, not a retry', async () => {
    await expect(queryRange(endpoint(), { query: 'sum(rate(', start: T0, end: at(1), stepSeconds: 60 })).rejects.toMatchObject({
      kind: 'input',
      message: expect.stringContaining('refused the query sum(rate('),
    });
  });

  test('a URL that does not lead to the query API (a wrong path prefix) is an input error that names the setting', async () => {
    await expect(
      queryRange({ url: `${prometheus.url}/no-such-prefix`, timeoutMs: 30_000 }, { query: 'up', start: T0, end: at(1), stepSeconds: 60 }),
    ).rejects.toMatchObject({
      kind: 'input',
      message: expect.stringContaining('answered HTTP 404 with something other than a range query result (check monitoring.queryUrl)'),
    });
  });

  describe.concurrent('npm run promote with the evidence', { timeout: 240_000 }, () => {
    test('a soak that met its SLOs opens the PR, with the figures beside the soak time and a link to each query', async ({
      onTestFinished,
    }) => {
      const { github, promote } = await promotionSetup(onTestFinished, {}, { queryUrl: prometheus.url });
      const result = await promote('--to', 'prod', '--model', SMALL, '--now', at(73).toISOString());
      expect(result.code, result.stderr).toBe(0);
      expect(github.pulls).toHaveLength(1);
      const body = github.pulls[0]!.body;
      expect(body).toContain('### SLOs of v2026.11.1 in staging');
      expect(body).toContain(
        `v2026.11.1 finished ${2 * 200 * 60 * 72} requests in staging from ${at(1).toISOString()} to ${at(73).toISOString()}, judged in 60-minute windows`,
      );
      expect(body).toMatch(
        /\| time to first token p95 \| 2 s \| 1\.625 s \(window to [^)]+\) \| met \| \[query\]\(http:\/\/127\.0\.0\.1:\d+\/query\?g0\.expr=histogram_quantile/,
      );
      expect(body).toMatch(/\| inter-token latency p95 \| 100 ms \| 92\.86 ms .* \| met \|/);
      expect(body).toMatch(/\| error rate \| 1% \| 0\.5% .* \| met \|/);
    });

    test('a soak with a latency regression is refused: exit 1, which SLO, by how much and when, and no PR', async ({ onTestFinished }) => {
      const { github, promote } = await promotionSetup(onTestFinished, {}, { queryUrl: prometheus.url });
      const result = await promote('--to', 'prod', '--model', SMALL, '--now', at(77).toISOString());
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).toContain(
        `prod: ${SMALL}: not promoting v2026.11.1: it missed its SLOs in staging over the last 72h soak, no PR:`,
      );
      expect(result.stdout).toContain(
        `  - time to first token p95 was 3.111 s in the 60-minute window to ${at(75).toISOString()}, 1.111 s (55.6%) over its 2 s target; 3 of 72 windows missed it`,
      );
      expect(github.pulls).toHaveLength(0);
      expect(github.writes()).toEqual([]);
    });

    test('a version promoted from history (--version) is judged on its last soak before it was replaced', async ({ onTestFinished }) => {
      const { repo, github, promote } = await promotionSetup(onTestFinished, {}, { queryUrl: prometheus.url });
      // Staging moved on at T0 + 77 h, just after the regression: the 72 h before that hold it.
      await repo.commitEdit(
        'clusters/staging/cluster.yaml',
        `  ${SMALL}:\n    version: ${VERSION}`,
        `  ${SMALL}:\n    version: v2026.11.2`,
        at(77),
        'bump',
      );
      const result = await promote('--to', 'prod', '--model', SMALL, '--version', VERSION, '--now', at(100).toISOString());
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).toContain(
        `prod: ${SMALL}: not promoting ${VERSION}: it missed its SLOs in staging over its last 72h there, to ${at(77).toISOString()}, no PR:`,
      );
      expect(github.pulls).toHaveLength(0);
    });

    test('a Prometheus that does not answer stops the promotion (exit 1, rerun later); nothing is pushed', async ({ onTestFinished }) => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const { repo, github, promote } = await promotionSetup(onTestFinished, {}, { queryUrl: closed });
      const result = await promote('--to', 'prod', '--model', SMALL, '--now', at(73).toISOString());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `reading the SLO evidence in staging: Prometheus at ${closed} did not answer (ECONNREFUSED); tried 3 times, rerun later`,
      );
      expect(github.pulls).toHaveLength(0);
      expect(await repo.originGit(['for-each-ref', '--format=%(refname)'])).toBe('refs/heads/main');
    });

    test('--rollback opens the PR that restores the previous version, with the SLO figures of the current one', async ({
      onTestFinished,
    }) => {
      const { repo, github, promote } = await promotionSetup(onTestFinished, {}, { queryUrl: prometheus.url });
      const first = await promote('--to', 'prod', '--model', SMALL, '--rollback', '--now', at(77).toISOString());
      expect([first.code, first.stderr]).toEqual([
        2,
        expect.stringContaining('v2026.10.3 is the first version prod ran on main; there is no earlier version'),
      ]);
      // The promotion merged at T0 + 60 h; the regression comes at 74 h.
      await repo.commitEdit(
        'clusters/prod/cluster.yaml',
        `  ${SMALL}:\n    version: v2026.10.3`,
        `  ${SMALL}:\n    version: ${VERSION}`,
        at(60),
        'promote (merged)',
      );
      // The history ends at T0 + 78 h: the last two hours' windows have no requests, and say so.
      const result = await promote('--to', 'prod', '--model', SMALL, '--rollback', '--now', at(80).toISOString());
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`prod: ${SMALL} ${VERSION} -> v2026.10.3 (rollback; ${VERSION} since ${at(60).toISOString()})`);
      expect(github.pulls).toHaveLength(1);
      const pull = github.pulls[0]!;
      expect(pull.title).toBe(`roll back ${SMALL} ${VERSION} -> v2026.10.3 in prod`);
      expect(pull.head.ref).toBe(`rollback/prod/${SMALL}`);
      expect(pull.labels.map((l) => l.name)).toEqual(['promotion', 'env:prod', 'rollback']);
      expect(pull.body).toContain(`## Roll back \`${SMALL}\` in **prod**`);
      expect(pull.body).toContain(`This PR restores \`v2026.10.3\`, which it ran from ${T0.toISOString()} to ${at(60).toISOString()}`);
      expect(pull.body).toContain(`### SLOs of ${VERSION} in prod`);
      expect(pull.body).toMatch(
        /\| time to first token p95 \| 2 s \| 3\.111 s \(window to [^)]+\) \| \*\*missed in 3 of 18\*\* \(2 of 20 windows without requests\) \|/,
      );
      await repo.git(['fetch', '--quiet', 'origin']);
      expect(await repo.git(['show', `origin/rollback/prod/${SMALL}:clusters/prod/cluster.yaml`])).toContain(
        `  ${SMALL}:\n    version: v2026.10.3`,
      );
    });
  });
});
