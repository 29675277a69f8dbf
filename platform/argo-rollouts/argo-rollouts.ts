import type { ClusterSpec } from '../spec/cluster-spec.js';
import { kindsOf, type PlatformComponent } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { HTTPS_ANYWHERE, MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS, scrapedBy } from '../core/network-policies.js';
import { CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';

/**
 * Argo Rollouts: runs each model's canary (apps/model-server/canary.ts), writing the HTTPRoute
 * weights through the Gateway API traffic-router plugin and judging the canary with the SLO
 * analysis on Prometheus. Installed in every environment, like LWS, so that `canary` in
 * cluster.yaml is all an environment needs to turn canaries on.
 * Chart: https://argoproj.github.io/argo-helm, argo-rollouts 2.43.5 (appVersion v1.10.0;
 * values as of charts/argo-rollouts/values.yaml).
 */
export const ARGO_ROLLOUTS_NAMESPACE = 'argo-rollouts';

/** The Gateway API traffic-router plugin's name (its pkg/plugin/plugin.go PluginName), as Rollouts name it. */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';
export const ARGO_ROLLOUTS_CHART_VERSION = '2.43.5';

/**
 * The Gateway API plugin's release binary, which the controller downloads at start and checks
 * against this sha256 (it refuses a binary that differs). Checksum as published for v0.17.0,
 * not downloaded on this machine: `sha256sum gatewayapi-plugin-linux-amd64` before a first
 * deploy, like every digest here.
 */
export const GATEWAY_API_PLUGIN_RELEASE = {
  version: 'v0.17.0',
  location:
    'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.17.0/gatewayapi-plugin-linux-amd64',
  sha256: '1904ca787d33107c140521899d61fff030ee75d99908bd175fca5a4647759061',
} as const;

/** The controller's metrics port (controller/controller.go DefaultMetricsPort). */
const METRICS_PORT = 8090;

export function argoRolloutsAddon(environment: ClusterSpec): HelmAddon {
  const replicas = environment.highAvailability ? 2 : 1;
  return {
    name: 'argo-rollouts',
    namespace: ARGO_ROLLOUTS_NAMESPACE,
    chart: { repository: 'https://argoproj.github.io/argo-helm', name: 'argo-rollouts', version: ARGO_ROLLOUTS_CHART_VERSION },
    podSecurity: 'restricted',
    // The Rollout and AnalysisRun CRDs are over client-side apply's 256 KiB annotation.
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC],
    network: {
      ingress: [scrapedBy([{ port: METRICS_PORT }])],
      egress: [
        // The Kubernetes API, and the plugin's release download at start.
        HTTPS_ANYWHERE,
        // The canary analysis's queries.
        {
          name: 'prometheus-queries',
          peers: [{ namespace: MONITORING_NAMESPACE, podLabels: PROMETHEUS_POD_LABELS }],
          ports: [{ port: 9090 }],
        },
      ],
    },
    values: {
      installCRDs: true,
      keepCRDs: true,
      controller: {
        // Two where highly available: the chart adds --leader-elect above one.
        replicas,
        image: { pullPolicy: 'IfNotPresent' },
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        metrics: { enabled: true, serviceMonitor: { enabled: true } },
        trafficRouterPlugins: [
          { name: GATEWAY_API_PLUGIN, location: GATEWAY_API_PLUGIN_RELEASE.location, sha256: GATEWAY_API_PLUGIN_RELEASE.sha256 },
        ],
      },
      dashboard: { enabled: false },
      // The chart's secure defaults, stated so that a chart upgrade cannot loosen them silently.
      podSecurityContext: { runAsNonRoot: true },
      containerSecurityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      // The only traffic router here is the Gateway API plugin (HTTPRoutes); no mesh or ingress RBAC.
      providerRBAC: {
        enabled: true,
        providers: {
          istio: false,
          smi: false,
          ambassador: false,
          awsLoadBalancerController: false,
          awsAppMesh: false,
          traefik: false,
          apisix: false,
          contour: false,
          glooPlatform: false,
          gatewayAPI: true,
        },
      },
    },
  };
}

export const argoRollouts: PlatformComponent = {
  name: 'argo-rollouts',
  installs: kindsOf('argoproj.io', 'Rollout', 'AnalysisTemplate', 'AnalysisRun'),
  needs: [],
  build: (scope, { environment, gitops }) => new AddonChart(scope, 'argo-rollouts', { gitops, addons: [argoRolloutsAddon(environment)] }),
};
