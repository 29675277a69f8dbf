import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';

/** The two layers of an environment: cluster add-ons first, workloads on top of them. */
export type Layer = 'platform' | 'apps';

/** A Kubernetes kind by API group ('' for core), as Argo CD allow-lists name them. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface ComponentChartProps {
  /** The layer whose folder the component renders into: `manifests/<layer>/<id>/`. */
  readonly layer: Layer;
  /**
   * Helm chart repositories the component installs from (as Argo CD names them).
   * @default none
   */
  readonly chartRepositories?: readonly string[];
  /**
   * Those of `chartRepositories` that are OCI registries (Argo CD must be told, see the bootstrap).
   * @default none
   */
  readonly ociChartRepositories?: readonly string[];
  /**
   * Cluster-scoped kinds created by something other than the rendered objects (a Helm chart).
   * @default none
   */
  readonly extraClusterResources?: readonly GroupKind[];
  /**
   * Namespaces written to by something other than the rendered objects (a Helm release).
   * @default none
   */
  readonly extraNamespaces?: readonly string[];
}

/**
 * A chart that renders one component: the folder `manifests/<layer>/<id>/`, which Argo CD or Flux
 * reconcile as one unit. Its place in the sync order comes from the ordered component list
 * (platform/components.ts), never from the chart.
 *
 * No chart-level namespace: cdk8s would stamp it on cluster-scoped objects too (a Namespace
 * with a namespace). Objects set their own.
 */
export class ComponentChart extends Chart {
  readonly layer: Layer;
  /** The component's folder name (the chart's id). */
  readonly component: string;
  readonly options: ComponentChartProps;

  constructor(scope: Construct, id: string, props: ComponentChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    this.layer = props.layer;
    this.component = id;
    this.options = props;
  }
}
