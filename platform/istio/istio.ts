import type { ClusterSpec } from '../spec/cluster-spec.js';
import { kindsOf, type PlatformComponent } from '../core/component.js';
import { pullFrom } from '../core/images.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { HTTPS_ANYWHERE, scrapedBy } from '../core/network-policies.js';
import { toYaml } from '../core/yaml.js';
import { ADMISSION_WEBHOOKS, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';

/**
 * Istio, as the Gateway API implementation of the models' canary routers only (no sidecars, no
 * mesh): istiod deploys one Envoy Deployment per Gateway (apps/router/gateway-router.ts), in the
 * Gateway's namespace, and sends each its routes, the InferencePools included
 * (ENABLE_GATEWAY_API_INFERENCE_EXTENSION).
 *
 * 1.31.4, not the 1.29.2 of llm-d's Istio guide: before the fix for istio#61594 (PR #61601,
 * backported to 1.29, 1.30 and 1.31 on 2026-09-21) a rule with two InferencePools asked only
 * the last pool's endpoint picker, so the stable share lost its load-aware picking and an empty
 * canary pool failed the whole rule. 1.31.4 (API tag of 2026-10-21) is the newest patch served
 * here cut after the backport; 1.29 is out of support since 2026-10-15. The Inference
 * Extension's conformance report for v1.5.0 runs Istio 1.30.1 with Gateway API v1.5.1.
 * Charts: https://istio-release.storage.googleapis.com/charts, `base` (CRDs, the default
 * validator) and `istiod` (values of manifests/charts/istio-control/istio-discovery).
 */
export const ISTIO_VERSION = '1.31.4';
export const ISTIO_NAMESPACE = 'istio-system';
const ISTIO_CHARTS = 'https://istio-release.storage.googleapis.com/charts';

/** The GatewayClass istiod creates for its own gateways. */
export const ISTIO_GATEWAY_CLASS = 'istio';

/**
 * Ports of a gateway's Envoy pod (istio-discovery files/kube-gateway.yaml): readiness on status,
 * Envoy's and the agent's merged metrics, and istiod's xDS (where the pod connects to).
 */
export const ISTIO_GATEWAY_PORTS = { status: 15021, metrics: 15020, envoyMetrics: 15090, xds: 15012 } as const;
/** istiod's ports: xDS with TLS, its metrics, and its webhooks (the API server calls them). */
const ISTIOD = { xds: 15012, metrics: 15014, webhook: 15017 } as const;
/** istiod's pods (the chart's Deployment template). */
export const ISTIOD_POD_LABELS = { app: 'istiod' };

/**
 * The overlays a Gateway's parametersRef ConfigMap gives istiod for the Deployment, the
 * autoscaler and the disruption budget it creates (deploymentcontroller.go supportedOverlays;
 * the autoscaler and budget exist only when given). Strategic-merge YAML, one per key.
 */
export function istioGatewayParameters(options: {
  readonly replicas: { readonly min: number; readonly max: number };
  readonly priorityClassName: string;
}): Record<string, string> {
  const resources = { cpu: '1', memory: '512Mi' };
  return {
    deployment: toYaml({
      spec: {
        template: {
          spec: {
            priorityClassName: options.priorityClassName,
            containers: [{ name: 'istio-proxy', resources: { requests: resources, limits: resources } }],
          },
        },
      },
    }),
    horizontalPodAutoscaler: toYaml({
      spec: {
        minReplicas: options.replicas.min,
        maxReplicas: options.replicas.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    }),
    podDisruptionBudget: toYaml({ spec: { maxUnavailable: 1 } }),
    // Inside the cluster only: the gateway (LiteLLM) reaches it through the router's Service; Istio's default is a LoadBalancer.
    service: toYaml({ spec: { type: 'ClusterIP' } }),
  };
}

/** The namespaces whose gateways connect to istiod: the models' (their canary routers). */
function gatewayNamespaces(environment: ClusterSpec): string[] {
  return Object.keys(environment.models)
    .sort()
    .map((model) => `llm-${model}`);
}

export function istioAddons(environment: ClusterSpec): HelmAddon[] {
  const replicas = environment.highAvailability ? 2 : 1;
  const restricted = { seccompProfile: { type: 'RuntimeDefault' } };
  const network = {
    ingress: [
      // The API server calls the validation webhook (Istio's own CRDs) from the VPC.
      {
        name: 'api-server-to-webhooks',
        podLabels: ISTIOD_POD_LABELS,
        peers: [{ cidr: environment.network.vpcCidr }],
        ports: [{ port: ISTIOD.webhook }],
      },
      {
        name: 'gateways-to-istiod',
        podLabels: ISTIOD_POD_LABELS,
        peers: gatewayNamespaces(environment).map((namespace) => ({
          namespace,
          podLabels: { 'gateway.networking.k8s.io/gateway-class-name': ISTIO_GATEWAY_CLASS },
        })),
        ports: [{ port: ISTIOD.xds }],
      },
      scrapedBy([{ port: ISTIOD.metrics }]),
    ],
    // istiod watches the API server; nothing else leaves.
    egress: [HTTPS_ANYWHERE],
  };
  return [
    {
      name: 'istio-base',
      namespace: ISTIO_NAMESPACE,
      chart: { repository: ISTIO_CHARTS, name: 'base', version: ISTIO_VERSION },
      podSecurity: 'restricted',
      // Istio's CRDs are larger than client-side apply can annotate.
      serverSideApply: true,
      clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...ADMISSION_WEBHOOKS],
      network,
      // Istio's charts default to Ignore and istiod switches it to Fail once it serves: say Fail, so Argo CD sees no drift.
      values: { base: { validationFailurePolicy: 'Fail' } },
    },
    {
      name: 'istiod',
      namespace: ISTIO_NAMESPACE,
      chart: { repository: ISTIO_CHARTS, name: 'istiod', version: ISTIO_VERSION },
      podSecurity: 'restricted',
      serverSideApply: true,
      clusterResources: [...CLUSTER_RBAC, ...ADMISSION_WEBHOOKS],
      network,
      values: {
        // Docker Hub images through the account's ECR pull-through cache (istiod and the gateways' proxyv2).
        global: {
          hub: pullFrom(environment, 'docker.io/istio'),
          tag: ISTIO_VERSION,
          imagePullPolicy: 'IfNotPresent',
          logAsJson: true,
        },
        pilot: {
          replicaCount: replicas,
          autoscaleEnabled: false,
          resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
          seccompProfile: restricted.seccompProfile,
          env: { ENABLE_GATEWAY_API_INFERENCE_EXTENSION: 'true' },
        },
        // Gateways Istio deploys meet Pod Security "restricted" (their pods set only the unprivileged-port sysctl otherwise).
        gateways: { seccompProfile: restricted.seccompProfile },
        base: { validationFailurePolicy: 'Fail' },
        // No sidecars: nothing here is injected, and the namespaces carry no injection label.
        sidecarInjectorWebhook: { enableNamespacesByDefault: false },
      },
    },
  ];
}

export const istio: PlatformComponent = {
  name: 'istio',
  installs: kindsOf('networking.istio.io', 'DestinationRule'),
  needs: [],
  build: (scope, { environment, gitops }) => new AddonChart(scope, 'istio', { gitops, addons: istioAddons(environment) }),
};
