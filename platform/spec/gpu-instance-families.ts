/**
 * EC2 GPU instance families a GPU NodePool may offer, with what placement needs to know.
 * Facts from the AWS EC2 accelerated-computing instance pages, checked 2026-11 (EFA interface
 * counts: the EC2 network specifications page; p5.48xlarge's 32 as AWS's nccl-tests manifests
 * request them, aws-samples/awsome-distributed-training); a family missing
 * here is refused in config (a typo such as "g6ee" must not silently launch nothing).
 */
export interface GpuInstanceFamily {
  /** The accelerator model. */
  readonly gpu: string;
  /** Memory per GPU, GiB. */
  readonly gpuMemoryGiB: number;
  /** GPUs on the largest size of the family: one model-server replica must fit on one node. */
  readonly maxGpusPerNode: number;
  /** Whether the family's large sizes have Elastic Fabric Adapter (multi-node serving). */
  readonly efa: boolean;
  /**
   * EFA interfaces of the largest size (`vpc.amazonaws.com/efa` a pod requests to use them all),
   * for the families a replica may span nodes on; absent where not checked.
   */
  readonly efaInterfaces?: number;
}

export const GPU_INSTANCE_FAMILIES: Readonly<Record<string, GpuInstanceFamily>> = {
  g4dn: { gpu: 'NVIDIA T4', gpuMemoryGiB: 16, maxGpusPerNode: 8, efa: true },
  g5: { gpu: 'NVIDIA A10G', gpuMemoryGiB: 24, maxGpusPerNode: 8, efa: true },
  g6: { gpu: 'NVIDIA L4', gpuMemoryGiB: 24, maxGpusPerNode: 8, efa: true },
  g6e: { gpu: 'NVIDIA L40S', gpuMemoryGiB: 48, maxGpusPerNode: 8, efa: true },
  gr6: { gpu: 'NVIDIA L4', gpuMemoryGiB: 24, maxGpusPerNode: 1, efa: false },
  p4d: { gpu: 'NVIDIA A100', gpuMemoryGiB: 40, maxGpusPerNode: 8, efa: true, efaInterfaces: 4 },
  p4de: { gpu: 'NVIDIA A100', gpuMemoryGiB: 80, maxGpusPerNode: 8, efa: true, efaInterfaces: 4 },
  p5: { gpu: 'NVIDIA H100', gpuMemoryGiB: 80, maxGpusPerNode: 8, efa: true, efaInterfaces: 32 },
  p5e: { gpu: 'NVIDIA H200', gpuMemoryGiB: 141, maxGpusPerNode: 8, efa: true, efaInterfaces: 32 },
  p5en: { gpu: 'NVIDIA H200', gpuMemoryGiB: 141, maxGpusPerNode: 8, efa: true, efaInterfaces: 16 },
  'p6-b200': { gpu: 'NVIDIA B200', gpuMemoryGiB: 179, maxGpusPerNode: 8, efa: true, efaInterfaces: 8 },
};

export const GPU_INSTANCE_FAMILY_NAMES = Object.keys(GPU_INSTANCE_FAMILIES).sort();
