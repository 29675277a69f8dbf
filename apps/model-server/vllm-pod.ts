import { k8s } from 'cdk8s-plus-27';
import { nvmeCopyBytes, type ModelSpec } from '../models/model-spec.js';
import { formatBytes, parseBytes } from '../../platform/spec/quantity.js';
import { CACHE_FILL_SCRIPT } from './cache-fill.js';
import { AWS_CLI_IMAGE, imageReference } from '../../platform/core/images.js';
import { STARTUP_PERIOD_SECONDS, stopTimings, type StartupBudgets } from './time-budgets.js';
import { CACHE_FILL_CPUS, usesStreamer } from './time-to-ready.js';
import { vllmFlagArgs } from '../models/vllm-flags.js';
import { MODEL_CACHE_OWNER_ID } from '../../platform/storage/storage.js';
import { identityEnv } from '../../platform/core/container-identity.js';
import { spreadOverZones } from '../../platform/scheduling/zone-spread.js';

/** The port vLLM serves the OpenAI-compatible API and /metrics on. */
export const SERVING_PORT = 8000;
export const SERVING_PORT_NAME = 'http';

/** Where the model cache volume is mounted; each version is a folder in it. */
export const CACHE_MOUNT = '/model-cache';

/** Where the weights are copied on the node's instance store (loading.from: nvme). */
export const NVME_WEIGHTS_MOUNT = '/weights';

/**
 * vLLM's cache root (torch.compile artifacts, Triton and Inductor caches): a folder per version
 * on the model's EFS volume, so only the first replica of a version compiles.
 */
export const COMPILE_CACHE_MOUNT = '/var/cache/vllm';
export const compileCacheSubPath = (version: string) => `.compile-cache/${version}`;

/** torch.distributed rendezvous of a multi-node replica, on its leader (vLLM's --master-port default). */
export const RENDEZVOUS_PORT = 29501;

/** Which pod of a replica this template makes: the only one, or the leader or a worker of a multi-node group. */
export type ServerRole = 'single' | 'leader' | 'worker';

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
  /** Start-up budgets from the time-to-ready estimate. */
  readonly budgets: StartupBudgets;
  /** @default 'single' */
  readonly role?: ServerRole;
  /** EFA interfaces each pod requests (multi-node replicas: all of its node's). */
  readonly efaInterfaces?: number;
  /** Extra pod affinity (a multi-node group stays in one zone). */
  readonly podAffinity?: k8s.PodAffinity;
}

/** Nodes of these instance families only (Karpenter's label), sorted so the render is stable. */
export function instanceFamilyAffinity(families: readonly string[]): k8s.NodeAffinity {
  return {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        { matchExpressions: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: [...families].sort() }] },
      ],
    },
  };
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
  const from = model.loading.from;
  return {
    metadata: {
      labels: options.labels,
      annotations: {
        // Loading a model takes minutes: Karpenter leaves the pod alone for its start-up budget,
        // then drift (AMI upgrades) may replace its node, paced by the PodDisruptionBudget. Not
        // "true", which would keep every GPU node on its first AMI (policy GPU-003). Consolidation
        // never touches a GPU node that runs a pod (WhenEmpty).
        'karpenter.sh/do-not-disrupt': `${options.budgets.startupSeconds}s`,
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
        nodeAffinity: instanceFamilyAffinity(options.instanceFamilies),
        ...(options.podAffinity ? { podAffinity: options.podAffinity } : {}),
      },
      tolerations: [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }],
      // A multi-node group's pool is one zone (EFA): spreading its groups over zones is moot.
      ...((options.role ?? 'single') === 'single'
        ? {
            // Count only pods of the same rollout, so a surge pod is not placed by the old ones.
            topologySpreadConstraints: spreadOverZones(options.selector, ['pod-template-hash']),
          }
        : {}),
      // Streaming from S3 copies nothing first.
      ...(from === 's3' ? {} : { initContainers: [cacheFillContainer(options)] }),
      containers: [serverContainer(options)],
      volumes: [
        // The weights (efs) and, for every source, the compile cache.
        { name: 'model-cache', persistentVolumeClaim: { claimName: options.cacheClaimName } },
        // On the instance store: Karpenter's RAID0 holds the kubelet's ephemeral storage.
        ...(from === 'nvme'
          ? [{ name: 'weights', emptyDir: { sizeLimit: k8s.Quantity.fromString(formatBytes(nvmeCopyBytes(model))) } }]
          : []),
        { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(formatBytes(shmBytes(model))) } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(model.resources.ephemeralStorage) } },
      ],
    },
  };
}

function serverContainer(options: VllmPodOptions): k8s.Container {
  const { model, version } = options;
  const role = options.role ?? 'single';
  const from = model.loading.from;
  const gpus = k8s.Quantity.fromNumber(model.gpu.count);
  const resources = {
    cpu: k8s.Quantity.fromString(model.resources.cpu),
    memory: k8s.Quantity.fromString(formatBytes(memoryLimitBytes(model))),
    'ephemeral-storage': k8s.Quantity.fromString(model.resources.ephemeralStorage),
    [GPU_RESOURCE]: gpus,
    ...(options.efaInterfaces ? { [EFA_RESOURCE]: k8s.Quantity.fromNumber(options.efaInterfaces) } : {}),
  };
  const health = (periodSeconds: number, failureThreshold: number, timeoutSeconds: number): k8s.Probe => ({
    httpGet: { path: '/health', port: k8s.IntOrString.fromString(SERVING_PORT_NAME) },
    periodSeconds,
    failureThreshold,
    timeoutSeconds,
  });
  // A worker serves no HTTP: the leader's probes speak for the group, and the group is recreated
  // as a whole when any of its containers exits (RecreateGroupOnPodRestart).
  const probes =
    role === 'worker'
      ? {}
      : {
          startupProbe: health(STARTUP_PERIOD_SECONDS, options.budgets.startupSeconds / STARTUP_PERIOD_SECONDS, 5),
          readinessProbe: health(10, 3, 5),
          // Generous: a busy engine answers /health late, and a restart costs a full model load.
          livenessProbe: health(30, 5, 10),
        };
  const ports: k8s.ContainerPort[] =
    role === 'worker'
      ? []
      : [
          { name: SERVING_PORT_NAME, containerPort: SERVING_PORT, protocol: 'TCP' },
          ...(role === 'leader' ? [{ name: 'rendezvous', containerPort: RENDEZVOUS_PORT, protocol: 'TCP' }] : []),
        ];
  return {
    name: 'vllm',
    image: imageReference({ repository: options.engineRepository, digest: model.engine.digest }),
    imagePullPolicy: 'IfNotPresent',
    ...serverCommand(model, version, role),
    env: [
      // HOME on a writable emptyDir (the root filesystem is read-only); compile caches persist.
      ...identityEnv('vllm'),
      { name: 'HF_HUB_OFFLINE', value: '1' },
      { name: 'VLLM_NO_USAGE_STATS', value: '1' },
      { name: 'DO_NOT_TRACK', value: '1' },
      { name: 'VLLM_CACHE_ROOT', value: COMPILE_CACHE_MOUNT },
      { name: 'TRITON_CACHE_DIR', value: `${COMPILE_CACHE_MOUNT}/triton` },
      { name: 'TORCHINDUCTOR_CACHE_DIR', value: `${COMPILE_CACHE_MOUNT}/inductor` },
      // The streamer reads S3 with boto3's credential chain: EKS Pod Identity's container credentials.
      ...(from === 's3' ? [{ name: 'AWS_REGION', value: options.awsRegion }] : []),
      ...(role === 'single' ? [] : efaEnv()),
    ],
    ...(ports.length > 0 ? { ports } : {}),
    // Requests equal limits: Guaranteed QoS, the last to be evicted under node pressure, and
    // the API server rejects extended resources (GPUs) whose request differs from the limit.
    resources: { requests: resources, limits: resources },
    ...probes,
    securityContext: containerSecurityContext(),
    volumeMounts: [
      ...(from === 'efs' ? [{ name: 'model-cache', mountPath: CACHE_MOUNT, readOnly: true }] : []),
      ...(from === 'nvme' ? [{ name: 'weights', mountPath: NVME_WEIGHTS_MOUNT, readOnly: true }] : []),
      { name: 'model-cache', mountPath: COMPILE_CACHE_MOUNT, subPath: compileCacheSubPath(version) },
      { name: 'shm', mountPath: '/dev/shm' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

/** The EFA device plugin's resource: a pod gets the node's EFA interfaces it requests. */
export const EFA_RESOURCE = 'vpc.amazonaws.com/efa';

/**
 * NCCL over EFA, as AWS's EFA cheat sheet gives it for libfabric >= 1.18 and aws-ofi-nccl >= 1.7
 * (aws-samples/awsome-distributed-training, 1.architectures/efa-cheatsheet.md): the plugin picks
 * the efa provider itself. NCCL_NET makes NCCL fail at start rather than fall back to TCP sockets
 * when the image lacks the plugin (apps/models/README.md, "Models on several nodes").
 */
function efaEnv(): k8s.EnvVar[] {
  return [
    { name: 'NCCL_NET', value: 'AWS Libfabric' },
    { name: 'NCCL_SOCKET_IFNAME', value: 'eth0' },
    // No hugepages are requested, so libfabric must not ask for them.
    { name: 'FI_EFA_USE_HUGE_PAGE', value: '0' },
  ];
}

/** Where the server reads a version's weights: the cache folder, the node's copy, or S3 itself. */
export function weightsLocation(model: VllmPodOptions['model'], version: string): string {
  if (model.loading.from === 's3') return `${model.source}/${version}/`;
  return `${model.loading.from === 'nvme' ? NVME_WEIGHTS_MOUNT : CACHE_MOUNT}/${version}`;
}

/** The API server module's command line on one node: the weights, then engineArgs. */
export function vllmArgs(model: VllmPodOptions['model'], version: string): string[] {
  return ['--model', weightsLocation(model, version), ...engineArgs(model, 'single')];
}

/**
 * Everything after the weights' location: what the catalogue says, the loader, the multi-node
 * flags, then the allow-listed extras in sorted order. A multi-node replica runs vLLM's
 * multiprocessing backend (no Ray: recent vLLM images ship none): every pod runs the server with
 * --nnodes, its rank (the LeaderWorkerSet's worker index) and the leader's address; the workers
 * run it headless.
 */
function engineArgs(model: VllmPodOptions['model'], role: ServerRole): string[] {
  const concurrency = model.loading.streamer?.concurrency ?? DEFAULT_STREAMER_CONCURRENCY;
  return [
    '--served-model-name',
    model.servedModelName,
    '--tensor-parallel-size',
    String(model.tensorParallelSize),
    ...(model.pipelineParallelSize === undefined ? [] : ['--pipeline-parallel-size', String(model.pipelineParallelSize)]),
    '--max-model-len',
    String(model.maxModelLen),
    '--port',
    String(SERVING_PORT),
    ...(usesStreamer(model) ? ['--load-format', 'runai_streamer', '--model-loader-extra-config', JSON.stringify({ concurrency })] : []),
    ...(role === 'single'
      ? []
      : [
          '--distributed-executor-backend',
          'mp',
          '--nnodes',
          String(model.gpu.nodes),
          '--node-rank',
          '$(LWS_WORKER_INDEX)',
          '--master-addr',
          '$(LWS_LEADER_ADDRESS)',
          '--master-port',
          String(RENDEZVOUS_PORT),
          ...(role === 'worker' ? ['--headless'] : []),
        ]),
    ...vllmFlagArgs(model.extraArgs ?? {}),
  ];
}

/**
 * The server's command. One node: the API server module, not the image's entrypoint, so the
 * command does not change meaning when an engine upgrade changes the entrypoint. Several nodes:
 * `vllm serve`, the only entrypoint that runs a headless worker (vllm/entrypoints/cli/serve.py),
 * with the model as its positional argument.
 */
function serverCommand(model: VllmPodOptions['model'], version: string, role: ServerRole): { command: string[]; args: string[] } {
  if (role === 'single') return { command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'], args: vllmArgs(model, version) };
  return { command: ['vllm', 'serve'], args: [weightsLocation(model, version), ...engineArgs(model, role)] };
}

/** Tensors the Run:ai streamer reads at once when the catalogue does not say (its file-system default). */
export const DEFAULT_STREAMER_CONCURRENCY = 16;

function cacheFillContainer(options: VllmPodOptions): k8s.Container {
  const { model, version } = options;
  const from = model.loading.from === 'nvme' ? 'nvme' : 'efs';
  const cpus = CACHE_FILL_CPUS[from];
  const mount = from === 'nvme' ? { name: 'weights', mountPath: NVME_WEIGHTS_MOUNT } : { name: 'model-cache', mountPath: CACHE_MOUNT };
  const resources = {
    cpu: k8s.Quantity.fromString(String(cpus)),
    // The CRT transfer client buffers parts in memory: a GiB per CPU, at least 2.
    memory: k8s.Quantity.fromString(`${Math.max(2, cpus)}Gi`),
    'ephemeral-storage': k8s.Quantity.fromString('1Gi'),
  };
  return {
    name: 'model-cache-fill',
    image: imageReference(AWS_CLI_IMAGE),
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-c', CACHE_FILL_SCRIPT],
    env: [
      { name: 'MODEL_SOURCE', value: `${model.source}/${version}/` },
      { name: 'CACHE_DIR', value: `${mount.mountPath}/${version}` },
      { name: 'MODEL_DIGEST', value: weightsDigestOf(model, version) },
      { name: 'HASH_JOBS', value: String(cpus) },
      ...identityEnv('vllm'),
      { name: 'AWS_REGION', value: options.awsRegion },
    ],
    resources: { requests: resources, limits: resources },
    securityContext: containerSecurityContext(),
    volumeMounts: [mount, { name: 'tmp', mountPath: '/tmp' }],
  };
}

/** The restricted profile every container here runs under. */
export function containerSecurityContext(): k8s.SecurityContext {
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
