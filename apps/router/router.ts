import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { recommendedLabels, selectorLabels } from '../../platform/core/labels.js';
import type { Flow, Port } from '../../platform/core/network-policies.js';
import { toYaml } from '../../platform/core/yaml.js';
import { addPodSecurityGroup, dnsEgress, fromNodes, type Rule } from '../../platform/network/security-groups.js';
import { SERVING_PRIORITY_CLASS } from '../../platform/scheduling/scheduling.js';
import { spreadOverZones } from '../../platform/scheduling/zone-spread.js';
import type { ClusterSpec } from '../../platform/spec/cluster-spec.js';
import { GATEWAY_REQUEST_TIMEOUT_SECONDS } from '../../platform/spec/platform-spec.js';
import { imageReference, pullFrom, type PinnedImage } from '../../platform/core/images.js';
import { EPP_CONFIG_FILE, EPP_GRPC_PORT, EPP_HEALTH_PORT, EPP_METRICS_PORT, EPP_VERSION, endpointPickerConfig } from './endpoint-picker.js';
import {
  addPickerAccess,
  API_TOKEN_VOLUME,
  GRPC_PORT_NAME,
  pickerContainer,
  pickerPodBase,
  RESTRICTED,
  ROUTER_METRICS_PORT_NAME,
} from './picker-pod.js';
import { ENVOY_READY_PORT, ROUTER_PORT, envoyConfig } from './envoy-config.js';

/** Envoy, distroless (runs as nonroot 65532), the proxy half of the router; Docker Hub, through the ECR cache. */
export const ENVOY_IMAGE: PinnedImage = {
  repository: 'docker.io/envoyproxy/envoy',
  tag: 'distroless-v1.39.1',
  digest: 'sha256:eb2c01c13125d1629637cb4e4cce7207009fb7cc2c8027f9742758549d15b6f4',
};

export const ROUTER_PORT_NAME = 'http';
export const ENVOY_METRICS_PORT_NAME = 'envoy-metrics';
/** How long a router pod keeps serving after it is told to stop: the Service drops it meanwhile. */
const ROUTER_DRAIN_SECONDS = 15;

/** The router's labels (its own app, so the model's Service and pool never select it). */
export const routerIdentity = (model: string) => ({ name: 'router', instance: model, component: 'router' });
export const routerSelector = (model: string): Record<string, string> => selectorLabels(routerIdentity(model));
export const routerName = (model: string): string => `${model}-router`;
/** Where the gateway sends a model's requests: its router's OpenAI-compatible base URL. */
export const routerUrl = (model: string, namespace: string): string =>
  `http://${routerName(model)}.${namespace}.svc.cluster.local:${ROUTER_PORT}/v1`;

/** A model router's replica bounds in an environment: cluster.yaml gateway.routers, else 1 to 3 (2 to 3 where highly available). */
export function routerReplicas(environment: Pick<ClusterSpec, 'gateway' | 'highAvailability'>): { min: number; max: number } {
  return environment.gateway.routers?.replicas ?? { min: environment.highAvailability ? 2 : 1, max: 3 };
}

export interface RouterProps {
  readonly environment: ClusterSpec;
  /** The model's name: the InferencePool's, and the router's prefix. */
  readonly model: string;
  readonly namespace: string;
  /** Labels of the pods that serve the API (a multi-node model's leaders). */
  readonly servingSelector: Readonly<Record<string, string>>;
  readonly servingPort: number;
  /** Where the router's only clients run (the gateway): their namespace and pods' security group. */
  readonly clients: { readonly namespace: string; readonly securityGroup: string };
  /** The model server pods' security group (in `namespace`), which must admit the router's. */
  readonly replicas: { readonly min: number; readonly max: number };
  /** Hold requests while no replica can take them (a model that may scale to zero). */
  readonly holdWhenSaturated: boolean;
}

/** The router's security group (in the model's namespace), which the model server's admits. */
export const ROUTER_SECURITY_GROUP = 'router';

/**
 * The NetworkPolicy flows of a model's namespace that the router needs: the gateway reaches the
 * router only, the router reaches the model's pods (requests and their /metrics). The router reads pods and its pool from the API
 * server over HTTPS (the namespace's HTTPS egress).
 */
export function routerFlows(props: Pick<RouterProps, 'model' | 'namespace' | 'servingSelector' | 'servingPort' | 'clients'>): {
  ingress: Flow[];
  egress: Flow[];
} {
  const router = routerSelector(props.model);
  return {
    ingress: [
      { name: 'gateway-to-router', podLabels: router, peers: [{ namespace: props.clients.namespace }], ports: [{ port: ROUTER_PORT }] },
      {
        name: 'router-to-model',
        podLabels: { ...props.servingSelector },
        peers: [{ namespace: props.namespace, podLabels: router }],
        ports: [{ port: props.servingPort }],
      },
    ],
    egress: [
      {
        name: 'router-reaches-model',
        podLabels: router,
        peers: [{ namespace: props.namespace, podLabels: { ...props.servingSelector } }],
        ports: [{ port: props.servingPort }],
      },
    ],
  };
}

/** The router's ports Prometheus scrapes: the picker's metrics and Envoy's stats. */
export const ROUTER_SCRAPE_PORTS: readonly Port[] = [{ port: EPP_METRICS_PORT }, { port: ENVOY_READY_PORT }];

/** The model server's security-group rule that admits its router's pods. */
export function fromRouter(namespace: string, servingPort: number): Rule {
  return {
    port: servingPort,
    peer: { group: { name: ROUTER_SECURITY_GROUP, namespace } },
    description: 'router pods (requests and metrics)',
  };
}

/**
 * A model's inference router, in the model's namespace: an InferencePool selecting its serving
 * pods, and one Deployment of Envoy with the Inference Extension's endpoint picker beside it
 * (the extension's "standalone" layout: no Gateway API implementation needed, the ALB and the
 * gateway stay as they are). Per request the picker scores the pods the pool selects that are
 * Ready and not terminating, by waiting requests, KV-cache usage and cached prefix, and Envoy
 * sends the request to the one it picked. Scales on its own CPU (KEDA), never below two in an
 * environment that is highly available.
 */
export function addRouter(scope: Construct, props: RouterProps): void {
  const { environment, model, namespace } = props;
  const name = routerName(model);
  const selector = routerSelector(model);
  const labels = recommendedLabels({ ...routerIdentity(model), version: EPP_VERSION });
  const metadata = (objectName: string, extra: Record<string, unknown> = {}) => ({
    name: objectName,
    namespace,
    labels: { ...labels },
    ...extra,
  });
  const pickerConfig = toYaml(
    endpointPickerConfig({ holdWhenSaturated: props.holdWhenSaturated, holdSeconds: GATEWAY_REQUEST_TIMEOUT_SECONDS }),
  );
  const proxyConfig = toYaml(envoyConfig({ requestTimeoutSeconds: GATEWAY_REQUEST_TIMEOUT_SECONDS }));

  new ApiObject(scope, 'inference-pool', {
    apiVersion: 'inference.networking.k8s.io/v1',
    kind: 'InferencePool',
    metadata: metadata(model),
    spec: {
      selector: { matchLabels: { ...props.servingSelector } },
      targetPorts: [{ number: props.servingPort }],
      endpointPickerRef: { kind: 'Service', name, port: { number: EPP_GRPC_PORT }, failureMode: 'FailClose' },
    },
  });
  new ApiObject(scope, 'router-config', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(name),
    data: { [EPP_CONFIG_FILE]: pickerConfig, 'envoy.yaml': proxyConfig },
  });
  addPickerAccess(scope, 'router', metadata(name));

  const proxyResources = { cpu: '1', memory: '512Mi' };
  const readyProbe = (period: number, failures: number) => ({
    httpGet: { path: '/ready', port: ENVOY_METRICS_PORT_NAME },
    periodSeconds: period,
    failureThreshold: failures,
    timeoutSeconds: 2,
  });
  new ApiObject(scope, 'router-deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name),
    spec: {
      // No replicas: KEDA's HPA owns the count.
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels,
          annotations: { 'eks-llm-gitops.io/config-sha256': sha256(pickerConfig + proxyConfig) },
        },
        spec: {
          // The picker's token, for the API server (no other container mounts it).
          ...pickerPodBase(name, SERVING_PRIORITY_CLASS),
          terminationGracePeriodSeconds: GATEWAY_REQUEST_TIMEOUT_SECONDS + ROUTER_DRAIN_SECONDS,
          topologySpreadConstraints: spreadOverZones(selector),
          containers: [
            {
              name: 'envoy',
              image: imageReference({ repository: pullFrom(environment, ENVOY_IMAGE.repository), digest: ENVOY_IMAGE.digest }),
              imagePullPolicy: 'IfNotPresent',
              args: [
                '--config-path',
                '/etc/envoy/envoy.yaml',
                '--log-level',
                'warn',
                // Stop accepting at once when told to stop; streams already running may finish.
                '--drain-strategy',
                'immediate',
                '--drain-time-s',
                String(ROUTER_DRAIN_SECONDS),
              ],
              ports: [
                { name: ROUTER_PORT_NAME, containerPort: ROUTER_PORT, protocol: 'TCP' },
                { name: ENVOY_METRICS_PORT_NAME, containerPort: ENVOY_READY_PORT, protocol: 'TCP' },
              ],
              resources: { requests: proxyResources, limits: proxyResources },
              readinessProbe: readyProbe(5, 2),
              livenessProbe: readyProbe(10, 3),
              // The Service removes the pod before Envoy stops taking connections.
              lifecycle: { preStop: { sleep: { seconds: ROUTER_DRAIN_SECONDS } } },
              securityContext: RESTRICTED,
              volumeMounts: [{ name: 'config', mountPath: '/etc/envoy', readOnly: true }],
            },
            pickerContainer(model, namespace, ROUTER_DRAIN_SECONDS),
          ],
          volumes: [
            {
              name: 'config',
              configMap: {
                name,
                items: [
                  { key: 'envoy.yaml', path: 'envoy.yaml' },
                  { key: EPP_CONFIG_FILE, path: EPP_CONFIG_FILE },
                ],
              },
            },
            API_TOKEN_VOLUME,
          ],
        },
      },
    },
  });
  new ApiObject(scope, 'router-service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name),
    spec: {
      selector,
      ports: [
        { name: ROUTER_PORT_NAME, port: ROUTER_PORT, targetPort: ROUTER_PORT_NAME, protocol: 'TCP' },
        // The pool's endpointPickerRef: what a Gateway API implementation would call.
        { name: GRPC_PORT_NAME, port: EPP_GRPC_PORT, targetPort: GRPC_PORT_NAME, protocol: 'TCP' },
        { name: ROUTER_METRICS_PORT_NAME, port: EPP_METRICS_PORT, targetPort: ROUTER_METRICS_PORT_NAME, protocol: 'TCP' },
        { name: ENVOY_METRICS_PORT_NAME, port: ENVOY_READY_PORT, targetPort: ENVOY_METRICS_PORT_NAME, protocol: 'TCP' },
      ],
    },
  });
  new ApiObject(scope, 'router-disruption-budget', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(name),
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  });
  new ApiObject(scope, 'router-autoscaler', {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: metadata(name),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicaCount: props.replicas.min,
      maxReplicaCount: props.replicas.max,
      // Its own signal: the picker tokenises and hashes every prompt, so CPU tracks its load.
      triggers: [
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '60', containerName: 'endpoint-picker' } },
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '70', containerName: 'envoy' } },
      ],
    },
  });

  const vpc = { cidr: environment.network.vpcCidr };
  addPodSecurityGroup(scope, environment, {
    name: ROUTER_SECURITY_GROUP,
    namespace,
    awsName: `${environment.aws.clusterName}-${model}-router-pods`,
    description: `Router of ${model} in ${environment.name}: the gateway in; the model server pods and DNS out`,
    ingress: [
      {
        port: ROUTER_PORT,
        peer: { group: { name: props.clients.securityGroup, namespace: props.clients.namespace } },
        description: 'gateway pods',
      },
      fromNodes(environment, EPP_METRICS_PORT),
      fromNodes(environment, ENVOY_READY_PORT),
      fromNodes(environment, EPP_HEALTH_PORT),
    ],
    egress: [{ port: props.servingPort, peer: vpc, description: 'model server pods (requests and metrics)' }, ...dnsEgress(environment)],
    labels,
    podSelector: selector,
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
