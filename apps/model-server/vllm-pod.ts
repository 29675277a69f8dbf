import { k8s } from 'cdk8s-plus-27';
import type { ModelSpec } from '../models/model-spec.js';
import { formatBytes, parseBytes } from '../../platform/spec/quantity.js';
import { CACHE_FILL_SCRIPT } from './cache-fill.js';
import { AWS_CLI_IMAGE, imageReference } from './images.js';
import { STARTUP_PERIOD_SECONDS, startupBudgetSeconds, stopTimings } from './time-budgets.js';
import { vllmFlagArgs } from '../models/vllm-flags.js';
import { MODEL_CACHE_OWNER_ID } from '../../platform/storage/storage.js';
import { identityEnv } from '../../platform/core/container-identity.js';

/** The port vLLM serves the OpenAI-compatible API and /metrics on. */
export const SERVING_PORT = 8000;
export const SERVING_PORT_NAME = 'http';

/** Where the model cache volume is mounted; each version is a folder in it. */
export const CACHE_MOUNT = '/model-cache';

/** UID/GID the containers run as: the owner of the cache's EFS access points. */
export const RUN_AS_ID = MODEL_CACHE_OWNER_ID;

/** The GPU resource the NVIDIA device plugin advertises, and the taint GPU nodes carry. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

export interface VllmPodOptions {
  readonly model: ModelSpec;
  readonly version: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly serviceAccountName: string;
  readonly cacheClaimName: string;
  readonly nodePool: string;
  /** Instance families the pods may land on: the model's, narrowed to the environment's. */
  readonly instanceFamilies: readonly string[];
  /** Region of the S3 client that fills the cache (the cluster's). */
  readonly awsRegion: string;
  /** The engine's repository as nodes pull it (Docker Hub through the ECR pull-through cache: `pullFrom`). */
  readonly engineRepository: string;
  readonly priorityClassName: string;
}

/** Shared memory: the catalogue's value, else 2 GiB per GPU (vLLM's advice for tensor parallelism). */
export function shmBytes(model: ModelSpec): number {
  return model.resources.shm === undefined ? model.gpu.count * 2 ** 31 : (parseBytes(model.resources.shm) as number);
}

/**
 * The memory limit: the server's own memory plus /dev/shm, because a memory-backed emptyDir is
 * charged to the container's memory cgroup; without this an active shm would OOM-kill the server.
 */
export function memoryLimitBytes(model: ModelSpec): number {
  return (parseBytes(model.resources.memory) as number) + shmBytes(model);
}

/**
 * The server's preStop hook: the kubelet's own sleep action (Kubernetes >= 1.30), so stopping
 * does not depend on a `sleep` binary in the engine image. The generated types of cdk8s-plus-27
 * predate it, hence a separate value that the chart patches in.
 */
export function preStopSleep(model: ModelSpec): { preStop: { sleep: { seconds: number } } } {
  return { preStop: { sleep: { seconds: stopTimings(model).preStopSleepSeconds } } };
}

/** The pod template of a model server (add `preStopSleep` as the server's lifecycle). */
export function vllmPodTemplate(options: VllmPodOptions): k8s.PodTemplateSpec {
  const { model } = options;
  const stop = stopTimings(model);
  return {
    metadata: {
      labels: options.labels,
      annotations: {
        // Loading a model takes minutes: Karpenter leaves the pod alone for its start-up budget,
        // then drift (AMI upgrades) may replace its node, paced by the PodDisruptionBudget. Not
        // "true", which would keep every GPU node on its first AMI (policy GPU-003). Consolidation
        // never touches a GPU node that runs a pod (WhenEmpty).
        'karpenter.sh/do-not-disrupt': `${startupBudgetSeconds(model)}s`,
      },
    },
    spec: {
      serviceAccountName: options.serviceAccountName,
      priorityClassName: options.priorityClassName,
      // The server never calls the Kubernetes API. AWS credentials (EKS Pod Identity or IRSA)
      // arrive through their own projected token volume, not this one.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: stop.terminationGracePeriodSeconds,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: RUN_AS_ID,
        runAsGroup: RUN_AS_ID,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      nodeSelector: { 'karpenter.sh/nodepool': options.nodePool },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: [...options.instanceFamilies].sort() },
                ],
              },
            ],
          },
        },
      },
      tolerations: [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }],
      topologySpreadConstraints: [
        {
          // Spread replicas over zones so one zone's outage leaves capacity. ScheduleAnyway:
          // GPU capacity is often in one zone only, and a pending replica serves nobody.
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: options.selector },
          // Count only pods of the same rollout, so a surge pod is not placed by the old ones.
          matchLabelKeys: ['pod-template-hash'],
        },
      ],
      initContainers: [cacheFillContainer(options)],
      containers: [serverContainer(options)],
      volumes: [
        { name: 'model-cache', persistentVolumeClaim: { claimName: options.cacheClaimName } },
        { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(formatBytes(shmBytes(model))) } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(model.resources.ephemeralStorage) } },
      ],
    },
  };
}

function serverContainer(options: VllmPodOptions): k8s.Container {
  const { model, version } = options;
  const gpus = k8s.Quantity.fromNumber(model.gpu.count);
  const resources = {
    cpu: k8s.Quantity.fromString(model.resources.cpu),
    memory: k8s.Quantity.fromString(formatBytes(memoryLimitBytes(model))),
    'ephemeral-storage': k8s.Quantity.fromString(model.resources.ephemeralStorage),
    [GPU_RESOURCE]: gpus,
  };
  const health = (periodSeconds: number, failureThreshold: number, timeoutSeconds: number): k8s.Probe => ({
    httpGet: { path: '/health', port: k8s.IntOrString.fromString(SERVING_PORT_NAME) },
    periodSeconds,
    failureThreshold,
    timeoutSeconds,
  });
  return {
    name: 'vllm',
    image: imageReference({ repository: options.engineRepository, digest: model.engine.digest }),
    imagePullPolicy: 'IfNotPresent',
    // The API server module, not the image's entrypoint, so the command does not change meaning
    // when an engine upgrade changes the entrypoint.
    command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
    args: vllmArgs(model, version),
    env: [
      // HOME and caches (Triton, torch.compile, vLLM) on a writable emptyDir: the root filesystem is read-only.
      ...identityEnv('vllm'),
      { name: 'HF_HUB_OFFLINE', value: '1' },
      { name: 'VLLM_NO_USAGE_STATS', value: '1' },
      { name: 'DO_NOT_TRACK', value: '1' },
    ],
    ports: [{ name: SERVING_PORT_NAME, containerPort: SERVING_PORT, protocol: 'TCP' }],
    // Requests equal limits: Guaranteed QoS, the last to be evicted under node pressure, and
    // the API server rejects extended resources (GPUs) whose request differs from the limit.
    resources: { requests: resources, limits: resources },
    startupProbe: health(STARTUP_PERIOD_SECONDS, startupBudgetSeconds(model) / STARTUP_PERIOD_SECONDS, 5),
    readinessProbe: health(10, 3, 5),
    // Generous: a busy engine answers /health late, and a restart costs a full model load.
    livenessProbe: health(30, 5, 10),
    securityContext: containerSecurityContext(),
    volumeMounts: [
      { name: 'model-cache', mountPath: CACHE_MOUNT, readOnly: true },
      { name: 'shm', mountPath: '/dev/shm' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

/** vLLM's command line: what the catalogue says, then the allow-listed extras in sorted order. */
export function vllmArgs(model: ModelSpec, version: string): string[] {
  return [
    '--model',
    `${CACHE_MOUNT}/${version}`,
    '--served-model-name',
    model.servedModelName,
    '--tensor-parallel-size',
    String(model.tensorParallelSize),
    ...(model.pipelineParallelSize === undefined ? [] : ['--pipeline-parallel-size', String(model.pipelineParallelSize)]),
    '--max-model-len',
    String(model.maxModelLen),
    '--port',
    String(SERVING_PORT),
    ...vllmFlagArgs(model.extraArgs ?? {}),
  ];
}

function cacheFillContainer(options: VllmPodOptions): k8s.Container {
  const { model, version } = options;
  const resources = {
    cpu: k8s.Quantity.fromString('2'),
    memory: k8s.Quantity.fromString('2Gi'),
    'ephemeral-storage': k8s.Quantity.fromString('1Gi'),
  };
  return {
    name: 'model-cache-fill',
    image: imageReference(AWS_CLI_IMAGE),
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-c', CACHE_FILL_SCRIPT],
    env: [
      { name: 'MODEL_SOURCE', value: `${model.source}/${version}/` },
      { name: 'CACHE_DIR', value: `${CACHE_MOUNT}/${version}` },
      { name: 'MODEL_DIGEST', value: weightsDigestOf(model, version) },
      ...identityEnv('vllm'),
      { name: 'AWS_REGION', value: options.awsRegion },
    ],
    resources: { requests: resources, limits: resources },
    securityContext: containerSecurityContext(),
    volumeMounts: [
      { name: 'model-cache', mountPath: CACHE_MOUNT },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

function containerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
}

/** The catalogue's digest of a version's weights (the loader refuses an uncatalogued version). */
function weightsDigestOf(model: VllmPodOptions['model'], version: string): string {
  const digest = model.versions[version]?.digest;
  if (!digest) throw new Error(`${model.name}: version ${version} is not in the catalogue's versions`);
  return digest;
}
