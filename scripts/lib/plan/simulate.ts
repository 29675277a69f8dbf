import type { LoadSegment } from './trace.js';

/*
 * A deterministic, discrete-time simulation of one model's replicas over a trace: KEDA's queue
 * trigger driving the HPA as apps/model-server/autoscaling.ts renders it, replicas that hold their
 * GPUs while they start, and a fluid queue in front of them.
 *
 * The model, step by step (each step is one KEDA polling interval, `stepSeconds`, at time t):
 *  1. KEDA reads the waiting requests: the backlog left at the end of the previous step.
 *  2. At 0 replicas, KEDA activates the Deployment (to 1) when the backlog exceeds the activation
 *     threshold; with min 0, it deactivates it (to 0) once, for `cooldownSeconds`, nothing has
 *     waited and nothing was served (the rendered KV-cache trigger stays active while replicas
 *     serve, so a replica that keeps up is not removed under its load).
 *  3. Otherwise the HPA: desired = ceil(waiting / queuePerReplica) (an AverageValue target), kept at
 *     the current count when waiting / (queuePerReplica x current) is within `tolerance` of 1;
 *     stabilised (scale-down takes the highest recommendation of its window, scale-up the lowest
 *     of its own), then rate-limited (at most `pods` added, or removed, in any `periodSeconds`),
 *     then clamped to [max(min, 1), max].
 *  4. An added replica holds its GPUs at once and serves from the first step that starts at least
 *     `readySeconds` later; a removed one goes at once, starting replicas (newest first) before
 *     ready ones.
 *  5. The queue: arrivals = the trace's rate over the step; served = min(backlog + arrivals,
 *     capacity of the ready replicas over the step); the rest is the new backlog. The step's
 *     arrivals wait backlog / service rate of the ready replicas (infinite with none ready): the
 *     SLO counts them as met when that is at most `queueDelayTargetSeconds`.
 *
 * Capacity of one replica: a request costs prompt / prefillTokensPerSecond + output /
 * outputTokensPerSecond replica-seconds (c), so a replica serves 1 / c requests a second. The
 * figures are aggregate rates at saturation, i.e. with `maxConcurrentRequests` in flight, each of
 * which progresses at 1/N of them: N requests finish every N x c seconds, so the concurrency limit
 * (N in flight, each lasting N x c) and the token limit are the same 1 / c in a fluid model, and
 * the engine uses that one rate. The backlog is costed at the current step's token mix.
 */

/** The HPA behaviour the ScaledObject renders (autoscaling/v2 `behavior`), as data. */
export interface ScalingBehavior {
  readonly scaleUp: ScalingRule;
  readonly scaleDown: ScalingRule;
}

export interface ScalingRule {
  /** `stabilizationWindowSeconds`. */
  readonly stabilizationSeconds: number;
  /** A `Pods` policy: at most this many replicas added (or removed) ... */
  readonly pods: number;
  /** ... in any window of this many seconds. */
  readonly periodSeconds: number;
}

/** What a replica serves at saturation: a row of the reviewed throughput table. */
export interface ReplicaThroughput {
  readonly prefillTokensPerSecond: number;
  readonly outputTokensPerSecond: number;
  readonly maxConcurrentRequests: number;
}

/** Everything one model's simulation needs; the defaults are what the repository renders. */
export interface SimulationInput {
  /** The model's load over the trace, in order, contiguous (trace.ts `loadFor`). */
  readonly load: readonly LoadSegment[];
  /** Simulation step: KEDA's pollingInterval (15 s as rendered). */
  readonly stepSeconds?: number;
  /** The ScaledObject's minReplicaCount (0: scale to zero) and maxReplicaCount. */
  readonly replicas: { readonly min: number; readonly max: number };
  /** Replicas at the start, all ready (default `replicas.min`). */
  readonly initialReplicas?: number;
  /** The queue trigger's target: waiting requests per replica (`threshold`). */
  readonly queuePerReplica: number;
  /** The queue trigger's `activationThreshold` (0 as rendered: anything waiting activates). */
  readonly activationThreshold?: number;
  /** KEDA's cooldownPeriod before scaling to zero (300 s as rendered). */
  readonly cooldownSeconds?: number;
  /** The HPA's tolerance on the metric ratio (Kubernetes' default 0.1). */
  readonly tolerance?: number;
  readonly behavior: ScalingBehavior;
  /** From a replica being added to it serving (node, image, weights, engine start). */
  readonly readySeconds: number;
  readonly throughput: ReplicaThroughput;
  /** The model's SLO: the longest a request may wait in the queue. */
  readonly queueDelayTargetSeconds: number;
  readonly gpusPerReplica: number;
  readonly usdPerGpuHour: number;
  /** Warm nodes (cluster.yaml gpu.warmNodes) a new replica may start on instead of a new node. */
  readonly warm?: WarmNodes;
}

/**
 * Warm nodes of the model's pool: each holds `replicasPerNode` replicas' GPUs behind a placeholder.
 * A replica added while a warm node has room serves after `readySeconds` (no node launch, no
 * image pull); the first replica to take a node evicts its placeholder, which gets a new node
 * `refillSeconds` later (node launch and image pull), while the node's other GPUs stay usable.
 */
export interface WarmNodes {
  readonly nodes: number;
  readonly replicasPerNode: number;
  readonly readySeconds: number;
  readonly refillSeconds: number;
}

/** One step of the simulation, for plotting. */
export interface SimulationStep {
  /** Start of the step, in the trace's seconds. */
  readonly time: number;
  /** Replicas holding GPUs during the step (starting ones included). */
  readonly held: number;
  /** Replicas serving during the step. */
  readonly ready: number;
  /** Requests waiting at the end of the step (what KEDA reads next). */
  readonly backlog: number;
  /** Queueing delay of the step's arrivals, seconds (Infinity when none is ready to serve them). */
  readonly delaySeconds: number;
}

export interface SimulationResult {
  /** Share of the requests whose queueing delay met the target (1 when there are none). */
  readonly sloAttainment: number;
  readonly requests: number;
  readonly gpuHours: number;
  readonly costUsd: number;
  readonly peakReplicas: number;
  /** Time-weighted mean of the replicas held. */
  readonly meanReplicas: number;
  /** Largest backlog, requests. */
  readonly maxQueue: number;
  readonly steps: readonly SimulationStep[];
}

/** HPA behaviour as apps/model-server/autoscaling.ts renders it, for a scale-down window. */
export function renderedBehavior(scaleDownStabilizationSeconds: number): ScalingBehavior {
  return {
    scaleUp: { stabilizationSeconds: 0, pods: 2, periodSeconds: 60 },
    scaleDown: { stabilizationSeconds: scaleDownStabilizationSeconds, pods: 1, periodSeconds: 300 },
  };
}

export const DEFAULT_STEP_SECONDS = 15;
export const DEFAULT_COOLDOWN_SECONDS = 300;
export const DEFAULT_TOLERANCE = 0.1;

/** Replica-seconds one request costs at the given token counts. */
export function requestCostSeconds(throughput: ReplicaThroughput, promptTokens: number, outputTokens: number): number {
  return promptTokens / throughput.prefillTokensPerSecond + outputTokens / throughput.outputTokensPerSecond;
}

/** The model autoscaled by KEDA and the HPA over its load. */
export function simulate(input: SimulationInput): SimulationResult {
  return run(input, { scaling: true, replicas: input.initialReplicas ?? input.replicas.min });
}

/** The same load on a fixed number of replicas, always ready: no scaling, no start-up. */
export function simulateStatic(input: SimulationInput, replicas: number): SimulationResult {
  return run(input, { scaling: false, replicas });
}

/** Static baselines: always at min replicas (nothing served at min 0), and always at max. */
export function baselines(input: SimulationInput): { atMin: SimulationResult; atMax: SimulationResult } {
  return { atMin: simulateStatic(input, input.replicas.min), atMax: simulateStatic(input, input.replicas.max) };
}

interface Replica {
  readonly addedAt: number;
  readonly readyAt: number;
}

interface Timestamped {
  readonly time: number;
  readonly value: number;
}

function run(input: SimulationInput, mode: { scaling: boolean; replicas: number }): SimulationResult {
  const step = input.stepSeconds ?? DEFAULT_STEP_SECONDS;
  const activation = input.activationThreshold ?? 0;
  const cooldown = input.cooldownSeconds ?? DEFAULT_COOLDOWN_SECONDS;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  const { min, max } = input.replicas;
  const hpaMin = Math.max(min, 1);
  checkInput(input, step, mode.replicas);

  const start = input.load[0]?.start ?? 0;
  const end = input.load[input.load.length - 1]?.end ?? start;
  let replicas: Replica[] = Array.from({ length: mode.replicas }, () => ({ addedAt: start, readyAt: start }));
  const warm = warmPool(input.warm, start);
  // The HPA seeds its scale-down window with the current count (maybeInitScaleDownStabilizationWindow).
  const recommendations: Timestamped[] = [{ time: start, value: mode.replicas }];
  const scaleUps: Timestamped[] = [];
  const scaleDowns: Timestamped[] = [];
  let lastActive = start;
  let backlog = 0;
  let servedBefore = 0;

  const steps: SimulationStep[] = [];
  let requests = 0;
  let met = 0;
  let replicaSeconds = 0;
  let peak = 0;
  let maxQueue = 0;

  for (let t = start; t < end; t += step) {
    const length = Math.min(step, end - t);
    if (mode.scaling) {
      const waiting = backlog;
      const current = replicas.length;
      let target = current;
      // Active: requests wait (the queue trigger), or replicas serve (the KV-cache trigger sees them).
      if (waiting > activation || servedBefore > 0) lastActive = t;
      if (current === 0) {
        // KEDA activates the Deployment; with min > 0 the HPA restores min.
        if (waiting > activation || min > 0) target = Math.min(hpaMin, max);
      } else if (min === 0 && waiting <= activation && t - lastActive >= cooldown) {
        target = 0;
      } else {
        const proposed = hpaProposal(waiting, input.queuePerReplica, current, tolerance);
        const stabilized = stabilize(recommendations, t, proposed, current, input.behavior);
        recommendations.push({ time: t, value: proposed });
        target = rateLimit(stabilized, current, t, scaleUps, scaleDowns, input.behavior, hpaMin, max);
        if (target > current) scaleUps.push({ time: t, value: target - current });
        if (target < current) scaleDowns.push({ time: t, value: current - target });
      }
      replicas = resize(replicas, target, t, () => warm.take(t) ?? input.readySeconds);
    }

    const ready = replicas.filter((r) => r.readyAt <= t).length;
    const { arrivals, promptTokens, outputTokens } = loadOver(input.load, t, t + length);
    const rate = ready / requestCostSeconds(input.throughput, promptTokens, outputTokens);
    const served = Math.min(backlog + arrivals, rate * length);
    backlog = backlog + arrivals - served;
    servedBefore = served;
    if (backlog < 1e-9) backlog = 0;
    const delaySeconds = backlog === 0 ? 0 : ready === 0 ? Infinity : backlog / rate;

    requests += arrivals;
    if (delaySeconds <= input.queueDelayTargetSeconds) met += arrivals;
    replicaSeconds += replicas.length * length;
    peak = Math.max(peak, replicas.length);
    maxQueue = Math.max(maxQueue, backlog);
    steps.push({ time: t, held: replicas.length, ready, backlog, delaySeconds });
  }

  const duration = end - start;
  const gpuHours = (replicaSeconds * input.gpusPerReplica) / 3600;
  return {
    sloAttainment: requests === 0 ? 1 : met / requests,
    requests,
    gpuHours,
    costUsd: gpuHours * input.usdPerGpuHour,
    peakReplicas: peak,
    meanReplicas: duration === 0 ? 0 : replicaSeconds / duration,
    maxQueue,
    steps,
  };
}

/** The HPA's proposal for an AverageValue external metric, with its tolerance. */
function hpaProposal(waiting: number, target: number, current: number, tolerance: number): number {
  const ratio = waiting / (target * current);
  if (Math.abs(1 - ratio) <= tolerance) return current;
  return Math.ceil(waiting / target);
}

/**
 * The HPA's stabilisation (stabilizeRecommendationWithBehaviors): the lowest recommendation of the
 * scale-up window is the floor, the highest of the scale-down window the ceiling, and the current
 * count is moved just inside them. A recommendation counts while it is younger than the window.
 */
function stabilize(history: readonly Timestamped[], t: number, proposed: number, current: number, behavior: ScalingBehavior): number {
  let up = proposed;
  let down = proposed;
  for (const rec of history) {
    if (rec.time > t - behavior.scaleUp.stabilizationSeconds) up = Math.min(up, rec.value);
    if (rec.time > t - behavior.scaleDown.stabilizationSeconds) down = Math.max(down, rec.value);
  }
  let recommendation = current;
  if (recommendation < up) recommendation = up;
  if (recommendation > down) recommendation = down;
  return recommendation;
}

/**
 * The HPA's rate policies (convertDesiredReplicasWithBehaviorRate with one Pods policy each way):
 * from the replicas at the start of the period (current - added + removed within it), at most
 * `pods` more (fewer); a scale-up is capped by max, a scale-down floored by min.
 */
function rateLimit(
  desired: number,
  current: number,
  t: number,
  scaleUps: readonly Timestamped[],
  scaleDowns: readonly Timestamped[],
  behavior: ScalingBehavior,
  min: number,
  max: number,
): number {
  const periodStart = (period: number): number => current - changedWithin(scaleUps, t, period) + changedWithin(scaleDowns, t, period);
  if (desired > current) {
    const limit = Math.max(periodStart(behavior.scaleUp.periodSeconds) + behavior.scaleUp.pods, current);
    return Math.min(desired, Math.min(max, limit));
  }
  if (desired < current) {
    const limit = Math.min(periodStart(behavior.scaleDown.periodSeconds) - behavior.scaleDown.pods, current);
    return Math.max(desired, Math.max(min, limit));
  }
  return desired;
}

/** Replicas changed by the events younger than `period` (getReplicasChangePerPeriod). */
function changedWithin(events: readonly Timestamped[], t: number, period: number): number {
  return events.filter((e) => e.time > t - period).reduce((sum, e) => sum + e.value, 0);
}

/** Adds replicas (ready `readySeconds` later) or removes them: starting ones first, newest first. */
function resize(replicas: readonly Replica[], target: number, t: number, readySeconds: () => number): Replica[] {
  if (target > replicas.length) {
    return [...replicas, ...Array.from({ length: target - replicas.length }, () => ({ addedAt: t, readyAt: t + readySeconds() }))];
  }
  if (target < replicas.length) {
    const order = [...replicas].sort((a, b) => Number(a.readyAt > t) - Number(b.readyAt > t) || a.addedAt - b.addedAt);
    return order.slice(0, target);
  }
  return [...replicas];
}

/**
 * The warm nodes as the simulation spends them: `take(t)` returns the delay of a replica placed
 * on a warm node at t, or undefined when none has room. A node's first taker starts its refill.
 */
function warmPool(warm: WarmNodes | undefined, start: number): { take(t: number): number | undefined } {
  // When each placeholder holds a warm node (again), and the free room on nodes whose
  // placeholder a replica evicted (ready nodes, images pulled).
  const warmAt = Array.from({ length: warm?.nodes ?? 0 }, () => start);
  let leftover = 0;
  return {
    take(t) {
      if (!warm) return undefined;
      if (leftover > 0) {
        leftover--;
        return warm.readySeconds;
      }
      const node = warmAt.findIndex((at) => at <= t);
      if (node === -1) return undefined;
      leftover += warm.replicasPerNode - 1;
      warmAt[node] = t + warm.refillSeconds;
      return warm.readySeconds;
    },
  };
}

/** Requests arriving in [from, to), and their mean tokens (time-weighted when nothing arrives). */
function loadOver(
  load: readonly LoadSegment[],
  from: number,
  to: number,
): { arrivals: number; promptTokens: number; outputTokens: number } {
  let arrivals = 0;
  let prompt = 0;
  let output = 0;
  let weight = 0;
  let promptByTime = 0;
  let outputByTime = 0;
  for (const segment of load) {
    const overlap = Math.min(to, segment.end) - Math.max(from, segment.start);
    if (overlap <= 0) continue;
    const count = segment.requestsPerSecond * overlap;
    arrivals += count;
    prompt += count * segment.promptTokens;
    output += count * segment.outputTokens;
    weight += overlap;
    promptByTime += overlap * segment.promptTokens;
    outputByTime += overlap * segment.outputTokens;
  }
  if (arrivals > 0) return { arrivals, promptTokens: prompt / arrivals, outputTokens: output / arrivals };
  return weight > 0
    ? { arrivals, promptTokens: promptByTime / weight, outputTokens: outputByTime / weight }
    : { arrivals, promptTokens: 0, outputTokens: 1 };
}

function checkInput(input: SimulationInput, step: number, initial: number): void {
  const wrong: string[] = [];
  const { min, max } = input.replicas;
  if (!(step > 0)) wrong.push(`stepSeconds must be > 0, got ${step}`);
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < Math.max(min, 1))
    wrong.push(`replicas must be whole numbers with 0 <= min <= max and max >= 1, got ${min}..${max}`);
  if (!Number.isInteger(initial) || initial < 0) wrong.push(`initial replicas must be a whole number >= 0, got ${initial}`);
  if (!(input.queuePerReplica > 0)) wrong.push(`queuePerReplica must be > 0, got ${input.queuePerReplica}`);
  if (!(input.readySeconds >= 0)) wrong.push(`readySeconds must be >= 0, got ${input.readySeconds}`);
  const warm = input.warm;
  if (warm && !(Number.isInteger(warm.nodes) && warm.nodes >= 0 && Number.isInteger(warm.replicasPerNode) && warm.replicasPerNode >= 1))
    wrong.push(`warm nodes must be whole numbers (nodes >= 0, replicasPerNode >= 1), got ${warm.nodes} x ${warm.replicasPerNode}`);
  if (warm && !(warm.readySeconds >= 0 && warm.refillSeconds >= 0)) wrong.push('warm readySeconds and refillSeconds must be >= 0');
  const t = input.throughput;
  if (!(t.prefillTokensPerSecond > 0) || !(t.outputTokensPerSecond > 0) || !(t.maxConcurrentRequests > 0))
    wrong.push('throughput rates and maxConcurrentRequests must be > 0');
  for (let i = 1; i < input.load.length; i++)
    if (input.load[i]!.start !== input.load[i - 1]!.end)
      wrong.push(`load segments must be contiguous (segment ${i} starts at ${input.load[i]!.start})`);
  if (wrong.length > 0) throw new Error(`simulate: ${wrong.join('; ')}`);
}
