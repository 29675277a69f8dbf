import type { Fleet } from '../config/fleet.js';
import { CLUSTER_FILE, CLUSTERS_DIR } from '../config/load-fleet.js';

/** An environment that promotes from another one, and what promote would compare. */
export interface PromotionTarget {
  readonly target: string;
  readonly source: string;
  readonly soakHours: number;
  /** Models both run whose versions differ: what promote may propose, once soaked. */
  readonly differing: ReadonlyArray<{ model: string; from: string; to: string }>;
}

/** Every environment with a promotion source (promotion.from), in the fleet's order. */
export function promotionTargets(fleet: Fleet): PromotionTarget[] {
  const targets: PromotionTarget[] = [];
  for (const [name, { spec }] of fleet.environments) {
    if (!spec.promotion) continue;
    const source = fleet.environments.get(spec.promotion.from)?.spec;
    const differing = Object.entries(spec.models)
      .filter(([model, run]) => source?.models[model] !== undefined && source.models[model].version !== run.version)
      .map(([model, run]) => ({ model, from: run.version, to: source!.models[model]!.version }));
    targets.push({ target: name, source: spec.promotion.from, soakHours: spec.promotion.soakHours, differing });
  }
  return targets;
}

/**
 * Why promote opened no pull request into `target`, when the inputs alone say so: promotion
 * proposes the source's version of a model both environments run, so with the same versions on
 * both sides there is nothing to propose until the source moves. (A version that has not soaked
 * yet, or whose PR was closed, is explained by promote's own lines.)
 */
export function nothingToPromote(target: PromotionTarget): string | undefined {
  if (target.differing.length > 0) return undefined;
  return `${target.source} and ${target.target} run the same versions: bump a model's version in ${CLUSTERS_DIR}/${target.source}/${CLUSTER_FILE} and rerun`;
}
