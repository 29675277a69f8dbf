import { byCodeUnit } from '../../../platform/core/compare.js';
import type { GroupKind } from '../../../platform/core/component-chart.js';
import type { EnvironmentInventory } from '../../../platform/gitops/bootstrap.js';
import type { RenderedComponent, RenderedObject } from './synthesize.js';

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
