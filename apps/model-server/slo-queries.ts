import type { ModelSlo } from '../models/model-spec.js';
import type { SloObjective } from '../../platform/monitoring/slo-windows.js';

export { POD_TARGET_LABELS } from '../../platform/monitoring/monitoring.js';

/*
 * The PromQL of a model's SLOs, one builder for every reader: the canary analysis (Argo Rollouts
 * AnalysisTemplates) and the promotion evidence (npm run promote) judge a version by the same
 * expressions, and the tests run each on a real Prometheus (test/slo-queries.test.ts).
 */

/**
 * vLLM v0.28.0's metric names (vllm/v1/metrics/loggers.py; every engine metric carries
 * model_name and engine). The inter-token histogram replaced vllm:time_per_output_token_seconds,
 * which v0.28 no longer exposes. vllm:kv_cache_usage_perc is a fraction, 0 to 1.
 */
export const VLLM_METRICS = {
  waiting: 'vllm:num_requests_waiting',
  kvCacheUsage: 'vllm:kv_cache_usage_perc',
  timeToFirstToken: 'vllm:time_to_first_token_seconds',
  interTokenLatency: 'vllm:inter_token_latency_seconds',
  /** Finished requests by finished_reason: stop, length, abort, error, repetition. */
  finished: 'vllm:request_success_total',
} as const;

export type SloName = 'time-to-first-token' | 'inter-token-latency' | 'error-rate';

export interface SloQuery extends SloObjective {
  readonly name: SloName;
}

/** `{namespace="llm-x",label="value",...}`, label values escaped as PromQL strings. */
export function selector(matchers: Record<string, string>): string {
  return `{${Object.entries(matchers)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

/**
 * The three SLOs of one model over the pods `matchers` selects (a namespace and a version, or a
 * Rollout's pod-template hash), each evaluated per window of `window`.
 */
export function sloQueries(slo: ModelSlo, matchers: Record<string, string>, window: string): SloQuery[] {
  const quantile = (metric: string) => `histogram_quantile(0.95, sum by (le) (rate(${metric}_bucket${selector(matchers)}[${window}])))`;
  const finished = (extra: Record<string, string>) =>
    `sum(rate(${VLLM_METRICS.finished}${selector({ ...matchers, ...extra })}[${window}]))`;
  return [
    {
      name: 'time-to-first-token',
      title: 'time to first token p95',
      target: slo.timeToFirstTokenP95Seconds,
      unit: 's',
      query: quantile(VLLM_METRICS.timeToFirstToken),
    },
    {
      name: 'inter-token-latency',
      title: 'inter-token latency p95',
      target: slo.interTokenLatencyP95Seconds,
      unit: 's',
      query: quantile(VLLM_METRICS.interTokenLatency),
    },
    {
      name: 'error-rate',
      title: 'error rate',
      target: slo.errorRatePercent,
      unit: '%',
      // A window without a single error has no "error" series change: 0, not no data. A window
      // without requests has no denominator: no data.
      query: `100 * (${finished({ finished_reason: 'error' })} or vector(0)) / ${finished({})}`,
    },
  ];
}

/** Requests the selected pods finished per window: what a judgement stands on. */
export function requestCountQuery(matchers: Record<string, string>, window: string): string {
  return `sum(increase(${VLLM_METRICS.finished}${selector(matchers)}[${window}]))`;
}
