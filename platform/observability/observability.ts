import { ApiObject } from 'cdk8s';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../../scripts/lib/config/cluster-schema.js';
import { asApiObject, PlatformComponentChart, type GitOpsTarget, type HelmAddon } from '../addons/helm-addon.js';
import { CONTROLLER_IDENTITIES } from '../identity/controller-identities.js';
import { HTTPS_ANYWHERE, MONITORING_NAMESPACE, POD_IDENTITY_AGENT } from '../network/network-policies.js';
import { ADMISSION_WEBHOOKS, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../addons/cluster-kinds.js';

/** The in-cluster Prometheus that KEDA's Prometheus triggers query (kube-prometheus-stack's Service). */
export const PROMETHEUS_URL = `http://kube-prometheus-stack-prometheus.${MONITORING_NAMESPACE}.svc:9090`;

/**
 * Metrics: kube-prometheus-stack (the Prometheus operator and one Prometheus that scrapes the
 * model servers and the DCGM exporter, and that KEDA queries) and a ServiceMonitor for every
 * model server.
 */
export class MonitoringChart extends PlatformComponentChart {
  constructor(scope: Construct, environment: ClusterSpec, gitops: GitOpsTarget) {
    super(scope, 'monitoring', [prometheusAddon(environment)], gitops, -40);
    const monitor = new ServiceMonitor({
      metadata: { name: 'vllm', namespace: MONITORING_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'observability' } },
      spec: {
        // Every model server, in whatever namespace: their Services carry these labels.
        selector: { matchLabels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/component': 'model-server' } },
        namespaceSelector: { any: true },
        endpoints: [{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }],
      },
    });
    monitor.validate();
    new ApiObject(this, 'vllm-service-monitor', asApiObject(monitor.toJSON() as Record<string, unknown>));
  }
}

/** Logs and cluster metrics in CloudWatch: Container Insights (amazon-cloudwatch-observability). */
export class CloudWatchChart extends PlatformComponentChart {
  constructor(scope: Construct, environment: ClusterSpec, gitops: GitOpsTarget) {
    super(scope, 'cloudwatch', [cloudwatchAddon(environment)], gitops, -35);
  }
}

function prometheusAddon(environment: ClusterSpec): HelmAddon {
  const vpc = environment.network.vpcCidr;
  return {
    name: 'kube-prometheus-stack',
    namespace: MONITORING_NAMESPACE,
    chart: { repository: 'https://prometheus-community.github.io/helm-charts', name: 'kube-prometheus-stack', version: '93.9.0' },
    // node-exporter reads the host's /proc and /sys with host networking.
    podSecurity: 'privileged',
    // The Prometheus CRD (~850 KB) is far over client-side apply's annotation limit.
    serverSideApply: true,
    otherNamespaces: ['kube-system'],
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...ADMISSION_WEBHOOKS],
    network: {
      ingress: [
        { name: 'prometheus-queries', peers: [{ namespace: 'keda' }], ports: [{ port: 9090 }] },
        { name: 'api-server-to-webhooks', peers: [{ cidr: vpc }], ports: [{ port: 10250 }] },
        { name: 'within-namespace', peers: [{ namespace: MONITORING_NAMESPACE }], ports: [{ port: 9090 }, { port: 8080 }, { port: 9100 }, { port: 10250 }] },
      ],
      // Scraping reaches pods and nodes anywhere in the VPC; the API server for discovery.
      egress: [{ name: 'scrape-targets', peers: [{ cidr: vpc }], ports: [{ port: 8000 }, { port: 8080 }, { port: 9022 }, { port: 9100 }, { port: 9400 }, { port: 10250 }, { port: 7979 }] }, HTTPS_ANYWHERE],
    },
    values: {
      grafana: { enabled: false },
      alertmanager: { enabled: false },
      prometheus: {
        prometheusSpec: {
          // Select every ServiceMonitor and PodMonitor, not only those labelled for this release.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          // Enough history for autoscaling and debugging; long-term metrics go to CloudWatch.
          retention: '2d',
          replicas: environment.highAvailability ? 2 : 1,
          resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
        },
      },
      // The node exporter runs on GPU nodes too.
      'prometheus-node-exporter': { tolerations: [{ operator: 'Exists' }] },
    },
  };
}

function cloudwatchAddon(environment: ClusterSpec): HelmAddon {
  const identity = CONTROLLER_IDENTITIES['cloudwatch-agent'];
  return {
    name: 'amazon-cloudwatch-observability',
    namespace: identity.namespace,
    chart: { repository: 'https://aws-observability.github.io/helm-charts', name: 'amazon-cloudwatch-observability', version: '6.6.0' },
    // Fluent Bit and the agent read node logs and metrics from host paths.
    podSecurity: 'privileged',
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...ADMISSION_WEBHOOKS],
    network: {
      ingress: [{ name: 'api-server-to-webhooks', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: 9443 }] }],
      egress: [HTTPS_ANYWHERE, POD_IDENTITY_AGENT, { name: 'kubelet', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: 10250 }] }],
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
