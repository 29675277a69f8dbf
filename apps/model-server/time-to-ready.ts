import { bytesPerParameter, type ModelSpec, type WeightSource } from '../models/model-spec.js';
import { STARTUP_FIGURES as F } from './startup-figures.js';

/**
 * How long a new replica of a model takes from "the autoscaler adds it" to "it serves", step by
 * step, from the reviewed figures of startup-figures.ts. Three situations:
 *
 * - `first`: the first replica of a new version: a new node, an empty cache, no compile cache;
 * - `scale-up`: another replica on a new node: the version is cached on EFS and compiled;
 * - `warm`: a replica on a warm node (the pool's warm capacity): the image is there already.
 *
 * Each step is sequential in a pod (the kubelet pulls the server's image after the init container
 * has run); the nodes of a multi-node replica do theirs side by side, each loading its share.
 */

export type Situation = 'first' | 'scale-up' | 'warm';
export const SITUATIONS: readonly Situation[] = ['first', 'scale-up', 'warm'];

export interface ReadyStep {
  readonly step: 'node' | 'image' | 'copy' | 'verify' | 'load' | 'engine';
  readonly seconds: number;
  readonly detail: string;
}

export interface ReadyEstimate {
  readonly situation: Situation;
  readonly family: string;
  readonly from: WeightSource;
  readonly steps: readonly ReadyStep[];
  readonly totalSeconds: number;
  /** From the server container's start to /health: what the startupProbe must allow. */
  readonly engineStartSeconds: number;
}

/** What the estimate needs of a model (the catalogue entry, or a what-if variant of it). */
export type ReadyModel = Pick<ModelSpec, 'parametersBillions' | 'gpu' | 'tensorParallelSize' | 'loading' | 'extraArgs'>;

/** CPUs of the cache-fill init container, per weight source: it hashes one file per CPU. */
export const CACHE_FILL_CPUS: Readonly<Record<Exclude<WeightSource, 's3'>, number>> = { efs: 2, nvme: 8 };

/** Gigabytes of weights of a model version. */
export function weightsGB(model: Pick<ModelSpec, 'parametersBillions' | 'extraArgs'>): number {
  return model.parametersBillions * bytesPerParameter(model.extraArgs);
}

/** Whether the server loads with the Run:ai Model Streamer (always when streaming from S3). */
export const usesStreamer = (model: Pick<ModelSpec, 'loading'>): boolean =>
  model.loading.from === 's3' || model.loading.streamer !== undefined;

const round = (seconds: number) => Math.ceil(seconds);
const gb = (value: number) => `${Number(value.toFixed(1))} GB`;

/** The estimate for one situation on one instance family. */
export function estimateTimeToReady(model: ReadyModel, family: string, situation: Situation): ReadyEstimate {
  const from = model.loading.from;
  const size = weightsGB(model);
  const perNode = size / model.gpu.nodes;
  const ranksPerNode = model.tensorParallelSize;
  const steps: ReadyStep[] = [];

  if (situation !== 'warm') {
    const large = F.largeNodeFamilies.includes(family);
    const seconds = (large ? F.nodeReady.large : F.nodeReady.default).value;
    steps.push({ step: 'node', seconds, detail: `${family} node launched and its GPUs advertised` });
    steps.push({
      step: 'image',
      seconds: round((F.engineImageGB.value * 1000) / F.imagePullMBps.value),
      detail: `${F.engineImageGB.value} GB engine image at ${F.imagePullMBps.value} MB/s from ECR`,
    });
  }

  // The init container: copy from S3 and check the digest (efs: only for the version's first replica).
  const copies = from === 'nvme' || (from === 'efs' && situation === 'first');
  if (copies) {
    const writeGBps = from === 'efs' ? Math.min(F.s3ReadGBps.value, F.efsClientGBps.value) : F.s3ReadGBps.value;
    steps.push({
      step: 'copy',
      seconds: round(size / writeGBps),
      detail: `${gb(size)} from S3 to ${from === 'efs' ? 'EFS' : 'the node\u2019s NVMe'} at ${writeGBps} GB/s`,
    });
    const cpus = CACHE_FILL_CPUS[from];
    const readGBps = from === 'efs' ? F.efsClientGBps.value : F.nvmeReadGBps.value;
    const hashGBps = Math.min(cpus * F.sha256GBpsPerCore.value, readGBps);
    steps.push({ step: 'verify', seconds: round(size / hashGBps), detail: `sha256 of ${gb(size)} at ${hashGBps} GB/s (${cpus} CPUs)` });
  }

  // The server reads its share of the weights onto the GPUs.
  const storage = { efs: F.efsClientGBps.value, nvme: F.nvmeReadGBps.value, s3: F.s3ReadGBps.value }[from];
  const loader = (usesStreamer(model) ? F.streamerGBpsPerRank.value : F.safetensorsGBpsPerRank.value) * ranksPerNode;
  const loadGBps = Math.min(storage, loader);
  steps.push({
    step: 'load',
    seconds: round(perNode / loadGBps),
    detail: `${gb(perNode)}${model.gpu.nodes > 1 ? ' per node' : ''} from ${from.toUpperCase()} at ${Number(loadGBps.toFixed(2))} GB/s (${usesStreamer(model) ? 'Run:ai streamer' : 'safetensors'}, ${ranksPerNode} ${ranksPerNode === 1 ? 'rank' : 'ranks'})`,
  });

  const engine = model.tensorParallelSize > 1 ? F.engineStart.tensorParallel : F.engineStart.singleGpu;
  const compiled = situation !== 'first';
  const extra = model.gpu.nodes > 1 ? F.engineStart.multiNodeExtra.value : 0;
  steps.push({
    step: 'engine',
    seconds: (compiled ? engine.cached : engine.cold).value + extra,
    detail: `${compiled ? 'compile cache hit' : 'torch.compile from scratch'}, CUDA graphs${extra ? ', rendezvous across nodes' : ''}`,
  });

  const totalSeconds = steps.reduce((sum, s) => sum + s.seconds, 0);
  const engineStartSeconds = steps.filter((s) => s.step === 'load' || s.step === 'engine').reduce((sum, s) => sum + s.seconds, 0);
  return { situation, family, from, steps, totalSeconds, engineStartSeconds };
}

/** The slowest of the families a model may land on, per situation: what budgets must cover. */
export function worstCase(model: ReadyModel, families: readonly string[], situation: Situation): ReadyEstimate {
  if (families.length === 0) throw new Error('worstCase: no instance family to estimate for');
  const estimates = [...families].sort().map((family) => estimateTimeToReady(model, family, situation));
  return estimates.reduce((worst, e) => (e.totalSeconds > worst.totalSeconds ? e : worst));
}

/** "12m 30s" */
export function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m === 0 ? `${s}s` : s === 0 ? `${m}m` : `${m}m ${s}s`;
}
