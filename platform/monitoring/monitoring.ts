import { ApiObject } from 'cdk8s';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { asApiObject } from '../core/api-object.js';
import { AFTER_OWN_CHART } from '../core/gitops-constants.js';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { HTTPS_ANYWHERE, MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS } from '../core/network-policies.js';
import { ADMISSION_WEBHOOKS, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';

/** The in-cluster Prometheus that KEDA's Prometheus triggers query (kube-prometheus-stack's Service). */
export const PROMETHEUS_URL = `http://kube-prometheus-stack-prometheus.${MONITORING_NAMESPACE}.svc:9090`;

/**
 * The label of every model's canary guard (apps/canary-guard/): the pods in a model namespace that
 * may query Prometheus.
 */
export const CANARY_GUARD_POD_LABELS = { 'app.kubernetes.io/name': 'canary-guard' } as const;

/**
 * The model server's pod labels Prometheus copies onto every series it scrapes from it (the
 * vllm ServiceMonitor's podTargetLabels), by the label name they get in Prometheus.
 */
export const POD_TARGET_LABELS = {
  /** app.kubernetes.io/version: the model version a pod serves. */
  version: { pod: 'app.kubernetes.io/version', prometheus: 'app_kubernetes_io_version' },
  /** rollouts-pod-template-hash: which ReplicaSet of a Rollout (canary or stable) a pod is in. */
  podTemplateHash: { pod: 'rollouts-pod-template-hash', prometheus: 'rollouts_pod_template_hash' },
  /** eks-llm-gitops.io/track: a canary's pods or the stable ones (apps/router/tracks.ts). */
  track: { pod: 'eks-llm-gitops.io/track', prometheus: 'eks_llm_gitops_io_track' },
} as const;

/**
 * Metrics: kube-prometheus-stack (the Prometheus operator and one Prometheus that scrapes the
 * model servers and the DCGM exporter, and that KEDA queries) and a ServiceMonitor for every
 * model server.
 */
export class MonitoringChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops, addons: [prometheusAddon(props.environment, props.evidenceHours ?? 0)] });
    const monitor = new ServiceMonitor({
      metadata: {
        name: 'vllm',
        namespace: MONITORING_NAMESPACE,
        labels: { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'observability' },
        // Its CRD comes with kube-prometheus-stack in this same sync.
        annotations: { ...AFTER_OWN_CHART },
      },
      spec: {
        // Every model server, in whatever namespace: their Services carry these labels.
        selector: { matchLabels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/component': 'model-server' } },
        namespaceSelector: { any: true },
        // Each series says which model version (and which Rollout ReplicaSet) served it: the
        // canary analysis and the promotion evidence judge one version by these.
        podTargetLabels: Object.values(POD_TARGET_LABELS).map((l) => l.pod),
        endpoints: [{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }],
      },
    });
    monitor.validate();
    new ApiObject(this, 'vllm-service-monitor', asApiObject(monitor.toJSON() as Record<string, unknown>));
    // Every model's router (apps/router/): the endpoint picker's metrics (its held requests wake
    // a model at zero replicas) and Envoy's.
    const routers = new ServiceMonitor({
      metadata: monitorMetadata('router'),
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'router', 'app.kubernetes.io/component': 'router' } },
        namespaceSelector: { any: true },
        endpoints: [
          { port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '10s' },
          { port: 'envoy-metrics', path: '/stats/prometheus', interval: '15s', scrapeTimeout: '10s' },
        ],
      },
    });
    routers.validate();
    new ApiObject(this, 'router-service-monitor', asApiObject(routers.toJSON() as Record<string, unknown>));
    // A canary router's two endpoint pickers (apps/router/gateway-router.ts), and the Envoy pods
    // Istio deploys for its Gateway (no Service of ours exposes their stats port).
    const pickers = new ServiceMonitor({
      metadata: monitorMetadata('endpoint-picker'),
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'endpoint-picker', 'app.kubernetes.io/component': 'router' } },
        namespaceSelector: { any: true },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }],
      },
    });
    pickers.validate();
    new ApiObject(this, 'picker-service-monitor', asApiObject(pickers.toJSON() as Record<string, unknown>));
    // A multi-node model's canary guard (apps/canary-guard/): the share it wrote, a canary taken out.
    if (props.environment.canary) {
      const guards = new ServiceMonitor({
        metadata: monitorMetadata('canary-guard'),
        spec: {
          selector: { matchLabels: { ...CANARY_GUARD_POD_LABELS } },
          namespaceSelector: { any: true },
          endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
        },
      });
      guards.validate();
      new ApiObject(this, 'canary-guard-service-monitor', asApiObject(guards.toJSON() as Record<string, unknown>));
    }
    const gateways = new PodMonitor({
      metadata: monitorMetadata('istio-gateway'),
      spec: {
        selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-class-name': 'istio' } },
        namespaceSelector: { any: true },
        podMetricsEndpoints: [{ port: 'http-envoy-prom', path: '/stats/prometheus', interval: '15s', scrapeTimeout: '10s' }],
      },
    });
    gateways.validate();
    new ApiObject(this, 'istio-gateway-pod-monitor', asApiObject(gateways.toJSON() as Record<string, unknown>));
  }
}

/** A monitor of ours: in the monitoring namespace, after the chart that brings its CRD. */
function monitorMetadata(name: string) {
  return {
    name,
    namespace: MONITORING_NAMESPACE,
    labels: { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'observability' },
    annotations: { ...AFTER_OWN_CHART },
  };
}

/**
 * How long Prometheus keeps samples: two days for autoscaling and debugging, or the longest soak
 * a promotion reads here plus a day (so a soak that ended overnight is still all there).
 */
export function prometheusRetention(evidenceHours: number): string {
  return `${Math.max(2, Math.ceil(evidenceHours / 24) + 1)}d`;
}

/** kube-prometheus-stack's monitors of the control plane's own processes (values.yaml keys). */
export const EKS_CONTROL_PLANE_MONITORS = ['kubeControllerManager', 'kubeScheduler', 'kubeEtcd'] as const;

function prometheusAddon(environment: ClusterSpec, evidenceHours: number): HelmAddon {
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
        {
          name: 'prometheus-queries',
          podLabels: PROMETHEUS_POD_LABELS,
          // KEDA's triggers, the canary analysis, and each model's canary guard (a multi-node model's).
          peers: [
            { namespace: 'keda' },
            { namespace: 'argo-rollouts' },
            ...(environment.canary ? Object.keys(environment.models).sort() : []).map((model) => ({
              namespace: `llm-${model}`,
              podLabels: CANARY_GUARD_POD_LABELS,
            })),
          ],
          ports: [{ port: 9090 }],
        },
        { name: 'api-server-to-webhooks', peers: [{ cidr: vpc }], ports: [{ port: 10250 }] },
        {
          name: 'within-namespace',
          peers: [{ namespace: MONITORING_NAMESPACE }],
          ports: [{ port: 9090 }, { port: 8080 }, { port: 9100 }, { port: 10250 }],
        },
      ],
      // Scraping reaches pods and nodes anywhere in the VPC; the API server for discovery.
      egress: [
        {
          name: 'scrape-targets',
          podLabels: PROMETHEUS_POD_LABELS,
          peers: [{ cidr: vpc }],
          // 9090 and 19001: each model router's endpoint picker and Envoy (apps/router/); 15090: the
          // Envoy of a canary's Gateway (Istio); 8090: the Argo Rollouts controller (its chart's
          // ServiceMonitor); 9153 and 10249: CoreDNS and kube-proxy (this chart's coreDns and
          // kubeProxy monitors). The network-flow gate checks every monitor's target against this list.
          ports: [
            { port: 8000 },
            { port: 8080 },
            { port: 9100 },
            { port: 9400 },
            { port: 10250 },
            { port: 7979 },
            { port: 9090 },
            { port: 19001 },
            { port: 15090 },
            { port: 8090 },
            { port: 9153 },
            { port: 10249 },
          ],
        },
        HTTPS_ANYWHERE,
      ],
    },
    values: {
      grafana: { enabled: false },
      alertmanager: { enabled: false },
      prometheus: {
        prometheusSpec: {
          // Select every ServiceMonitor and PodMonitor, not only those labelled for this release.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          // Enough history for autoscaling, debugging and the promotion evidence of every soak
          // read here; long-term metrics go to CloudWatch.
          retention: prometheusRetention(evidenceHours),
          replicas: environment.highAvailability ? 2 : 1,
          resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
        },
      },
      // The node exporter runs on GPU nodes too.
      'prometheus-node-exporter': { tolerations: [{ operator: 'Exists' }] },
      // EKS runs the control plane off the cluster: no pod matches these monitors' Services, so
      // their targets never exist and the chart's KubeControllerManagerDown, KubeSchedulerDown
      // and etcd alerts (absent(up{...} == 1)) would fire for ever. The API server's own monitor
      // (kubeApiServer) stays.
      ...Object.fromEntries(EKS_CONTROL_PLANE_MONITORS.map((key) => [key, { enabled: false }])),
    },
  };
}

export const monitoring: PlatformComponent = {
  name: 'monitoring',
  installs: kindsOf('monitoring.coreos.com', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule'),
  needs: kindsOf('monitoring.coreos.com', 'ServiceMonitor', 'PodMonitor'),
  build: (scope, props) => new MonitoringChart(scope, 'monitoring', props),
};
