import type { CanarySpec, ModelCanarySpec } from '../../platform/spec/canary-spec.js';
import { POD_TARGET_LABELS } from '../../platform/monitoring/monitoring.js';
import type { GuardRelease } from '../canary-guard/config.js';
import type { ModelSlo } from '../models/model-spec.js';
import { trackName } from '../router/tracks.js';
import { requestCountQuery, sloQueries } from './slo-queries.js';

/*
 * The canary of a multi-node model (a LeaderWorkerSet, which Argo Rollouts cannot run): while
 * cluster.yaml's models.<model>.canary is set, a second LeaderWorkerSet of one group runs the
 * new version beside the stable one, each behind its own InferencePool of the model's Gateway,
 * and the HTTPRoute gives the canary `weight` percent of the requests. npm run promote moves it:
 * from one checkpoint to the next once the pause has held and the canary met its SLOs there, to
 * the stable version after the last, and back (the canary removed) when an SLO was missed; each
 * move is a pull request (scripts/lib/promote/staged-canary.ts, docs/upgrades.md).
 */

/** Groups the canary runs: one replica of spare GPUs, whatever the share. */
export const STAGED_CANARY_GROUPS = 1;

/** A model whose canaries are staged by promotion PRs: multi-node, never at zero, in an environment with `canary`. */
export function hasStagedCanary(canary: CanarySpec | undefined, gpuNodes: number, minReplicas: number): canary is CanarySpec {
  return canary !== undefined && gpuNodes > 1 && minReplicas >= 1;
}

/** The canary's LeaderWorkerSet (and its pods' group label). */
export const stagedCanaryName = (model: string): string => trackName(model, 'canary');

/** The checkpoint after the one at `weight`, or undefined after the last (the canary then replaces the stable version). */
export function nextCheckpoint(canary: CanarySpec, weight: number): CanarySpec['steps'][number] | undefined {
  const at = canary.steps.findIndex((step) => step.weight === weight);
  return at === -1 ? undefined : canary.steps[at + 1];
}

/** The checkpoint holding at `weight` (cluster.yaml checks that there is one). */
export function checkpointAt(canary: CanarySpec, weight: number): CanarySpec['steps'][number] | undefined {
  return canary.steps.find((step) => step.weight === weight);
}

/** The pods of a canary in Prometheus: the model's namespace, the canary's version, the canary track. */
export const canaryMatchers = (model: string, version: string): Record<string, string> => ({
  namespace: `llm-${model}`,
  [POD_TARGET_LABELS.version.prometheus]: version,
  [POD_TARGET_LABELS.track.prometheus]: 'canary',
});

/** What the canary guard judges a canary by: the pauses' windows and failure limit, and the model's SLOs on the canary's pods. */
export function guardRelease(model: string, slo: ModelSlo, canary: CanarySpec, release: ModelCanarySpec): GuardRelease {
  const windowSeconds = canary.analysisMinutes * 60;
  const matchers = canaryMatchers(model, release.version);
  return {
    version: release.version,
    weight: release.weight,
    workload: stagedCanaryName(model),
    failureLimit: canary.failureLimit,
    windowSeconds,
    slos: sloQueries(slo, matchers, `${windowSeconds}s`).map(({ title, target, unit, query }) => ({ title, target, unit, query })),
    requestsQuery: requestCountQuery(matchers, `${windowSeconds}s`),
  };
}

export type { ModelCanarySpec };
