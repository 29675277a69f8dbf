import type { ClusterSpec } from '../spec/cluster-spec.js';
import type { PlatformComponent } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { API_SERVICES, CLUSTER_RBAC } from '../core/cluster-kinds.js';

/**
 * metrics-server: the resource metrics API (pod CPU and memory) that the KEDA cpu and memory
 * triggers read through the HPA. EKS does not install it.
 */
export function metricsServerAddon(environment: ClusterSpec): HelmAddon {
  const replicas = environment.highAvailability ? 2 : 1;
  return {
    name: 'metrics-server',
    namespace: 'kube-system',
    createNamespace: false,
    chart: { repository: 'https://kubernetes-sigs.github.io/metrics-server/', name: 'metrics-server', version: '3.14.0' },
    podSecurity: 'restricted',
    serverSideApply: false,
    clusterResources: [...CLUSTER_RBAC, ...API_SERVICES],
    values: {
      replicas,
      podDisruptionBudget: replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false },
      resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '1', memory: '500Mi' } },
    },
  };
}

export const metricsServer: PlatformComponent = {
  name: 'metrics-server',
  installs: [],
  needs: [],
  build: (scope, { environment, gitops }) => new AddonChart(scope, 'metrics-server', { gitops, addons: [metricsServerAddon(environment)] }),
};
