import type { ModelSpec } from '../models/model-spec.js';
import { worstCase, type ReadyEstimate, type ReadyModel } from './time-to-ready.js';

/**
 * How long a model server may take to start and to stop: start-up budgets come from its time-to-ready estimate.
 *
 * Starting has phases (time-to-ready.ts estimates each): node launch, image pull, the init
 * container's copy of the weights and its digest check, then vLLM loads them onto the GPUs,
 * compiles and captures CUDA graphs. A probe budget sized for a web app would kill the server in
 * a restart loop before it ever serves; the budgets here are derived from the estimate.
 */

/** Probe period while waiting for /health during start-up. */
export const STARTUP_PERIOD_SECONDS = 10;

/** How many times the estimate the budgets allow: the figures are coarse, and a budget too short is a restart loop. */
export const BUDGET_MARGIN = 2;

/** The shortest start-up budget, whatever the estimate says. */
export const MIN_STARTUP_BUDGET_SECONDS = 300;

/** The budgets of a model server, from its time-to-ready estimate on the slowest family it may land on. */
export interface StartupBudgets {
  /** The estimate they come from: the first replica of a version (no cache, no compile cache). */
  readonly estimate: ReadyEstimate;
  /** The startupProbe's budget: from the server's start to /health. */
  readonly startupSeconds: number;
  /** The Deployment's progress deadline: from the pod's creation to ready, node launch included. */
  readonly progressDeadlineSeconds: number;
}

/**
 * Budgets for a model on the families it may use: BUDGET_MARGIN times the estimate of the first
 * replica of a version, rounded up to the probe period (start-up) or the minute (progress).
 */
export function startupBudgets(model: ReadyModel, families: readonly string[]): StartupBudgets {
  const estimate = worstCase(model, families, 'first');
  const up = (seconds: number, step: number) => Math.ceil(seconds / step) * step;
  return {
    estimate,
    startupSeconds: Math.max(MIN_STARTUP_BUDGET_SECONDS, up(BUDGET_MARGIN * estimate.engineStartSeconds, STARTUP_PERIOD_SECONDS)),
    progressDeadlineSeconds: up(BUDGET_MARGIN * estimate.totalSeconds, 60),
  };
}

/** The annotation that carries the estimate on the server's workload, for the policy pack and the PR report. */
export const TIME_TO_READY_ANNOTATION = 'eks-llm-gitops.io/time-to-ready';

/** The annotation's value: the budgets' estimate and a scale-up's, as JSON with sorted keys. */
export function timeToReadyAnnotation(model: ReadyModel, families: readonly string[], budgets: StartupBudgets): string {
  const first = budgets.estimate;
  return JSON.stringify({
    engineStartSeconds: first.engineStartSeconds,
    family: first.family,
    firstReplicaSeconds: first.totalSeconds,
    loadFrom: first.from,
    scaleUpSeconds: worstCase(model, families, 'scale-up').totalSeconds,
  });
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
