import { byCodeUnit } from '../text/compare.js';
import type { GroupKind } from './component-chart.js';
import type { RenderedComponent, RenderedObject } from './synthesize.js';

/** What an environment's manifests touch: the facts its GitOps project is scoped to. */
export interface EnvironmentInventory {
  /** Namespaces of namespaced objects, namespaces created, and namespaces Helm releases write to. */
  readonly namespaces: readonly string[];
  /** Cluster-scoped kinds rendered or installed by add-ons. */
  readonly clusterResources: readonly GroupKind[];
  readonly chartRepositories: readonly string[];
  /** The chart repositories that are OCI registries. */
  readonly ociChartRepositories: readonly string[];
  readonly components: readonly RenderedComponent[];
}

export function environmentInventory(objects: readonly RenderedObject[], components: readonly RenderedComponent[]): EnvironmentInventory {
  const namespaces = new Set<string>();
  const clusterResources = new Map<string, GroupKind>();
  const addKind = (kind: GroupKind) => clusterResources.set(`${kind.group}/${kind.kind}`, kind);

  for (const { manifest } of objects) {
    if (manifest.metadata.namespace !== undefined) {
      namespaces.add(manifest.metadata.namespace);
      continue;
    }
    const slash = manifest.apiVersion.lastIndexOf('/');
    addKind({ group: slash === -1 ? '' : manifest.apiVersion.slice(0, slash), kind: manifest.kind });
    if (manifest.apiVersion === 'v1' && manifest.kind === 'Namespace') namespaces.add(manifest.metadata.name);
  }
  const chartRepositories = new Set<string>();
  const ociChartRepositories = new Set<string>();
  for (const { options } of components) {
    for (const repository of options.ociChartRepositories ?? []) ociChartRepositories.add(repository);
    for (const namespace of options.extraNamespaces ?? []) namespaces.add(namespace);
    for (const kind of options.extraClusterResources ?? []) addKind(kind);
    for (const repository of options.chartRepositories ?? []) chartRepositories.add(repository);
  }
  return {
    namespaces: [...namespaces].sort(byCodeUnit),
    clusterResources: [...clusterResources.values()].sort((a, b) => byCodeUnit(`${a.group}/${a.kind}`, `${b.group}/${b.kind}`)),
    chartRepositories: [...chartRepositories].sort(byCodeUnit),
    ociChartRepositories: [...ociChartRepositories].sort(byCodeUnit),
    components: [...components].sort((a, b) => byCodeUnit(`${a.layer}/${a.component}`, `${b.layer}/${b.component}`)),
  };
}
