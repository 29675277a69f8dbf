/**
 * The figures the time-to-ready estimate (time-to-ready.ts) is made of: how fast each step of a
 * new replica goes. A reviewed table, dated, each figure with its source and how it was obtained:
 * "measured" figures are quoted from the source; "derived" ones are arithmetic on quoted figures
 * or a stated assumption, conservative on purpose. Few of these are published per instance
 * family, so the table is coarse where the sources are. Replace a figure with your own measurement
 * (awslabs/node-latency-for-k8s for nodes, the server's start-up log for the engine) and say so in
 * its source; the estimate, the probe budgets and the planner follow.
 */

export interface Figure {
  readonly value: number;
  readonly unit: string;
  readonly basis: 'measured' | 'derived';
  /** Where it comes from, with the source's date. */
  readonly source: string;
}

/** The day the table was last reviewed against its sources. */
export const FIGURES_REVIEWED_ON = '2026-12-02';

const node = (value: number, source: string): Figure => ({ value, unit: 's', basis: 'derived', source });

export const STARTUP_FIGURES = {
  /**
   * Karpenter NodeClaim launched -> node Ready with `nvidia.com/gpu` allocatable. Not published per
   * family: 40-80 s to register, then 60-90 s until the device plugin advertises the GPUs, and GPU
   * instances boot slower; the 8-GPU EFA families (8 NVMe drives to RAID, fabric manager) get a minute more.
   */
  nodeReady: {
    default: node(
      180,
      'derived: 70-80 s launch to registration (github.com/aws/karpenter-provider-aws/issues/6128, 2024-05-17), ~90 s until the device plugin advertises GPUs (github.com/NVIDIA/k8s-device-plugin/issues/291, 2022-02-16), "GPU instance types often take much longer to boot" (github.com/awslabs/amazon-eks-ami/issues/1099, 2022-12-15)',
    ),
    large: node(
      240,
      'derived: the default plus 60 s for p4d/p4de/p5/p5e/p5en/p6 (8 GPUs, EFA, 8 NVMe drives assembled as RAID0); not published per family',
    ),
  },
  /** Families that take nodeReady.large. */
  largeNodeFamilies: ['p4d', 'p4de', 'p5', 'p5e', 'p5en', 'p6-b200'] as readonly string[],
  /** Compressed size of the engine image (vllm/vllm-openai, CUDA 12 builds). */
  engineImageGB: {
    value: 10,
    unit: 'GB',
    basis: 'derived',
    source:
      'derived: "triton is ~10GB image" (github.com/aws/karpenter-provider-aws/pull/1476, 2022-03-17) and the vllm-openai tags on Docker Hub (8-11 GB compressed); check your tag with `crane manifest`',
  } satisfies Figure,
  /** Pull and unpack from ECR (through the pull-through cache), one image, overlayfs, gzip layers. */
  imagePullMBps: {
    value: 25,
    unit: 'MB/s',
    basis: 'derived',
    source:
      'derived: 13 GB in 571 s (blog.vertexcover.io/container-coldstart, undated), 10 GB in 7-10 min (tensorfuse.io/docs/blogs/snapshotter_graphs, undated), 15-20 GB in 4-6 min (AWS ML blog on SOCI for DLAMI/DLC, 2026-06)',
  } satisfies Figure,
  /** S3 to one instance with the AWS CLI's CRT transfer client (the cache fill sets it). */
  s3ReadGBps: {
    value: 2.5,
    unit: 'GB/s',
    basis: 'derived',
    source:
      'derived: at most 5 Gbps per connection (repost.aws/articles/AR1Jqz-WmjRzCgVGa-uVSdLQ, undated); the CRT client opens parallel ranged GETs and falls back to a 10 Gbps target when it has no recommendation (s3transfer changelog); 20 Gbps assumed on 100+ Gbps GPU instances',
  } satisfies Figure,
  /** EFS, Elastic throughput, one client (efs-utils with efs-proxy), reading or writing. */
  efsClientGBps: {
    value: 1.57,
    unit: 'GB/s',
    basis: 'measured',
    source: 'measured: 1,500 MiB/s per client, Elastic throughput (docs.aws.amazon.com/efs/latest/ug/performance.html, read 2026-12-02)',
  } satisfies Figure,
  /** Instance-store NVMe in RAID0 (Karpenter instanceStorePolicy RAID0), sequential read. */
  nvmeReadGBps: {
    value: 5,
    unit: 'GB/s',
    basis: 'derived',
    source:
      'derived: assumption of >= 5 GB/s for 4-8 NVMe drives in RAID0 (about 2 GB/s per drive); no per-family figure is published, measure with fio',
  } satisfies Figure,
  /** sha256sum on one core (the cache fill hashes one file per CPU it has). */
  sha256GBpsPerCore: {
    value: 0.5,
    unit: 'GB/s',
    basis: 'derived',
    source: 'derived: coreutils sha256sum runs at 0.4-2 GB/s per core (2 with SHA extensions); 0.5 assumed',
  } satisfies Figure,
  /** vLLM's default safetensors loader, one process (each tensor-parallel rank is one). */
  safetensorsGBpsPerRank: {
    value: 0.33,
    unit: 'GB/s',
    basis: 'derived',
    source:
      'derived: Llama 3 8B (16 GB) in 47.99 s with the safetensors loader on gp3 (run.ai/blog/run-ai-model-streamer-performance-benchmarks, 2024-10-29)',
  } satisfies Figure,
  /** vLLM's Run:ai Model Streamer, one process, when the storage keeps up. */
  streamerGBpsPerRank: {
    value: 2.1,
    unit: 'GB/s',
    basis: 'derived',
    source:
      'derived: Llama 3 8B (16 GB) in 7.53 s with the Run:ai Model Streamer on io2 (run.ai/blog/run-ai-model-streamer-performance-benchmarks, 2024-10-29)',
  } satisfies Figure,
  /**
   * vLLM from weights in memory to /health: engine init, torch.compile (Dynamo and Inductor), KV
   * profiling and CUDA graph capture. Without a compile cache (the first replica of a version)
   * and with one (every later replica: the cache persists on the model's EFS volume).
   */
  engineStart: {
    singleGpu: {
      cold: {
        value: 200,
        unit: 's',
        basis: 'measured',
        source:
          'measured: Llama 3.1 8B on L40S without caches: dynamo 10 s, compile 42 s, graph capture 54 s, engine init 94 s (tensorfuse.io/docs/blogs/reducing_gpu_cold_start, 2025-09-01)',
      } satisfies Figure,
      cached: {
        value: 64,
        unit: 's',
        basis: 'measured',
        source:
          'measured: the same with the compile cache on a shared volume: dynamo 10 s, compile 13 s, capture 7 s, init 34 s (tensorfuse.io/docs/blogs/reducing_gpu_cold_start, 2025-09-01)',
      } satisfies Figure,
    },
    tensorParallel: {
      cold: {
        value: 205,
        unit: 's',
        basis: 'measured',
        source:
          'measured: Llama 70B FP8, TP=8: P2P check ~60 s, dynamo ~15 s, torch.compile ~70 s, CUDA graphs ~60 s (github.com/vllm-project/vllm/issues/19824, 2025-06-19)',
      } satisfies Figure,
      cached: {
        value: 145,
        unit: 's',
        basis: 'derived',
        source:
          'derived: the cold figure less ~60 s of torch.compile a cached compile skips (github.com/vllm-project/vllm/issues/19824, 2025-06-19)',
      } satisfies Figure,
    },
    /** Added for a replica on several nodes: NCCL over EFA and the group's rendezvous. */
    multiNodeExtra: {
      value: 60,
      unit: 's',
      basis: 'derived',
      source: 'derived: assumption; no published figure for the multiprocessing backend across nodes',
    } satisfies Figure,
  },
} as const;
