import { createServer, type Server } from 'node:http';

/**
 * What a stand-in vLLM reports on /metrics: the gauges the endpoint picker's core metrics
 * extractor reads for the vllm engine (its defaults, pkg/epp/framework/plugins/datalayer/
 * extractor/metrics/factories.go in the inference extension).
 */
export interface VllmLoad {
  /** vllm:num_requests_waiting: the queue the picker's queue-scorer compares. */
  readonly waiting: number;
  /** vllm:num_requests_running. */
  readonly running: number;
  /** vllm:kv_cache_usage_perc, 0..1: the kv-cache-utilization-scorer scores 1 - this. */
  readonly kvCache: number;
}

export interface FakeVllm {
  readonly address: string;
  readonly port: number;
  /** host:port, as the picker names the endpoint it picked. */
  readonly endpoint: string;
  /** What /metrics reports from now on. */
  set(load: Partial<VllmLoad>): void;
  readonly load: VllmLoad;
  /** How many times /metrics was scraped. */
  readonly scrapes: number;
  close(): Promise<void>;
}

/** vLLM's cache geometry: the prefix scorer hashes the prompt in block_size-token blocks (4 characters a token). */
export const VLLM_BLOCK_SIZE = 16;
export const VLLM_GPU_BLOCKS = 4096;

/** vLLM's Prometheus text, with the labels vLLM v0.10+ puts on its gauges. */
export function vllmMetricsText(model: string, load: VllmLoad): string {
  const labels = `engine="0",model_name="${model}"`;
  const gauge = (name: string, help: string, value: number, labelText = labels) =>
    `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}{${labelText}} ${value}\n`;
  return [
    gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', load.running),
    gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', load.waiting),
    gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', load.kvCache),
    gauge(
      'vllm:cache_config_info',
      'Information of the LLMEngine CacheConfig',
      1,
      `block_size="${VLLM_BLOCK_SIZE}",cache_dtype="auto",enable_prefix_caching="True",engine="0",gpu_memory_utilization="0.9",num_cpu_blocks="0",num_gpu_blocks="${VLLM_GPU_BLOCKS}"`,
    ),
    // Its value is the time the adapters set last changed; no adapter here.
    gauge(
      'vllm:lora_requests_info',
      'Running stats on lora requests.',
      1_700_000_000,
      'max_lora="1",running_lora_adapters="",waiting_lora_adapters=""',
    ),
  ].join('');
}

/**
 * A stand-in vLLM server on a loopback address (127.0.0.2 and up are all this host's), serving
 * /metrics with the load the test sets, and 200 to anything else.
 */
export async function startFakeVllm(address: string, port: number, model: string, initial: VllmLoad): Promise<FakeVllm> {
  let load = initial;
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/metrics') {
      scrapes += 1;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(vllmMetricsText(model, load));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    address,
    port,
    endpoint: `${address}:${port}`,
    set: (change) => {
      load = { ...load, ...change };
    },
    get load() {
      return load;
    },
    get scrapes() {
      return scrapes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
