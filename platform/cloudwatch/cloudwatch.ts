import type { ClusterSpec } from '../spec/cluster-spec.js';
import { ADMISSION_WEBHOOKS, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';
import { kindsOf, type PlatformComponent } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { HTTPS_ANYWHERE, POD_IDENTITY_AGENT } from '../core/network-policies.js';
import { CONTROLLER_IDENTITIES, podIdentity } from '../identity/controller-identities.js';

/** Logs and cluster metrics in CloudWatch: Container Insights (amazon-cloudwatch-observability). */
export const cloudwatch: PlatformComponent = {
  name: 'cloudwatch',
  installs: kindsOf('cloudwatch.aws.amazon.com', 'AmazonCloudWatchAgent', 'Instrumentation'),
  needs: [],
  build: (scope, { environment, gitops }) => new AddonChart(scope, 'cloudwatch', { gitops, addons: [cloudwatchAddon(environment)] }),
};

function cloudwatchAddon(environment: ClusterSpec): HelmAddon {
  const identity = CONTROLLER_IDENTITIES['cloudwatch-agent'];
  return {
    name: 'amazon-cloudwatch-observability',
    podIdentities: [podIdentity(identity)],
    namespace: identity.namespace,
    chart: { repository: 'https://aws-observability.github.io/helm-charts', name: 'amazon-cloudwatch-observability', version: '6.6.0' },
    // Fluent Bit and the agent read node logs and metrics from host paths.
    podSecurity: 'privileged',
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...ADMISSION_WEBHOOKS],
    network: {
      ingress: [{ name: 'api-server-to-webhooks', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: 9443 }] }],
      egress: [
        HTTPS_ANYWHERE,
        POD_IDENTITY_AGENT,
        { name: 'kubelet', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: 10250 }] },
      ],
    },
    values: {
      clusterName: environment.aws.clusterName,
      region: environment.aws.region,
      containerLogs: { enabled: true },
      // GPU metrics come from NVIDIA's DCGM exporter (gpu component); no second exporter on port 9400.
      dcgmExporter: { enabled: false },
      neuronMonitor: { enabled: false },
      // kube-prometheus-stack owns the ServiceMonitor/PodMonitor CRDs.
      otelContainerInsights: { prometheusScrape: { crds: { install: 'never' } } },
    },
  };
}
