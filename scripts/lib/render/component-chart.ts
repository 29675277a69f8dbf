import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';

/** The two layers of an environment: cluster add-ons first, workloads on top of them. */
export type Layer = 'platform' | 'apps';

/**
 * A chart that renders one component: the folder `manifests/<layer>/<component>/`, which Argo CD
 * or Flux reconcile as one unit.
 *
 * No chart-level namespace: cdk8s would stamp it on cluster-scoped objects too (a Namespace
 * with a namespace). Objects set their own.
 */
export class ComponentChart extends Chart {
  constructor(
    scope: Construct,
    readonly layer: Layer,
    readonly component: string,
  ) {
    super(scope, `${layer}-${component}`, { disableResourceNameHashes: true });
  }
}
