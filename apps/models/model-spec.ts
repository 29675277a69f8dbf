import { z } from 'zod';
import { vllmFlagProblem } from './vllm-flags.js';
import { formatBytes, parseBytes } from '../../platform/spec/quantity.js';
import {
  fieldsValid,
  byteQuantity,
  cpuQuantity,
  gpuInstanceFamily,
  MODEL_NAME_MAX,
  modelVersion,
  objectName,
  positiveInt,
  uniqueList,
} from '../../platform/spec/field-rules.js';

const imageRepository = z
  .string()
  .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
    error: 'expected an image repository without tag or digest, such as "docker.io/vllm/vllm-openai"',
  })
  .refine((v) => v.includes('/') && v.split('/')[0]!.includes('.'), {
    error:
      'expected a fully qualified repository (registry host first, e.g. "docker.io/vllm/vllm-openai"), so that the registry is explicit',
  });

/** Weight sources a model server can load from. */
export const WEIGHT_SOURCES = ['efs', 'nvme', 's3'] as const;
export type WeightSource = (typeof WEIGHT_SOURCES)[number];

/** The queueing-delay target when the catalogue gives none. */
export const DEFAULT_QUEUE_DELAY_SECONDS = 2;

const seconds = (what: string, min: number, max: number) =>
  z
    .number({ error: `expected ${what}: whole seconds from ${min} to ${max}` })
    .int({ error: `expected ${what}: whole seconds from ${min} to ${max}` })
    .min(min, { error: `expected ${what}: whole seconds from ${min} to ${max}` })
    .max(max, { error: `expected ${what}: whole seconds from ${min} to ${max}` });

/** How fast the HPA (that KEDA drives) may add or remove replicas, one direction. */
const scalingStep = (defaults: { replicas: number; periodSeconds: number }) =>
  z
    .strictObject({
      /** At most this many replicas per period. */
      replicas: positiveInt('replicas added or removed per period', 100).default(defaults.replicas),
      periodSeconds: seconds('the period', 15, 1800).default(defaults.periodSeconds),
      /**
       * The HPA acts on the highest (scale-down: lowest) recommendation of this window.
       * Scale-down's default is the longer of 600 s and the start-up budget.
       */
      stabilizationSeconds: seconds('the stabilisation window', 0, 3600).optional(),
    })
    .prefault({});

/**
 * A model's autoscaling on vLLM's serving signals (apps/model-server/autoscaling.ts): the
 * thresholds, the activation values (what wakes a model at zero replicas, or counts as load at
 * all) and the HPA's pace. cluster.yaml's per-environment `autoscaling` overrides the thresholds.
 */
export const modelAutoscalingSchema = z
  .strictObject({
    /** vllm:num_requests_waiting per replica that adds a replica (KEDA AverageValue). */
    queuePerReplica: z
      .number({ error: 'expected a number of waiting requests > 0' })
      .positive({ error: 'expected a number of waiting requests > 0' })
      .default(4),
    /** Waiting requests (in the model's servers and its router's queue) above which the model is active. */
    queueActivation: z
      .number({ error: 'expected a number of waiting requests >= 0' })
      .min(0, { error: 'expected a number of waiting requests >= 0' })
      .default(0),
    /** Average vllm:kv_cache_usage_perc, in percent, the replicas are scaled to. */
    kvCacheUtilization: z
      .number({ error: 'expected a percentage from 10 to 100' })
      .min(10, { error: 'expected a percentage from 10 to 100' })
      .max(100, { error: 'expected a percentage from 10 to 100' })
      .default(80),
    /** KV-cache usage, in percent, below which it does not count as load. */
    kvCacheActivation: z
      .number({ error: 'expected a percentage from 0 to 100' })
      .min(0, { error: 'expected a percentage from 0 to 100' })
      .max(100, { error: 'expected a percentage from 0 to 100' })
      .default(5),
    scaleUp: scalingStep({ replicas: 2, periodSeconds: 60 }),
    scaleDown: scalingStep({ replicas: 1, periodSeconds: 300 }),
  })
  .refine((a) => a.kvCacheActivation < a.kvCacheUtilization, {
    error: 'expected kvCacheActivation below kvCacheUtilization: KEDA would never count a replica busy before its target',
    path: ['kvCacheActivation'],
  })
  .prefault({});

export type ModelAutoscaling = z.infer<typeof modelAutoscalingSchema>;

/** The SLO defaults (apps/models/README.md, "SLOs"). */
export const DEFAULT_SLO = {
  timeToFirstTokenP95Seconds: 2,
  interTokenLatencyP95Seconds: 0.1,
  errorRatePercent: 1,
} as const;

const positiveSeconds = (what: string, max: number) =>
  z
    .number({ error: `expected ${what} in seconds, a number > 0` })
    .positive({ error: `expected ${what} in seconds, a number > 0` })
    .max(max, { error: `expected ${what} of at most ${max} seconds` });

/** A model's service-level objectives, each judged per evaluation window (a canary step, an hour of soak). */
export const modelSloSchema = z
  .strictObject({
    /** Longest a request may wait in the server's queue before it is scheduled (the capacity planner's target). */
    queueDelaySeconds: positiveSeconds('the queueing delay', 600).default(DEFAULT_QUEUE_DELAY_SECONDS),
    /** 95th percentile of the time to the first streamed token (vllm:time_to_first_token_seconds). */
    timeToFirstTokenP95Seconds: positiveSeconds('the p95 time to first token', 600).default(DEFAULT_SLO.timeToFirstTokenP95Seconds),
    /** 95th percentile of the time between streamed tokens (vllm:inter_token_latency_seconds). */
    interTokenLatencyP95Seconds: positiveSeconds('the p95 inter-token latency', 60).default(DEFAULT_SLO.interTokenLatencyP95Seconds),
    /** Share of completion requests answered with a 5xx, in percent. */
    errorRatePercent: z
      .number({ error: 'expected a percentage from 0 to 100' })
      .min(0, { error: 'expected a percentage from 0 to 100' })
      .max(100, { error: 'expected a percentage from 0 to 100' })
      .default(DEFAULT_SLO.errorRatePercent),
  })
  .prefault({});

export type ModelSlo = z.infer<typeof modelSloSchema>;

/** One entry of the model catalogue: `apps/models/<name>.yaml`. */
export const modelSchema = z
  .strictObject({
    name: objectName(MODEL_NAME_MAX, 'it names the namespace, Deployment and Service of the model server'),
    servedModelName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:-]{0,127}$/, {
      error: 'expected the name clients send as "model", such as "meta-llama/Llama-3.1-8B-Instruct"',
    }),
    parametersBillions: z
      .number({ error: 'expected the parameter count in billions, such as 8 or 70' })
      .positive({ error: 'expected a positive number of billions of parameters' })
      .max(2000, { error: 'expected at most 2000 (billions of parameters)' }),
    source: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9!_.*'()-]+)+$/, {
      error: 'expected "s3://<bucket>/<prefix>" without a trailing slash; each version is a sub-prefix of it',
    }),
    /**
     * Every version environments may run, each with the digest of its weights (npm run
     * weights-digest): the cache fill refuses a copy whose content differs, so a version, once
     * published, always means the same weights.
     */
    versions: z
      .record(
        modelVersion,
        z.strictObject({
          digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, {
            error: 'expected the weights digest npm run weights-digest prints: "sha256:" and 64 lowercase hex digits',
          }),
        }),
        { error: 'expected a mapping of version to { digest }, such as v2026.11.2: { digest: "sha256:..." }' },
      )
      .refine((versions) => Object.keys(versions).length > 0, { error: 'expected at least one version' }),
    engine: z.strictObject({
      image: imageRepository,
      tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: 'expected an image tag such as "v0.11.0"' }),
      digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, { error: 'expected "sha256:" and 64 lowercase hex digits' }),
    }),
    gpu: z.strictObject({
      /** GPUs per node of a replica: per replica when it runs on one node. */
      count: positiveInt('GPUs per node of a replica', 8),
      /**
       * Nodes per replica. More than one serves the model across nodes: a LeaderWorkerSet group of
       * this many pods, tensor parallel within each node and pipeline parallel across them.
       */
      nodes: positiveInt('nodes per replica', 16).default(1),
      instanceFamilies: uniqueList(gpuInstanceFamily, 'GPU instance families'),
      /** Needs Elastic Fabric Adapter networking (multi-node or GPUDirect RDMA): runs on the gpu-efa pool. */
      efa: z.boolean({ error: 'expected true or false' }).default(false),
    }),
    tensorParallelSize: positiveInt('the tensor-parallel size', 8),
    pipelineParallelSize: positiveInt('the pipeline-parallel size', 16).optional(),
    /** Where the server reads the weights from, and how (apps/model-server/README.md, "Loading the weights"). */
    loading: z
      .strictObject({
        /**
         * efs: the shared cache, filled from S3 once per version; nvme: every replica copies the
         * version to its node's instance store; s3: streamed from S3 straight to the GPUs.
         */
        from: z.enum(WEIGHT_SOURCES, { error: `expected one of ${WEIGHT_SOURCES.map((s) => `"${s}"`).join(', ')}` }).default('efs'),
        /** vLLM's Run:ai Model Streamer, reading this many tensors at once (always on for s3). */
        streamer: z.strictObject({ concurrency: positiveInt('tensors read at once', 64) }).optional(),
      })
      .default({ from: 'efs' }),
    /**
     * What users are promised: the capacity planner measures against the queueing delay; the
     * canary analysis and the promotion evidence against the rest (apps/model-server/slo-queries.ts).
     */
    slo: modelSloSchema,
    autoscaling: modelAutoscalingSchema,
    maxModelLen: z
      .number({ error: 'expected the context length in tokens, an integer' })
      .int({ error: 'expected an integer number of tokens' })
      .min(256, { error: 'expected at least 256 tokens' })
      .max(2_097_152, { error: 'expected at most 2097152 tokens' }),
    resources: z.strictObject({
      cpu: cpuQuantity,
      memory: byteQuantity,
      ephemeralStorage: byteQuantity,
      /** Shared memory for NCCL and vLLM's worker processes; added on top of `memory`. */
      shm: byteQuantity.optional(),
    }),
    /** Longest streamed response the server is given to finish when it is stopped. */
    drainSeconds: z
      .number({ error: 'expected seconds, an integer from 5 to 3600' })
      .int({ error: 'expected seconds, an integer from 5 to 3600' })
      .min(5, { error: 'expected at least 5 seconds' })
      .max(3600, { error: 'expected at most 3600 seconds' })
      .optional(),
    extraArgs: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
        error: 'expected a mapping of vLLM flag names (without "--") to values',
      })
      .superRefine((args, ctx) => {
        for (const [flag, value] of Object.entries(args)) {
          const problem = vllmFlagProblem(flag, value);
          if (problem) ctx.addIssue({ code: 'custom', path: [flag], message: problem, input: value });
        }
      })
      .optional(),
  })
  .superRefine(
    (model, ctx) => {
      const problem = parallelismProblem(model.gpu, model.tensorParallelSize, model.pipelineParallelSize);
      if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], input: model[problem.field], message: problem.message });
      const nvme = nvmeStorageProblem(model);
      if (nvme)
        ctx.addIssue({ code: 'custom', path: ['resources', 'ephemeralStorage'], input: model.resources.ephemeralStorage, message: nvme });
      if (model.gpu.nodes > 1 && !model.gpu.efa) {
        ctx.addIssue({
          code: 'custom',
          path: ['gpu', 'efa'],
          input: model.gpu.efa,
          message: `expected true: a replica on ${model.gpu.nodes} nodes moves activations between them every step, which needs Elastic Fabric Adapter (the gpu-efa pool); found false`,
        });
      }
    },
    // Check consistency even when unrelated fields are wrong, so all problems come out at once.
    {
      when: (payload) =>
        fieldsValid(payload, [
          'gpu',
          'tensorParallelSize',
          'pipelineParallelSize',
          'loading',
          'resources',
          'parametersBillions',
          'extraArgs',
        ]),
    },
  );

/**
 * Tensor parallel within a node, pipeline parallel across nodes: one node needs tp = GPUs per
 * replica; several need tp = GPUs per node and pp = nodes (the layers are split by node, and
 * all-reduce, the chatty collective, stays on NVLink).
 */
function parallelismProblem(
  gpu: { count: number; nodes: number },
  tensor: number,
  pipeline: number | undefined,
): { field: 'tensorParallelSize' | 'pipelineParallelSize'; message: string } | undefined {
  const pp = pipeline ?? 1;
  const total = gpu.count * gpu.nodes;
  if (gpu.nodes === 1) {
    if (tensor * pp === gpu.count) return undefined;
    return {
      field: 'tensorParallelSize',
      message:
        pipeline === undefined
          ? `expected tensorParallelSize to equal gpu.count (${gpu.count}): each replica shards the model over all its GPUs; found ${tensor}`
          : `expected tensorParallelSize x pipelineParallelSize to equal gpu.count (${gpu.count}), found ${tensor} x ${pp} = ${tensor * pp}`,
    };
  }
  if (tensor !== gpu.count) {
    return {
      field: 'tensorParallelSize',
      message: `expected tensorParallelSize to equal gpu.count (${gpu.count}, the GPUs of one node): tensor parallelism stays within a node, pipeline parallelism spans the ${gpu.nodes} nodes; found ${tensor}`,
    };
  }
  if (pp !== gpu.nodes) {
    return {
      field: 'pipelineParallelSize',
      message: `expected pipelineParallelSize to equal gpu.nodes (${gpu.nodes}), so that tensorParallelSize x pipelineParallelSize = gpu.count x gpu.nodes = ${total}; found ${pipeline === undefined ? 'none (1)' : pp}`,
    };
  }
  return undefined;
}

/** Room the server needs on its ephemeral storage besides copied weights (/tmp, logs, the image's layer). */
const NVME_HEADROOM_BYTES = 10 * 2 ** 30;

/**
 * Weights copied to the node's instance store count against the pod's ephemeral storage, which
 * is the server container's limit: a limit smaller than the copy gets the pod evicted mid-start.
 */
function nvmeStorageProblem(model: {
  loading: { from: WeightSource };
  parametersBillions: number;
  extraArgs?: Record<string, string | number | boolean> | undefined;
  resources: { ephemeralStorage: string };
}): string | undefined {
  if (model.loading.from !== 'nvme') return undefined;
  const copy = nvmeCopyBytes(model);
  const needed = copy + NVME_HEADROOM_BYTES;
  const found = parseBytes(model.resources.ephemeralStorage) ?? 0;
  if (found >= needed) return undefined;
  return `expected at least ${formatBytes(needed)} with loading.from nvme: the weights' copy (${formatBytes(copy)}) and 10Gi for the server live on the pod's ephemeral storage; found ${model.resources.ephemeralStorage}`;
}

/** The instance-store folder for a version's weights (loading.from nvme): the weights and 10% for the staging copy's slack. */
export function nvmeCopyBytes(model: {
  parametersBillions: number;
  extraArgs?: Record<string, string | number | boolean> | undefined;
}): number {
  return Math.ceil(model.parametersBillions * bytesPerParameter(model.extraArgs) * 1.1) * 2 ** 30;
}

/** GPUs one replica holds: GPUs per node times nodes. */
export const gpusPerReplica = (model: { gpu: { count: number; nodes: number } }): number => model.gpu.count * model.gpu.nodes;

export type ModelSpec = z.infer<typeof modelSchema>;

/** Bytes of weights per parameter for the catalogue's dtype (bf16 unless quantised). */
export function bytesPerParameter(extraArgs: Readonly<Record<string, string | number | boolean>> | undefined): number {
  const quantization = extraArgs?.quantization;
  if (quantization === 'fp8') return 1;
  if (quantization === 'awq' || quantization === 'gptq' || quantization === 'bitsandbytes') return 0.5;
  return 2;
}
