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

/** Whether the environment keeps warm nodes a replica of the model fits on (its pool, families and GPUs per node). */
export function warmNodesFor(model: ModelSpec, environment: ClusterSpec, families: readonly string[]): string[] {
  const pool = gpuNodePoolFor(model.gpu);
  return (environment.gpu.warmNodes ?? [])
    .filter((w) => w.pool === pool && w.gpusPerNode >= model.gpu.count)
    .flatMap((w) => (w.instanceFamilies ?? environment.gpu.instanceFamilies).filter((f) => families.includes(f)));
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
      const warmFamilies = warmNodesFor(model, environment, families);
      const estimates: Partial<Record<Situation, ReadyEstimate>> = {};
      for (const situation of SITUATIONS) {
        if (situation === 'warm' && warmFamilies.length === 0) continue;
        estimates[situation] = worstCase(model, situation === 'warm' ? [...new Set(warmFamilies)] : families, situation);
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
