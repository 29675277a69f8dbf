import type { ClusterSpec } from '../spec/cluster-spec.js';
import { kindsOf, type PlatformComponent } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { CONTROLLER_IDENTITIES, podIdentity } from '../identity/controller-identities.js';
import { HTTPS_ANYWHERE, POD_IDENTITY_AGENT, PROMETHEUS_POD_LABELS, scrapedBy } from '../core/network-policies.js';
import { ADMISSION_WEBHOOKS, API_SERVICES, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';

/** The pods of the chart, by the `app` label its Services select on (the chart's deployment templates). */
const KEDA_OPERATOR = { app: 'keda-operator' };
const KEDA_METRICS_APISERVER = { app: 'keda-operator-metrics-apiserver' };
/** The operator's gRPC metrics service (fixed in the chart's templates). */
const KEDA_METRICS_SERVICE_PORT = 9666;

/**
 * KEDA: event-driven autoscaling. It drives the HPA of each model server from the request queue,
 * GPU and CloudWatch metrics (the ScaledObjects come with the platform work).
 * Chart: https://github.com/kedacore/charts (values as of chart 2.21.0).
 */
export function kedaAddon(environment: ClusterSpec): HelmAddon {
  // Highly available environments run a standby operator and metrics server: only one leads,
  // the other cuts fail-over time. Elsewhere one replica is enough.
  const replicas = environment.highAvailability ? 2 : 1;
  const disruptionBudget = replicas > 1 ? { minAvailable: 1 } : {};
  return {
    name: 'keda',
    podIdentities: [podIdentity(CONTROLLER_IDENTITIES.keda)],
    namespace: 'keda',
    chart: { repository: 'https://kedacore.github.io/charts', name: 'keda', version: '2.21.0' },
    podSecurity: 'restricted',
    // KEDA's ScaledJob CRD is larger than the 256 KiB that client-side apply can annotate.
    serverSideApply: true,
    // The metrics API server is an aggregated API: it binds extension-apiserver-authentication-reader in kube-system.
    otherNamespaces: ['kube-system'],
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...API_SERVICES, ...ADMISSION_WEBHOOKS],
    network: {
      // The API server calls the admission webhooks and the metrics API server from the VPC.
      ingress: [
        { name: 'api-server-to-webhooks', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: 9443 }, { port: 6443 }] },
        // The metrics API server gets every external metric from the operator over gRPC.
        {
          name: 'metrics-service-from-metrics-apiserver',
          podLabels: KEDA_OPERATOR,
          peers: [{ namespace: 'keda', podLabels: KEDA_METRICS_APISERVER }],
          ports: [{ port: KEDA_METRICS_SERVICE_PORT }],
        },
        scrapedBy([{ port: 8080 }]),
      ],
      egress: [
        HTTPS_ANYWHERE,
        POD_IDENTITY_AGENT,
        {
          name: 'metrics-service-to-operator',
          podLabels: KEDA_METRICS_APISERVER,
          peers: [{ namespace: 'keda', podLabels: KEDA_OPERATOR }],
          ports: [{ port: KEDA_METRICS_SERVICE_PORT }],
        },
        { name: 'prometheus-queries', peers: [{ namespace: 'monitoring', podLabels: PROMETHEUS_POD_LABELS }], ports: [{ port: 9090 }] },
      ],
    },
    values: {
      image: { pullPolicy: 'IfNotPresent' },
      // EKS Pod Identity binds the operator's role to this service account (see platform/identity).
      serviceAccount: { operator: { name: CONTROLLER_IDENTITIES.keda.serviceAccount } },
      prometheus: {
        operator: { enabled: true, serviceMonitor: { enabled: true } },
        metricServer: { enabled: true, serviceMonitor: { enabled: true } },
      },
      operator: { replicaCount: replicas },
      metricsServer: { replicaCount: replicas },
      webhooks: { replicaCount: replicas },
      podDisruptionBudget: { operator: disruptionBudget, metricServer: disruptionBudget, webhooks: disruptionBudget },
      // The chart's own secure defaults, stated so that a chart upgrade cannot loosen them silently.
      podSecurityContext: {
        operator: { runAsNonRoot: true },
        metricServer: { runAsNonRoot: true },
        webhooks: { runAsNonRoot: true },
      },
      securityContext: Object.fromEntries(
        ['operator', 'metricServer', 'webhooks'].map((component) => [
          component,
          {
            capabilities: { drop: ['ALL'] },
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
        ]),
      ),
      resources: {
        operator: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1000Mi' } },
        metricServer: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1000Mi' } },
        webhooks: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
      },
      logging: { operator: { format: 'json' }, webhooks: { format: 'json' } },
    },
  };
}

export const keda: PlatformComponent = {
  name: 'keda',
  installs: kindsOf('keda.sh', 'ScaledObject', 'ScaledJob', 'TriggerAuthentication', 'ClusterTriggerAuthentication'),
  needs: [],
  build: (scope, { environment, gitops }) => new AddonChart(scope, 'keda', { gitops, addons: [kedaAddon(environment)] }),
};
