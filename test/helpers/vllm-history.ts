import { VLLM_METRICS } from '../../apps/model-server/slo-queries.js';
import { ROUTER_QUEUE_METRIC } from '../../apps/model-server/autoscaling.js';
import { sample } from './prometheus.js';

/*
 * A synthetic history of vLLM's metrics, as Prometheus would have scraped it from a model's pods
 * (with the labels the ServiceMonitor adds), in OpenMetrics for promtool's backfill. Every pod
 * finishes the same requests each minute, split over the histogram buckets by fixed shares, so
 * every quantile and rate has a value one can work out by hand.
 */

/** Cumulative bucket counts per minute per pod: `[le, count]`, the last one +Inf. */
export type Buckets = ReadonlyArray<readonly [number | '+Inf', number]>;

/** One regime of traffic: what each pod does per minute while it lasts. */
export interface Regime {
  readonly requests: number;
  readonly errors: number;
  /** Time to first token, cumulative counts of `requests`. */
  readonly ttft: Buckets;
  /** Inter-token latency, cumulative counts of the tokens streamed (after the first). */
  readonly itl: Buckets;
}

export interface PodHistory {
  readonly namespace: string;
  readonly pod: string;
  /** Labels the ServiceMonitor copies from the pod, by their Prometheus names. */
  readonly podLabels: Record<string, string>;
  readonly modelName: string;
  readonly from: Date;
  readonly to: Date;
  /** The regime of each minute, by the minute's end. */
  readonly regime: (minuteEnd: Date) => Regime;
}

export interface GaugeHistory {
  readonly metric: string;
  readonly labels: Record<string, string>;
  readonly value: number;
  readonly from: Date;
  readonly to: Date;
}

const MINUTE = 60_000;

function minutes(from: Date, to: Date): Date[] {
  const times: Date[] = [];
  for (let t = from.getTime(); t <= to.getTime(); t += MINUTE) times.push(new Date(t));
  return times;
}

const seconds = (t: Date) => t.getTime() / 1000;
const le = (bound: number | '+Inf') => (bound === '+Inf' ? '+Inf' : String(bound));

/** OpenMetrics text of the pods' histories and the gauges, ending in "# EOF". */
export function openMetrics(pods: readonly PodHistory[], gauges: readonly GaugeHistory[] = []): string {
  const families: Array<{ name: string; type: string; lines: string[] }> = [
    { name: VLLM_METRICS.timeToFirstToken, type: 'histogram', lines: [] },
    { name: VLLM_METRICS.interTokenLatency, type: 'histogram', lines: [] },
    { name: VLLM_METRICS.finished.replace(/_total$/, ''), type: 'counter', lines: [] },
  ];
  for (const pod of pods) {
    const labels = { namespace: pod.namespace, pod: pod.pod, ...pod.podLabels, model_name: pod.modelName, engine: '0' };
    const totals = { ttft: new Map<string, number>(), itl: new Map<string, number>(), ok: 0, errors: 0, ttftSum: 0, itlSum: 0 };
    for (const t of minutes(pod.from, pod.to)) {
      if (t.getTime() > pod.from.getTime()) {
        const r = pod.regime(t);
        for (const [bound, count] of r.ttft) totals.ttft.set(le(bound), (totals.ttft.get(le(bound)) ?? 0) + count);
        for (const [bound, count] of r.itl) totals.itl.set(le(bound), (totals.itl.get(le(bound)) ?? 0) + count);
        totals.ok += r.requests - r.errors;
        totals.errors += r.errors;
        totals.ttftSum += r.requests;
        totals.itlSum += r.itl.at(-1)![1] * 0.05;
      }
      const at = seconds(t);
      const histogram = (family: (typeof families)[number], counts: Map<string, number>, sum: number, shape: Buckets) => {
        for (const [bound] of shape)
          family.lines.push(sample(`${family.name}_bucket`, { ...labels, le: le(bound) }, counts.get(le(bound)) ?? 0, at));
        family.lines.push(sample(`${family.name}_count`, labels, counts.get('+Inf') ?? 0, at));
        family.lines.push(sample(`${family.name}_sum`, labels, sum, at));
      };
      const shape = pod.regime(t);
      histogram(families[0]!, totals.ttft, totals.ttftSum, shape.ttft);
      histogram(families[1]!, totals.itl, totals.itlSum, shape.itl);
      families[2]!.lines.push(sample(VLLM_METRICS.finished, { ...labels, finished_reason: 'stop' }, totals.ok, at));
      families[2]!.lines.push(sample(VLLM_METRICS.finished, { ...labels, finished_reason: 'error' }, totals.errors, at));
    }
  }
  const gaugeFamilies = new Map<string, string[]>();
  for (const g of gauges) {
    const lines = gaugeFamilies.get(g.metric) ?? [];
    for (const t of minutes(g.from, g.to)) lines.push(sample(g.metric, g.labels, g.value, seconds(t)));
    gaugeFamilies.set(g.metric, lines);
  }
  const text = [
    ...families.flatMap((f) => (f.lines.length ? [`# TYPE ${f.name} ${f.type}`, ...f.lines] : [])),
    ...[...gaugeFamilies].flatMap(([name, lines]) => [`# TYPE ${name} gauge`, ...lines]),
    '# EOF',
  ];
  return `${text.join('\n')}\n`;
}

export const GAUGES = { waiting: VLLM_METRICS.waiting, kvCache: VLLM_METRICS.kvCacheUsage, routerQueue: ROUTER_QUEUE_METRIC } as const;

/*
 * Per pod and minute: 200 requests, 1 an error (0.5%). Time to first token, healthy: 30% within
 * 0.25 s, 60% 0.5 s, 90% 1 s, 98% 2 s, all by 4 s: p95 = 1 + (0.95 - 0.9) / (0.98 - 0.9) * 1
 * = 1.625 s. Slow (the regression): 10% 0.25 s, 30% 0.5 s, 60% 1 s, 90% 2 s, 99% 4 s, all by 8 s:
 * p95 = 2 + (0.95 - 0.9) / (0.99 - 0.9) * 2 = 3.111 s. Inter-token latency (50 tokens a request):
 * 20% within 25 ms, 70% 50 ms, 90% 75 ms, 97% 100 ms, all by 150 ms: p95 = 0.075 + (0.05 / 0.07)
 * * 0.025 = 92.86 ms.
 */
const itl = [
  [0.025, 2000],
  [0.05, 7000],
  [0.075, 9000],
  [0.1, 9700],
  [0.15, 10000],
  ['+Inf', 10000],
] as const;
export const HEALTHY: Regime = {
  requests: 200,
  errors: 1,
  ttft: [
    [0.25, 60],
    [0.5, 120],
    [1, 180],
    [2, 196],
    [4, 200],
    [8, 200],
    ['+Inf', 200],
  ],
  itl,
};
export const SLOW: Regime = {
  ...HEALTHY,
  ttft: [
    [0.25, 20],
    [0.5, 60],
    [1, 120],
    [2, 180],
    [4, 198],
    [8, 200],
    ['+Inf', 200],
  ],
};
