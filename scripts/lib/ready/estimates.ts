import { WEIGHT_SOURCES, type ModelSpec, type WeightSource } from '../../../apps/models/model-spec.js';
import { SITUATIONS, worstCase, type ReadyEstimate, type ReadyModel, type Situation } from '../../../apps/model-server/time-to-ready.js';
import { startupBudgets, type StartupBudgets } from '../../../apps/model-server/time-budgets.js';
import { gpuNodePoolFor } from '../../../platform/karpenter/karpenter.js';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import { placeableFamilies } from '../config/cross-checks.js';
import type { Fleet } from '../config/fleet.js';

/** Everything the time-to-ready report says about one model in one environment. */
export interface ModelReadiness {
  readonly environment: string;
  readonly model: string;
  readonly version: string;
  readonly families: readonly string[];
  readonly from: WeightSource;
  readonly streamer: boolean;
  /** Per situation, on the slowest family the model may land on ('warm' only with warm nodes it fits). */
  readonly estimates: Readonly<Partial<Record<Situation, ReadyEstimate>>>;
  /** A scale-up with each weight source, the catalogue's choice among them. */
  readonly alternatives: Readonly<Record<WeightSource, number>>;
  readonly budgets: StartupBudgets;
}

/** Warm nodes (cluster.yaml gpu.warmNodes) a replica of the model fits on: their count, room and families. */
export interface FittingWarmNodes {
  readonly nodes: number;
  /** Replicas one warm node holds: its GPUs over the model's. */
  readonly replicasPerNode: number;
  /** The families of those nodes the model may use, sorted. */
  readonly families: readonly string[];
}

/**
 * The warm nodes of the model's pool that a replica fits on (GPUs per node, a family the model may
 * use); undefined when none does. A replica on several nodes fits none: its group would need
 * several at once.
 */
export function fittingWarmNodes(model: ModelSpec, environment: ClusterSpec, families: readonly string[]): FittingWarmNodes | undefined {
  if (model.gpu.nodes > 1) return undefined;
  const pool = gpuNodePoolFor(model.gpu);
  let nodes = 0;
  let replicasPerNode = Infinity;
  const fits = new Set<string>();
  for (const warm of environment.gpu.warmNodes ?? []) {
    const usable = (warm.instanceFamilies ?? environment.gpu.instanceFamilies).filter((f) => families.includes(f));
    if (warm.pool !== pool || warm.gpusPerNode < model.gpu.count || usable.length === 0) continue;
    nodes += warm.count;
    replicasPerNode = Math.min(replicasPerNode, Math.floor(warm.gpusPerNode / model.gpu.count));
    for (const f of usable) fits.add(f);
  }
  return nodes === 0 ? undefined : { nodes, replicasPerNode, families: [...fits].sort() };
}

/** The readiness of every model an environment runs (or the one asked for), in name order. */
export function environmentReadiness(fleet: Fleet, environmentName: string, onlyModel?: string): ModelReadiness[] {
  const environment = fleet.environments.get(environmentName)!.spec;
  return Object.keys(environment.models)
    .sort()
    .filter((name) => onlyModel === undefined || name === onlyModel)
    .map((name) => {
      const model = fleet.models.get(name)!.spec;
      const families = placeableFamilies(model, environment);
      const warm = fittingWarmNodes(model, environment, families);
      const estimates: Partial<Record<Situation, ReadyEstimate>> = {};
      for (const situation of SITUATIONS) {
        if (situation === 'warm' && !warm) continue;
        estimates[situation] = worstCase(model, situation === 'warm' ? warm!.families : families, situation);
      }
      const alternatives = Object.fromEntries(
        WEIGHT_SOURCES.map((from) => {
          const variant: ReadyModel = { ...model, loading: { ...model.loading, from } };
          return [from, worstCase(variant, families, 'scale-up').totalSeconds];
        }),
      ) as Record<WeightSource, number>;
      return {
        environment: environmentName,
        model: name,
        version: environment.models[name]!.version,
        families,
        from: model.loading.from,
        streamer: model.loading.from === 's3' || model.loading.streamer !== undefined,
        estimates,
        alternatives,
        budgets: startupBudgets(model, families),
      };
    });
}
