import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { recommendedLabels, selectorLabels } from '../../platform/core/labels.js';
import { toYaml } from '../../platform/core/yaml.js';
import type { Flow, Port } from '../../platform/core/network-policies.js';
import {
  ISTIO_GATEWAY_CLASS,
  ISTIO_GATEWAY_PORTS,
  ISTIO_NAMESPACE,
  ISTIOD_POD_LABELS,
  istioGatewayParameters,
} from '../../platform/istio/istio.js';
import { addPodSecurityGroup, dnsEgress, fromNodes } from '../../platform/network/security-groups.js';
import { WEIGHTS_WRITER_ANNOTATION } from '../../platform/gitops/controller-owned.js';
import { SERVING_PRIORITY_CLASS } from '../../platform/scheduling/scheduling.js';
import { spreadOverZones } from '../../platform/scheduling/zone-spread.js';
import { GATEWAY_REQUEST_TIMEOUT_SECONDS } from '../../platform/spec/platform-spec.js';
import { canaryRouteName, TRACK_LABEL, trackName, TRACKS, type Track } from './tracks.js';
import { EPP_CONFIG_FILE, EPP_GRPC_PORT, EPP_HEALTH_PORT, EPP_METRICS_PORT, EPP_VERSION, endpointPickerConfig } from './endpoint-picker.js';
import {
  addPickerAccess,
  API_TOKEN_VOLUME,
  GRPC_PORT_NAME,
  pickerContainer,
  pickerPodBase,
  ROUTER_METRICS_PORT_NAME,
} from './picker-pod.js';
import { ROUTER_PORT } from './envoy-config.js';
import { ROUTER_PORT_NAME, ROUTER_SECURITY_GROUP, routerIdentity, routerName, routerSelector, type RouterProps } from './router.js';

/*
 * The router of a model with canaries (the Inference Extension's "gateway mode"): a Gateway of
 * its own (Istio, platform/istio/), whose HTTPRoute sends each request to one of two
 * InferencePools by weight, the stable track's and the canary's; each pool has its endpoint
 * picker, which Istio's Envoy asks over ext_proc which pod of the pool takes the request. Argo
 * Rollouts' Gateway API plugin writes the weights (apps/model-server/canary.ts). The gateway
 * pods carry the router's labels and sit behind the router's Service, so the gateway (LiteLLM),
 * its network policies and the model server's security group see the same router as a
 * standalone one.
 */

/** A track's picker: its Deployment, Service, config and service account. */
export const pickerName = (model: string, track: Track): string => `${trackName(model, track)}-picker`;
/** The pickers' own labels (not the router's: the router's Service must not select them). */
export const pickerIdentity = (model: string) => ({ name: 'endpoint-picker', instance: model, component: 'router' });
export const pickerSelector = (model: string, track: Track): Record<string, string> => ({
  ...selectorLabels(pickerIdentity(model)),
  [TRACK_LABEL]: track,
});

/** How long a picker pod keeps serving after it is told to stop. */
const PICKER_DRAIN_SECONDS = 15;

export interface GatewayRouterProps extends RouterProps {
  /**
   * The canary track's share of the requests as rendered: 0 where Argo Rollouts' plugin moves the
   * weights (a Rollout), the staged canary's share where git sets them (a LeaderWorkerSet).
   */
  readonly canaryWeight: number;
  /**
   * The controller that writes the route's weights after Argo CD creates it, when it is not a
   * Rollout's plugin (a staged canary's guard): named on the route (WEIGHTS_WRITER_ANNOTATION).
   * @default none
   */
  readonly weightsWriter?: string;
}

export function addGatewayRouter(scope: Construct, props: GatewayRouterProps): void {
  const { environment, model, namespace } = props;
  const name = routerName(model);
  const routerLabels = recommendedLabels({ ...routerIdentity(model), version: EPP_VERSION });
  const metadata = (objectName: string, labels: Record<string, string> = routerLabels) => ({
    name: objectName,
    namespace,
    labels: { ...labels },
  });

  // The Gateway: Istio deploys its Envoy pods (<name>-istio) with the router's labels, a
  // ClusterIP Service and the replicas, disruption budget and autoscaler of its parameters.
  const parameters = `${name}-gateway`;
  new ApiObject(scope, 'gateway-parameters', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(parameters),
    data: istioGatewayParameters({ replicas: props.replicas, priorityClassName: SERVING_PRIORITY_CLASS }),
  });
  new ApiObject(scope, 'gateway', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: metadata(name),
    spec: {
      gatewayClassName: ISTIO_GATEWAY_CLASS,
      infrastructure: {
        // The router's labels on Istio's Envoy pods: its Service, the NetworkPolicies and its security group select them.
        labels: { ...routerSelector(model), 'app.kubernetes.io/component': 'router' },
        parametersRef: { group: '', kind: 'ConfigMap', name: parameters },
      },
      listeners: [{ name: ROUTER_PORT_NAME, port: ROUTER_PORT, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
    },
  });
  new ApiObject(scope, 'route', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      ...metadata(canaryRouteName(model)),
      ...(props.weightsWriter ? { annotations: { [WEIGHTS_WRITER_ANNOTATION]: props.weightsWriter } } : {}),
    },
    spec: {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name, sectionName: ROUTER_PORT_NAME }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          // All to the stable track at rest. During a Rollout's canary, Argo Rollouts' plugin moves
          // the weights, matching these backendRefs by name to the Rollout's stable and canary
          // Services; for a staged canary, these are git's share when Argo CD creates the route,
          // and the canary guard writes them after (apps/canary-guard/).
          backendRefs: TRACKS.map((track) => ({
            group: 'inference.networking.k8s.io',
            kind: 'InferencePool',
            name: trackName(model, track),
            weight: track === 'stable' ? 100 - props.canaryWeight : props.canaryWeight,
          })),
          timeouts: { request: `${GATEWAY_REQUEST_TIMEOUT_SECONDS}s` },
        },
      ],
    },
  });
  // The router's Service, in front of the gateway pods: the gateway's URL for the model stays.
  // Labelled as Istio's gateway, not as a static router: Prometheus scrapes these pods by PodMonitor.
  new ApiObject(scope, 'router-service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name, { ...routerLabels, 'app.kubernetes.io/name': 'istio-gateway' }),
    spec: {
      selector: routerSelector(model),
      ports: [{ name: ROUTER_PORT_NAME, port: ROUTER_PORT, targetPort: ROUTER_PORT, protocol: 'TCP' }],
    },
  });

  for (const track of TRACKS) addTrack(scope, props, track);

  const vpc = { cidr: environment.network.vpcCidr };
  addPodSecurityGroup(scope, environment, {
    name: ROUTER_SECURITY_GROUP,
    namespace,
    awsName: `${environment.aws.clusterName}-${model}-router-pods`,
    description: `Router of ${model} in ${environment.name}: the gateway in; pickers, istiod, the model server pods and DNS out`,
    ingress: [
      {
        port: ROUTER_PORT,
        peer: { group: { name: props.clients.securityGroup, namespace: props.clients.namespace } },
        description: 'gateway pods',
      },
      // Envoy reaches the pickers (ext_proc) through the cluster security group both carry, which
      // admits its members (this group cannot name itself: ACK would wait on its own id); the
      // NetworkPolicy admits only the Envoy pods. Then the nodes' probes and scrapes.
      fromNodes(environment, EPP_METRICS_PORT),
      fromNodes(environment, EPP_HEALTH_PORT),
      fromNodes(environment, ISTIO_GATEWAY_PORTS.status),
      fromNodes(environment, ISTIO_GATEWAY_PORTS.metrics),
      fromNodes(environment, ISTIO_GATEWAY_PORTS.envoyMetrics),
    ],
    egress: [
      { port: props.servingPort, peer: vpc, description: 'model server pods (requests and metrics)' },
      { port: EPP_GRPC_PORT, peer: vpc, description: 'the pickers (ext_proc)' },
      { port: ISTIO_GATEWAY_PORTS.xds, peer: vpc, description: 'istiod (configuration)' },
      ...dnsEgress(environment),
    ],
    labels: routerLabels,
    // Istio's Envoy pods and both pickers.
    podSelector: { 'app.kubernetes.io/instance': model, 'app.kubernetes.io/component': 'router' },
  });
}

/** One track: its InferencePool, and the picker that scores the pool's pods. */
function addTrack(scope: Construct, props: RouterProps, track: Track): void {
  const { model, namespace } = props;
  const pool = trackName(model, track);
  const name = pickerName(model, track);
  const selector = pickerSelector(model, track);
  const labels = { ...recommendedLabels({ ...pickerIdentity(model), version: EPP_VERSION }), [TRACK_LABEL]: track };
  const metadata = { name, namespace, labels };
  const config = toYaml(endpointPickerConfig({ holdWhenSaturated: false, holdSeconds: GATEWAY_REQUEST_TIMEOUT_SECONDS }));

  new ApiObject(scope, `${track}-inference-pool`, {
    apiVersion: 'inference.networking.k8s.io/v1',
    kind: 'InferencePool',
    metadata: { ...metadata, name: pool },
    spec: {
      // The track's pods: Argo Rollouts labels each pod with its track (ephemeral metadata); a
      // staged canary's LeaderWorkerSets carry it in their pod templates.
      selector: { matchLabels: { ...props.servingSelector, [TRACK_LABEL]: track } },
      targetPorts: [{ number: props.servingPort }],
      endpointPickerRef: { kind: 'Service', name, port: { number: EPP_GRPC_PORT }, failureMode: 'FailClose' },
    },
  });
  new ApiObject(scope, `${track}-picker-config`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata,
    data: { [EPP_CONFIG_FILE]: config },
  });
  addPickerAccess(scope, `${track}-picker`, metadata);
  new ApiObject(scope, `${track}-picker-deployment`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      // Fixed, not autoscaled: a picker's work per request is small next to Envoy's. Each replica
      // keeps its own prefix-cache view, as each static router's picker does.
      replicas: props.replicas.min,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { 'eks-llm-gitops.io/config-sha256': createHash('sha256').update(config).digest('hex') } },
        spec: {
          ...pickerPodBase(name, SERVING_PRIORITY_CLASS),
          terminationGracePeriodSeconds: PICKER_DRAIN_SECONDS + 15,
          topologySpreadConstraints: spreadOverZones(selector),
          containers: [pickerContainer(pool, namespace, PICKER_DRAIN_SECONDS)],
          volumes: [{ name: 'config', configMap: { name, items: [{ key: EPP_CONFIG_FILE, path: EPP_CONFIG_FILE }] } }, API_TOKEN_VOLUME],
        },
      },
    },
  });
  new ApiObject(scope, `${track}-picker-disruption-budget`, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata,
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  });
  new ApiObject(scope, `${track}-picker-service`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      selector,
      ports: [
        // gRPC: Istio speaks HTTP/2 to it.
        { name: GRPC_PORT_NAME, port: EPP_GRPC_PORT, targetPort: GRPC_PORT_NAME, protocol: 'TCP', appProtocol: 'http2' },
        { name: ROUTER_METRICS_PORT_NAME, port: EPP_METRICS_PORT, targetPort: ROUTER_METRICS_PORT_NAME, protocol: 'TCP' },
      ],
    },
  });
  // The picker serves ext_proc with a certificate of its own making: TLS, not verified (the
  // Inference Extension's Istio setup, config/charts/inferencepool); the network policy and the
  // security group decide who reaches it.
  new ApiObject(scope, `${track}-picker-tls`, {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata,
    spec: {
      host: `${name}.${namespace}.svc.cluster.local`,
      trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: true } },
    },
  });
}

/**
 * The NetworkPolicy flows a canary router needs beyond a standalone one's (routerFlows): the
 * Envoy pods reach the pickers (ext_proc) and istiod (their configuration), the pickers read the
 * model's pods' metrics, and Prometheus scrapes the Envoy pods and the pickers.
 */
export function gatewayRouterFlows(props: Pick<RouterProps, 'model' | 'namespace' | 'servingSelector' | 'servingPort'>): {
  ingress: Flow[];
  egress: Flow[];
  scrapePorts: Port[];
} {
  const router = routerSelector(props.model);
  const pickers = selectorLabels(pickerIdentity(props.model));
  const serving = { ...props.servingSelector };
  const within = (name: string, podLabels: Record<string, string>, peer: Record<string, string>, port: number): Flow => ({
    name,
    podLabels,
    peers: [{ namespace: props.namespace, podLabels: peer }],
    ports: [{ port }],
  });
  return {
    ingress: [within('router-to-pickers', pickers, router, EPP_GRPC_PORT), within('pickers-to-model', serving, pickers, props.servingPort)],
    egress: [
      within('router-reaches-pickers', router, pickers, EPP_GRPC_PORT),
      {
        name: 'router-reaches-istiod',
        podLabels: router,
        peers: [{ namespace: ISTIO_NAMESPACE, podLabels: ISTIOD_POD_LABELS }],
        ports: [{ port: ISTIO_GATEWAY_PORTS.xds }],
      },
      within('pickers-reach-model', pickers, serving, props.servingPort),
    ],
    scrapePorts: [{ port: ISTIO_GATEWAY_PORTS.metrics }, { port: ISTIO_GATEWAY_PORTS.envoyMetrics }, { port: EPP_METRICS_PORT }],
  };
}
