import type { ModelSpec } from '../models/model-spec.js';

/**
 * How long a model server may take to start and to stop, derived from the model's size.
 *
 * Starting has two phases. The init container copies the version's weights from S3 into the
 * shared cache (skipped when another replica already did), then vLLM loads them onto the GPUs,
 * captures CUDA graphs and warms up: minutes for 8B, tens of minutes for 70B. A probe budget
 * sized for a web app would kill the server in a restart loop before it ever serves.
 */

/** Probe period while waiting for /health during start-up. */
export const STARTUP_PERIOD_SECONDS = 10;

/** Engine start-up (weights from cache onto GPUs, graph capture): 5 minutes plus 15 s per billion parameters. */
export function startupBudgetSeconds(model: Pick<ModelSpec, 'parametersBillions'>): number {
  const seconds = 300 + 15 * model.parametersBillions;
  return Math.ceil(seconds / STARTUP_PERIOD_SECONDS) * STARTUP_PERIOD_SECONDS;
}

/**
 * Copying a version into an empty cache: bf16 weights are ~2 GB per billion parameters, and we
 * budget a conservative 100 MB/s from S3 to EFS for one copier.
 */
export function cacheFillBudgetSeconds(model: Pick<ModelSpec, 'parametersBillions'>): number {
  return Math.ceil((2 * model.parametersBillions * 1000) / 100);
}

/**
 * The Deployment's progress deadline: a rollout that has not produced a ready pod by then is
 * reported as failed (and shown Degraded by Argo CD), so it must outlast a cold start.
 */
export function progressDeadlineSeconds(model: Pick<ModelSpec, 'parametersBillions'>): number {
  return cacheFillBudgetSeconds(model) + startupBudgetSeconds(model) + 600;
}

/** Default for `drainSeconds`: how long in-flight (streamed) responses may run after a stop. */
export const DEFAULT_DRAIN_SECONDS = 120;

/**
 * Stopping: the pod leaves the Service endpoints, then preStop sleeps for the drain time while
 * in-flight streams finish (whatever the server does on SIGTERM), then the server gets SIGTERM. The
 * grace period must exceed the sleep, or the kubelet kills streams mid-response.
 */
export function stopTimings(model: Pick<ModelSpec, 'drainSeconds'>): {
  preStopSleepSeconds: number;
  terminationGracePeriodSeconds: number;
} {
  const drain = model.drainSeconds ?? DEFAULT_DRAIN_SECONDS;
  return { preStopSleepSeconds: drain, terminationGracePeriodSeconds: drain + 30 };
}

/**
 * Replicas a model server's rolling update adds before it removes one (maxSurge; maxUnavailable
 * is 0). The config check counts their GPUs against each pool's limit.
 */
export const MAX_SURGE_REPLICAS = 1;
