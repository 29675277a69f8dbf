import type { CanarySpec, ModelCanarySpec } from '../../platform/spec/canary-spec.js';
import { trackName } from '../router/tracks.js';

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

export type { ModelCanarySpec };
