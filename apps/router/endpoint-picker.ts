/**
 * The endpoint picker (EPP) of the Gateway API Inference Extension, as this project runs it: its
 * plugin configuration and command line, the one place they are written. The render puts them in
 * each model's router (router-chart.ts) and the routing test runs the real EPP with exactly these.
 *
 * Version: sigs.k8s.io/gateway-api-inference-extension v1.5.0, the newest release that still
 * ships the EPP (v1.6.0 moved it to llm-d/llm-d-router, which the Go module proxy does not serve
 * here). Flags: pkg/epp/server/options.go; plugins: config/charts/epplib/templates/_config.yaml.
 */

export const EPP_VERSION = 'v1.5.0';

/** ext-proc gRPC (Envoy asks it where each request goes). */
export const EPP_GRPC_PORT = 9002;
/** gRPC health (the kubelet's probes). */
export const EPP_HEALTH_PORT = 9003;
/** The picker's own Prometheus metrics. */
export const EPP_METRICS_PORT = 9090;
/** The gRPC health service name the probes ask for (a single replica, no leader election). */
export const EPP_HEALTH_SERVICE = 'inference-extension';
/** Where the plugin configuration is mounted. */
export const EPP_CONFIG_DIR = '/config';
export const EPP_CONFIG_FILE = 'endpoint-picker.yaml';

export interface PickerOptions {
  /**
   * Hold requests in the picker's flow-control queue while no replica can take them (none ready,
   * or all saturated) instead of failing them: what lets a model at zero replicas receive its
   * first request while KEDA starts one (inference_extension_flow_control_queue_size wakes it).
   */
  readonly holdWhenSaturated: boolean;
  /** How long a held request waits before the picker fails it (seconds). */
  readonly holdSeconds: number;
}

/** Scorer weights: load (queue and KV cache) against prefix-cache affinity, upstream's defaults. */
export const SCORER_WEIGHTS = { queue: 2, kvCache: 2, prefixCache: 3 } as const;

/**
 * The EndpointPickerConfig: score every ready pod by its waiting requests, its KV-cache usage and
 * how much of the prompt's prefix it has cached (hashed blocks of the prompt it was sent before),
 * then take the highest score. Metrics come from each pod's vLLM /metrics, by the vLLM names.
 */
export function endpointPickerConfig(options: PickerOptions): Record<string, unknown> {
  return {
    apiVersion: 'inference.networking.x-k8s.io/v1alpha1',
    kind: 'EndpointPickerConfig',
    ...(options.holdWhenSaturated ? { featureGates: ['flowControl'] } : {}),
    plugins: [
      { type: 'queue-scorer' },
      { type: 'kv-cache-utilization-scorer' },
      { type: 'prefix-cache-scorer' },
      { type: 'metrics-data-source', parameters: { scheme: 'http', path: '/metrics', insecureSkipVerify: false } },
      { type: 'core-metrics-extractor' },
    ],
    schedulingProfiles: [
      {
        name: 'default',
        plugins: [
          { pluginRef: 'queue-scorer', weight: SCORER_WEIGHTS.queue },
          { pluginRef: 'kv-cache-utilization-scorer', weight: SCORER_WEIGHTS.kvCache },
          { pluginRef: 'prefix-cache-scorer', weight: SCORER_WEIGHTS.prefixCache },
        ],
      },
    ],
    ...(options.holdWhenSaturated ? { flowControl: { defaultRequestTTL: `${options.holdSeconds}s` } } : {}),
  };
}

/** The picker's three ports. */
export interface PickerPorts {
  readonly grpc: number;
  readonly health: number;
  readonly metrics: number;
}

/** The ports the picker listens on in its pod. */
export const EPP_PORTS: PickerPorts = { grpc: EPP_GRPC_PORT, health: EPP_HEALTH_PORT, metrics: EPP_METRICS_PORT };

/**
 * The picker's command line for the InferencePool `pool` in `namespace`. `ports` is for a picker
 * that shares a host with others (the routing test runs it on free loopback ports).
 */
export function endpointPickerArgs(pool: string, namespace: string, ports: PickerPorts = EPP_PORTS): string[] {
  return [
    `--pool-name=${pool}`,
    `--pool-namespace=${namespace}`,
    '--pool-group=inference.networking.k8s.io',
    `--grpc-port=${ports.grpc}`,
    `--grpc-health-port=${ports.health}`,
    `--metrics-port=${ports.metrics}`,
    // Prometheus reaches the metrics port only through the NetworkPolicy; no token review per scrape.
    '--metrics-endpoint-auth=false',
    '--tracing=false',
    '--zap-encoder=json',
    `--config-file=${EPP_CONFIG_DIR}/${EPP_CONFIG_FILE}`,
  ];
}
