import type { CanarySpec } from '../../platform/spec/canary-spec.js';
import { MAX_SURGE_REPLICAS } from './time-budgets.js';
import { GATEWAY_API_PLUGIN } from '../../platform/argo-rollouts/argo-rollouts.js';
import { PROMETHEUS_URL } from '../../platform/monitoring/monitoring.js';
import { canaryRouteName, TRACK_LABEL, trackName } from '../router/tracks.js';
import type { ModelSlo } from '../models/model-spec.js';
import { sloQueries } from './slo-queries.js';
import { hasStagedCanary, STAGED_CANARY_GROUPS } from './staged-canary.js';

/*
 * A model version's canary (Argo Rollouts v1.10, github.com/argoproj/argo-rollouts): the new
 * version's pods form their own InferencePool behind the model's Gateway, the HTTPRoute's
 * weights (written by the Gateway API traffic-router plugin) give it a share of the requests,
 * and a background analysis measures its SLOs with the same PromQL as the promotion evidence.
 * A missed SLO aborts the rollout: traffic goes back to the stable pool and the canary's pods go.
 */

export const ROLLOUT_API_VERSION = 'argoproj.io/v1alpha1';
export const ROLLOUT_KIND = 'Rollout';

/** The analysis argument that carries the new version's pod-template hash. */
export const CANARY_HASH_ARG = 'canary-hash';

/** The Prometheus label the vLLM ServiceMonitor copies Argo Rollouts' pod-template hash into. */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts_pod_template_hash';

/** A model whose upgrades are canaries here: single-node, never at zero, in an environment with `canary`. */
export function hasCanary(canary: CanarySpec | undefined, gpuNodes: number, minReplicas: number): canary is CanarySpec {
  return canary !== undefined && gpuNodes === 1 && minReplicas >= 1;
}

/** One Argo Rollouts canary step. */
export type CanaryStep = { setWeight: number } | { pause: { duration: string } };

/** The canary's replicas at a traffic share (Argo Rollouts rounds up: trafficWeightToReplicas). */
const share = (replicas: number, weight: number) => Math.ceil((weight * replicas) / 100);

/**
 * Replicas Argo Rollouts runs while the HTTPRoute moves from `from` to `to` percent with
 * dynamicStableScale (utils/replicaset/canary.go, CalculateReplicaCountsForTrafficRoutedCanary,
 * v1.10): the canary is scaled to the new share first, and the stable keeps the old share until
 * the traffic has moved; each rounded up.
 */
export function replicasDuringShift(replicas: number, from: number, to: number): number {
  return share(replicas, to) + share(replicas, 100 - from);
}

const counts = (replicas: { readonly min: number; readonly max: number }) =>
  Array.from({ length: replicas.max - Math.max(replicas.min, 1) + 1 }, (_, i) => Math.max(replicas.min, 1) + i);

/**
 * The largest share above `from` (at most `to`) at which the canary has at most one replica more
 * than at `from`, for every replica count from `min` to `max`: each step starts one replica.
 */
function nextShare(from: number, to: number, replicas: { readonly min: number; readonly max: number }): number {
  for (let weight = to; weight > from + 1; weight--)
    if (counts(replicas).every((n) => share(n, weight) <= share(n, from) + 1)) return weight;
  return from + 1;
}

/**
 * The Rollout's steps: each checkpoint's share, reached through intermediate shares so that no
 * step starts more than one canary replica, and held for its pause; then the rest of the traffic
 * the same way, to 100%. Each share of traffic is served by the same share of replicas (rounded
 * up), and the stable track shrinks as the canary grows: the canary never needs more than
 * canarySurge() replicas of GPUs beyond the desired count, not a second copy of the model.
 */
export function canarySteps(canary: CanarySpec, replicas: { readonly min: number; readonly max: number }): CanaryStep[] {
  const steps: CanaryStep[] = [];
  let weight = 0;
  const climb = (to: number) => {
    while (weight < to) {
      weight = nextShare(weight, to, replicas);
      steps.push({ setWeight: weight });
    }
  };
  for (const checkpoint of canary.steps) {
    climb(checkpoint.weight);
    steps.push({ pause: { duration: `${checkpoint.pauseMinutes}m` } });
  }
  climb(100);
  return steps;
}

/**
 * The most replicas beyond the desired count that the steps run at once, over every count from
 * `min` to `max`: what the GPU capacity check reserves for a canary. One while a share holds
 * (rounding up both tracks); two for the moments a step has started its canary replica and the
 * stable has not yet given one back.
 */
export function canarySurge(steps: readonly CanaryStep[], replicas: { readonly min: number; readonly max: number }): number {
  let surge = 0;
  let from = 0;
  for (const step of steps) {
    if (!('setWeight' in step)) continue;
    for (const n of counts(replicas)) surge = Math.max(surge, replicasDuringShift(n, from, step.setWeight) - n);
    from = step.setWeight;
  }
  return surge;
}

/** The AnalysisTemplate's name for a model. */
export const analysisTemplateName = (model: string): string => `${model}-slo`;

/**
 * The AnalysisTemplate of a model: each SLO measured on the canary's pods (its pod-template
 * hash) every `analysisMinutes`, over a window of as long. A window without requests gives NaN,
 * which is neither a success nor a failure: inconclusive, and after `failureLimit + 1` of them the
 * rollout pauses for a person (a canary no one used is not evidence). A miss counts towards the
 * failure limit; past it the rollout aborts.
 */
export function analysisTemplate(options: {
  readonly model: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly slo: ModelSlo;
  readonly canary: CanarySpec;
}): Record<string, unknown> {
  const window = `${options.canary.analysisMinutes}m`;
  const queries = sloQueries(
    options.slo,
    { namespace: options.namespace, [POD_TEMPLATE_HASH_LABEL]: `{{args.${CANARY_HASH_ARG}}}` },
    window,
  );
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: analysisTemplateName(options.model), namespace: options.namespace, labels: options.labels },
    spec: {
      args: [{ name: CANARY_HASH_ARG }],
      metrics: queries.map((query) => {
        // vLLM reports seconds and the error rate in percent, the units of the targets.
        const target = String(query.target);
        return {
          name: query.name,
          interval: window,
          // The first window must be full of the canary's own requests.
          initialDelay: window,
          failureLimit: options.canary.failureLimit,
          inconclusiveLimit: options.canary.failureLimit,
          // Prometheus unreachable: a few errors are retried, then the analysis errs and the rollout aborts.
          consecutiveErrorLimit: 4,
          successCondition: `result[0] <= ${target}`,
          failureCondition: `result[0] > ${target}`,
          provider: { prometheus: { address: PROMETHEUS_URL, timeout: 30, query: `(${query.query}) or on() vector(NaN)` } },
        };
      }),
    },
  };
}

/**
 * The Rollout's canary strategy: the two tracks' Services (Argo Rollouts adds the pod-template
 * hash to their selectors), the track label on each pod (which InferencePool selects it),
 * weights written to the model's HTTPRoute by the Gateway API plugin, the stable track scaled
 * down as the canary takes traffic (dynamicStableScale: one replica of surge, not a copy of the
 * whole model), and the SLO analysis from the first share on.
 */
export function canaryStrategy(options: {
  readonly model: string;
  readonly namespace: string;
  readonly canary: CanarySpec;
  readonly replicas: { readonly min: number; readonly max: number };
}): Record<string, unknown> {
  const { model } = options;
  return {
    canary: {
      canaryService: trackName(model, 'canary'),
      stableService: trackName(model, 'stable'),
      canaryMetadata: { labels: { [TRACK_LABEL]: 'canary' } },
      stableMetadata: { labels: { [TRACK_LABEL]: 'stable' } },
      dynamicStableScale: true,
      trafficRouting: {
        plugins: { [GATEWAY_API_PLUGIN]: { httpRoute: canaryRouteName(model), namespace: options.namespace } },
      },
      analysis: {
        templates: [{ templateName: analysisTemplateName(model) }],
        args: [{ name: CANARY_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } }],
      },
      steps: canarySteps(options.canary, options.replicas),
    },
  };
}

/**
 * Replicas an upgrade of a model runs beyond the desired count at most: its canary's surge; a
 * staged canary's group, plus the stable set's surge group when the canary passes and the stable
 * set rolls while Argo CD has not yet pruned the canary group (PruneLast: after the roll is
 * healthy, which without room for both would never come); or the rolling update's one.
 */
export function upgradeSurgeReplicas(
  canary: CanarySpec | undefined,
  gpuNodes: number,
  replicas: { readonly min: number; readonly max: number },
): number {
  if (hasCanary(canary, gpuNodes, replicas.min)) return canarySurge(canarySteps(canary, replicas), replicas);
  if (hasStagedCanary(canary, gpuNodes, replicas.min)) return STAGED_CANARY_GROUPS + MAX_SURGE_REPLICAS;
  return MAX_SURGE_REPLICAS;
}
