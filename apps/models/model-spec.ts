import { z } from 'zod';
import { vllmFlagProblem } from './vllm-flags.js';
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
      count: positiveInt('GPUs per replica', 8),
      instanceFamilies: uniqueList(gpuInstanceFamily, 'GPU instance families'),
      /** Needs Elastic Fabric Adapter networking (multi-node or GPUDirect RDMA): runs on the gpu-efa pool. */
      efa: z.boolean({ error: 'expected true or false' }).default(false),
    }),
    tensorParallelSize: positiveInt('the tensor-parallel size', 8),
    pipelineParallelSize: positiveInt('the pipeline-parallel size', 8).optional(),
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
      const pipeline = model.pipelineParallelSize ?? 1;
      if (model.tensorParallelSize * pipeline !== model.gpu.count) {
        ctx.addIssue({
          code: 'custom',
          path: ['tensorParallelSize'],
          input: model.tensorParallelSize,
          message:
            model.pipelineParallelSize === undefined
              ? `expected tensorParallelSize to equal gpu.count (${model.gpu.count}): each replica shards the model over all its GPUs; found ${model.tensorParallelSize}`
              : `expected tensorParallelSize x pipelineParallelSize to equal gpu.count (${model.gpu.count}), found ${model.tensorParallelSize} x ${pipeline} = ${model.tensorParallelSize * pipeline}`,
        });
      }
    },
    // Check consistency even when unrelated fields are wrong, so all problems come out at once.
    { when: (payload) => fieldsValid(payload, ['gpu', 'tensorParallelSize', 'pipelineParallelSize']) },
  );

export type ModelSpec = z.infer<typeof modelSchema>;
