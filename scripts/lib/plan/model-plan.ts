import { scaledObject } from '../../../apps/model-server/autoscaling.js';
import { startupBudgets } from '../../../apps/model-server/time-budgets.js';
import { estimateTimeToReady } from '../../../apps/model-server/time-to-ready.js';
import { gpusPerReplica } from '../../../apps/models/model-spec.js';
import type { ConfigProblem } from '../config/problem.js';
import { placeableFamilies } from '../config/cross-checks.js';
import type { Fleet } from '../config/fleet.js';
import { instanceFor, PRICES_FILE, type PriceTable } from '../report/pricing.js';
import { baselines, simulate, type ScalingBehavior, type SimulationInput, type SimulationResult, type WarmNodes } from './simulate.js';
import { fittingWarmNodes } from '../ready/estimates.js';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import type { ModelSpec } from '../../../apps/models/model-spec.js';
import { THROUGHPUT_FILE, throughputFor, type ThroughputTable } from './throughput.js';
import { loadFor, type Trace } from './trace.js';

/** One model's plan: the inputs taken from the fleet, the simulation, and the two static baselines. */
export interface ModelPlan {
  readonly model: string;
  /** The instance type Karpenter would launch (the cheapest priced one that fits a node of a replica). */
  readonly instanceType: string;
  readonly family: string;
  readonly readySeconds: number;
  /** The pool's warm nodes a replica fits on (cluster.yaml gpu.warmNodes), and their family. */
  readonly warm?: WarmNodes & { readonly family: string };
  readonly input: SimulationInput;
  readonly autoscaled: SimulationResult;
  readonly atMin: SimulationResult;
  readonly atMax: SimulationResult;
}

// Parsed KEDA ScaledObject: the planner reads what the render writes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** The HPA behaviour and queue target exactly as the render writes them into the model's ScaledObject. */
function renderedScaling(scaled: Json): { behavior: ScalingBehavior; queuePerReplica: number; activation: number; cooldown: number } {
  const hpa = scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior;
  const rule = (r: Json) => ({
    stabilizationSeconds: r.stabilizationWindowSeconds,
    pods: r.policies[0].value,
    periodSeconds: r.policies[0].periodSeconds,
  });
  const queue = (scaled.spec.triggers as Json[]).find((t) => t.name === 'request-queue')!;
  return {
    behavior: { scaleUp: rule(hpa.scaleUp), scaleDown: rule(hpa.scaleDown) },
    queuePerReplica: Number(queue.metadata.threshold),
    activation: Number(queue.metadata.activationThreshold ?? 0),
    cooldown: Number(scaled.spec.cooldownPeriod ?? 300),
  };
}

/**
 * Plans for the models an environment runs (all, or `only`), or the problems that stop it: a
 * model with no throughput figure for the instance family it would run on, or no priced type.
 */
export function planEnvironment(
  fleet: Fleet,
  environmentName: string,
  trace: Trace,
  tables: { throughput: ThroughputTable; prices: PriceTable },
  only?: string,
): { ok: true; plans: ModelPlan[] } | { ok: false; problems: ConfigProblem[] } {
  const env = fleet.environments.get(environmentName)!;
  const plans: ModelPlan[] = [];
  const problems: ConfigProblem[] = [];
  for (const name of Object.keys(env.spec.models).sort()) {
    if (only !== undefined && name !== only) continue;
    const deployment = env.spec.models[name]!;
    const model = fleet.models.get(name)!.spec;
    const families = placeableFamilies(model, env.spec);
    const gpus = gpusPerReplica(model);
    const instance = instanceFor({ gpusPerReplica: gpus, nodesPerReplica: model.gpu.nodes, families }, tables.prices);
    if (!instance) {
      problems.push({
        file: PRICES_FILE,
        line: 1,
        path: ['instances'],
        message: `expected a priced instance type of ${families.join(', ')} with ${model.gpu.count} GPUs for ${name}`,
      });
      continue;
    }
    const family = instance.type.split('.')[0]!;
    const throughput = throughputFor(tables.throughput, name, [family]);
    if (!throughput) {
      problems.push({
        file: THROUGHPUT_FILE,
        line: 1,
        path: ['models', name, family],
        message: `expected the serving throughput of ${name} on ${family} (the cheapest family ${environmentName} may launch for it)`,
      });
      continue;
    }
    const budgets = startupBudgets(model, families);
    const scaled = renderedScaling(
      scaledObject({
        name,
        namespace: `llm-${name}`,
        labels: {},
        model,
        replicas: deployment.replicas,
        routerHolds: deployment.replicas.min === 0,
        autoscaling: deployment.autoscaling,
        awsRegion: env.spec.aws.region,
        budgets,
        target: { apiVersion: 'apps/v1', kind: 'Deployment' },
      }),
    );
    const readySeconds = estimateTimeToReady(model, family, 'scale-up').totalSeconds;
    const instanceGpus = tables.prices.instances[instance.type]!.gpus;
    const warm = warmNodesOf(model, env.spec, families);
    const input: SimulationInput = {
      load: loadFor(trace, name),
      replicas: deployment.replicas,
      queuePerReplica: scaled.queuePerReplica,
      activationThreshold: scaled.activation,
      cooldownSeconds: scaled.cooldown,
      behavior: scaled.behavior,
      readySeconds,
      throughput: throughput.row,
      queueDelayTargetSeconds: model.slo.queueDelaySeconds,
      gpusPerReplica: gpus,
      usdPerGpuHour: instance.usdPerHour / instanceGpus,
      ...(warm ? { warm } : {}),
    };
    const { atMin, atMax } = baselines(input);
    plans.push({
      model: name,
      instanceType: instance.type,
      family,
      readySeconds,
      ...(warm ? { warm } : {}),
      input,
      autoscaled: simulate(input),
      atMin,
      atMax,
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, plans };
}

/**
 * The warm nodes the model fits on as the simulation spends them: the delay on a warm node, and
 * how long a placeholder takes to hold a new node (node launch and image pull). Each model's plan
 * counts its pool's warm nodes as its own.
 */
function warmNodesOf(model: ModelSpec, env: ClusterSpec, families: readonly string[]): (WarmNodes & { family: string }) | undefined {
  const warm = fittingWarmNodes(model, env, families);
  if (!warm) return undefined;
  const family = warm.families[0]!;
  const newNode = estimateTimeToReady(model, family, 'scale-up').steps.filter((s) => s.step === 'node' || s.step === 'image');
  return {
    nodes: warm.nodes,
    replicasPerNode: warm.replicasPerNode,
    readySeconds: estimateTimeToReady(model, family, 'warm').totalSeconds,
    refillSeconds: newNode.reduce((sum, s) => sum + s.seconds, 0),
    family,
  };
}
