import type { ClusterSpec } from '../spec/cluster-spec.js';
import { kindsOf, type PlatformComponent } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { HTTPS_ANYWHERE } from '../core/network-policies.js';
import { ADMISSION_WEBHOOKS, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';

/**
 * The LeaderWorkerSet controller (sigs.k8s.io/lws): runs a model larger than one node as groups
 * of pods, one group per replica (apps/model-server/multi-node.ts). Installed in every
 * environment, so a multi-node model promotes like any other. In lws-system: the chart's CRD
 * names its conversion webhook's Service in that namespace.
 * Chart: oci://registry.k8s.io/lws/charts/lws, the release's charts/lws (values as of v0.9.0).
 */
export const LWS_NAMESPACE = 'lws-system';
export const LWS_CHART_VERSION = '0.9.0';

export function lwsAddon(environment: ClusterSpec): HelmAddon {
  return {
    name: 'lws',
    namespace: LWS_NAMESPACE,
    chart: { repository: 'oci://registry.k8s.io/lws/charts', name: 'lws', version: LWS_CHART_VERSION },
    podSecurity: 'restricted',
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...ADMISSION_WEBHOOKS],
    network: {
      // The API server calls the webhooks (LeaderWorkerSet and its pods, CRD conversion) from the VPC.
      ingress: [{ name: 'api-server-to-webhooks', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: 9443 }] }],
      // The controller talks only to the Kubernetes API.
      egress: [HTTPS_ANYWHERE],
    },
    values: {
      // The published chart's image; IfNotPresent rather than the source chart's Always.
      image: { manager: { repository: 'registry.k8s.io/lws/lws', tag: `v${LWS_CHART_VERSION}`, pullPolicy: 'IfNotPresent' } },
      replicaCount: environment.highAvailability ? 2 : 1,
      // The controller's own certificates for its webhooks (no cert-manager here).
      enableCertManager: false,
      enablePrometheus: false,
      enableDisaggregatedSet: false,
      // The chart's secure defaults, stated so that a chart upgrade cannot loosen them silently.
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
  };
}

export const lws: PlatformComponent = {
  name: 'lws',
  installs: kindsOf('leaderworkerset.x-k8s.io', 'LeaderWorkerSet'),
  needs: [],
  build: (scope, props) => new AddonChart(scope, 'lws', { gitops: props.gitops, addons: [lwsAddon(props.environment)] }),
};
