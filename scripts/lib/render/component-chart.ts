import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';

/** The two layers of an environment: cluster add-ons first, workloads on top of them. */
export type Layer = 'platform' | 'apps';

/** A Kubernetes kind by API group ('' for core), as Argo CD allow-lists name them. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** What the GitOps wiring needs to know about a component beyond its rendered objects. */
export interface ComponentOptions {
  /** Order among components (lower first); defaults to the layer's wave. */
  readonly syncWave?: number;
  /** Helm chart repositories the component installs from (as Argo CD names them). */
  readonly chartRepositories?: readonly string[];
  /** Those of them that are OCI registries (Argo CD must be told, see the bootstrap). */
  readonly ociChartRepositories?: readonly string[];
  /** Cluster-scoped kinds created by something other than the rendered objects (a Helm chart). */
  readonly extraClusterResources?: readonly GroupKind[];
  /** Namespaces written to by something other than the rendered objects (a Helm release). */
  readonly extraNamespaces?: readonly string[];
}

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
    readonly options: ComponentOptions = {},
  ) {
    super(scope, `${layer}-${component}`, { disableResourceNameHashes: true });
  }
}
