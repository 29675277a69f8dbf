import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { $ } from 'zx';
import {
  endpointPickerArgs,
  endpointPickerConfig,
  EPP_GRPC_PORT,
  EPP_VERSION,
  SCORER_WEIGHTS,
  type PickerOptions,
} from '../apps/router/endpoint-picker.js';
import { toYaml } from '../platform/core/yaml.js';
import { cachedCrdFile } from '../scripts/lib/crds/fetch-crds.js';
import { startApiServer, type RunningApiServer } from '../scripts/lib/sync/api-server.js';
import { KubeClient, type KubeObject } from '../scripts/lib/sync/kube-client.js';
import { engineNamed } from '../scripts/lib/tools/engines.js';
import { engineModuleDir, enginePin } from '../scripts/lib/tools/locate-engine.js';
import {
  eventually,
  freePickerPorts,
  samples,
  startPicker,
  writeKubeconfig,
  type PickRequest,
  type PickResult,
  type RunningPicker,
} from './helpers/endpoint-picker.js';
import { engineForTests } from './helpers/engines.js';
import { startFakeVllm, VLLM_BLOCK_SIZE, type FakeVllm, type VllmLoad } from './helpers/fake-vllm.js';

/*
 * The router's endpoint picker, for real: the Gateway API Inference Extension's EPP (npm run
 * tools builds it) runs with exactly the plugin configuration and command line the render gives
 * it (apps/router/endpoint-picker.ts), against a real kube-apiserver and etcd holding an
 * InferencePool and its Pods, and scrapes stand-in vLLM servers on loopback addresses (the Pods'
 * IPs, 127.0.0.2 and up). tools/ext-proc-client plays Envoy's side of ext-proc and reports where
 * the picker routes each request. No kubelet runs: the test writes each Pod's status (its IP and
 * Ready condition) itself.
 */

const EPP_MODULE = 'sigs.k8s.io/gateway-api-inference-extension';
const INFERENCE_POOL_CRD = 'config/crd/bases/inference.networking.k8s.io_inferencepools.yaml';

/**
 * The InferencePool CRD of the picker's release: the copy npm run tools keeps in .tools/crds/
 * (platform/crd-sources.yaml), else the file in the Go module itself (tools/epp's go.sum checks
 * the module the go command downloads).
 */
async function inferencePoolCrdFile(): Promise<string> {
  const cached = cachedCrdFile(EPP_MODULE, EPP_VERSION, INFERENCE_POOL_CRD);
  if (existsSync(cached)) return cached;
  const go = process.env.GO || 'go';
  const result = await $({
    cwd: engineModuleDir(engineNamed('epp')),
    quiet: true,
    nothrow: true,
  })`${go} mod download -json ${`${EPP_MODULE}@${EPP_VERSION}`}`;
  const info = JSON.parse(result.stdout || '{}') as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${EPP_MODULE}@${EPP_VERSION} gave no directory: ${info.Error ?? result.stderr}`);
  return path.join(info.Dir, INFERENCE_POOL_CRD);
}

const engines = {
  kubeApiServer: await engineForTests('kube-apiserver'),
  etcd: await engineForTests('etcd'),
  epp: await engineForTests('epp'),
  extProcClient: await engineForTests('ext-proc-client'),
};
const skipReason = Object.values(engines).find((e) => e.skipReason !== '')?.skipReason ?? '';
const live = describe.skipIf(skipReason !== '');

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const POOL = 'llama-3-1-8b-instruct';
const NAMESPACE = 'llm-routing';
/** The InferencePool's target port: vLLM's, on every Pod IP. */
const MODEL_PORT = 8000;
const SELECTOR = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': POOL };
const FIELD_MANAGER = 'routing-test';
/** The finalizer that keeps a deleted Pod Terminating (as a kubelet still stopping it would). */
const HOLD_FINALIZER = 'routing-test.example.com/hold';

test('the picker npm run tools builds is the release the render deploys', async () => {
  expect(await enginePin(engineNamed('epp'))).toBe(EPP_VERSION);
});

/** A completion request; a prompt shorter than one cache block (16 tokens, 64 characters) has no prefix to match. */
const completion = (prompt: string, id?: string): PickRequest => ({
  ...(id === undefined ? {} : { id }),
  path: '/v1/completions',
  body: { model: MODEL, prompt, max_tokens: 8 },
});
let shortPrompts = 0;
/** `count` different prompts, each too short to hash: routing by load alone. */
const shortRequests = (count: number): PickRequest[] => Array.from({ length: count }, () => completion(`Say hi #${++shortPrompts}.`));
/** A prompt of `blocks` whole cache blocks, told apart from every other from its first block on. */
function longPrompt(tag: string, blocks = 24): string {
  const chars = blocks * VLLM_BLOCK_SIZE * 4;
  const text = `[${tag}] You are a careful assistant. Summarise the following report on GPU fleet capacity planning. `;
  return text.repeat(Math.ceil(chars / text.length)).slice(0, chars);
}

interface ModelPod {
  readonly name: string;
  readonly ip: string;
  /** ip:port, as the picker names it. */
  readonly endpoint: string;
  /** The picker's name for the Pod's one endpoint (a Pod is an endpoint per target port). */
  readonly endpointName: string;
  readonly server: FakeVllm;
  readonly object: KubeObject;
}

let nextAddress = 2;

/** The model's Pods in one namespace: created, made Ready or not, terminated, removed; each with its stand-in vLLM. */
class ModelPods {
  readonly pods = new Map<string, ModelPod>();

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
  ) {}

  private path(pod: ModelPod): string {
    return `/api/v1/namespaces/${this.namespace}/pods/${pod.name}`;
  }

  async add(name: string, load: VllmLoad, options: { ready?: boolean; finalizer?: boolean } = {}): Promise<ModelPod> {
    if (nextAddress > 254) throw new Error('out of loopback addresses');
    const ip = `127.0.0.${nextAddress++}`;
    const server = await startFakeVllm(ip, MODEL_PORT, MODEL, load);
    const object: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: this.namespace,
        labels: SELECTOR,
        ...(options.finalizer ? { finalizers: [HOLD_FINALIZER] } : {}),
      } as KubeObject['metadata'],
      spec: {
        // Bound already: no scheduler runs. The node need not exist.
        nodeName: 'gpu-node-1',
        automountServiceAccountToken: false,
        containers: [{ name: 'vllm', image: 'vllm/vllm-openai:v0.11.0', ports: [{ name: 'http', containerPort: MODEL_PORT }] }],
      },
    };
    await this.client.apply(object, { fieldManager: FIELD_MANAGER });
    const pod: ModelPod = { name, ip, endpoint: server.endpoint, endpointName: `${name}-rank-0`, server, object };
    this.pods.set(name, pod);
    await this.setReady(pod, options.ready ?? true);
    return pod;
  }

  /** Writes the status a kubelet would: Running at `ip`, and the Ready condition. */
  async setReady(pod: ModelPod, ready: boolean): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now });
    const status = {
      status: {
        phase: 'Running',
        hostIP: '127.0.0.1',
        podIP: pod.ip,
        podIPs: [{ ip: pod.ip }],
        startTime: now,
        conditions: [
          condition('PodScheduled', true),
          condition('Initialized', true),
          condition('ContainersReady', ready),
          condition('Ready', ready),
        ],
      },
    };
    const answer = await this.client.call(
      'PATCH',
      `${this.path(pod)}/status`,
      JSON.stringify(status),
      'application/strategic-merge-patch+json',
    );
    if (answer.status !== 200) throw new Error(`setting ${pod.name}'s status: HTTP ${answer.status} ${JSON.stringify(answer.json)}`);
  }

  /** Deletes the Pod as a scale-in does; its finalizer keeps it Terminating (deletionTimestamp set, still Ready). */
  async terminate(pod: ModelPod): Promise<KubeObject> {
    const answer = await this.client.call('DELETE', this.path(pod));
    if (answer.status !== 200 && answer.status !== 202) throw new Error(`deleting ${pod.name}: HTTP ${answer.status}`);
    return (await this.client.get(pod.object))!;
  }

  async read(pod: ModelPod): Promise<KubeObject | undefined> {
    return this.client.get(pod.object);
  }

  /** Removes every Pod at once (finalizers dropped, no grace) and stops its stand-in. */
  async removeAll(): Promise<void> {
    for (const pod of this.pods.values()) {
      await this.client.call('PATCH', this.path(pod), JSON.stringify({ metadata: { finalizers: null } }), 'application/merge-patch+json');
      const answer = await this.client.call('DELETE', `${this.path(pod)}?gracePeriodSeconds=0`);
      if (answer.status !== 200 && answer.status !== 202 && answer.status !== 404)
        throw new Error(`deleting ${pod.name}: HTTP ${answer.status}`);
      await pod.server.close();
    }
    this.pods.clear();
  }
}

/** The picker's own view: each endpoint it would route to, with the waiting queue it last scraped (inference_pool_per_pod_queue_size, read from its datastore as /metrics is served). */
async function pickerView(picker: RunningPicker): Promise<Record<string, number>> {
  const view: Record<string, number> = {};
  for (const s of samples(await picker.metrics(), 'inference_pool_per_pod_queue_size'))
    if (s.labels.name === POOL) view[s.labels.model_server_pod!] = s.value;
  return view;
}

/** Waits until the picker routes to exactly `pods`, each with the waiting queue its stand-in reports now (so it has scraped the load the test set). */
async function pickerSees(picker: RunningPicker, pods: readonly ModelPod[]): Promise<void> {
  const want = Object.fromEntries(pods.map((p) => [p.endpointName, p.server.load.waiting]));
  const same = (view: Record<string, number>) =>
    JSON.stringify(Object.entries(view).sort()) === JSON.stringify(Object.entries(want).sort());
  await eventually('the picker sees the pods and loads the test set', async () => (same(await pickerView(picker)) ? true : undefined), {
    describe: async () => `want ${JSON.stringify(want)}, the picker has ${JSON.stringify(await pickerView(picker))}`,
  });
}

const endpoints = (results: readonly PickResult[]) =>
  results.map((r) => r.endpoint ?? `status ${r.status ?? '-'} ${r.error ?? r.body ?? ''}`);

live(`the endpoint picker routes by load, prefix and readiness${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let dir: string;
  let server: RunningApiServer | undefined;
  let client: KubeClient;
  let kubeconfig: string;
  let picker: RunningPicker | undefined;
  let pods: ModelPods;
  const pickers: RunningPicker[] = [];

  /** Namespace, its default ServiceAccount (the admission plugin wants it for any Pod) and the InferencePool. */
  async function createPool(namespace: string): Promise<void> {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager: FIELD_MANAGER });
    await client.apply(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } },
      { fieldManager: FIELD_MANAGER },
    );
    await client.apply(
      {
        apiVersion: 'inference.networking.k8s.io/v1',
        kind: 'InferencePool',
        metadata: { name: POOL, namespace },
        spec: {
          selector: { matchLabels: SELECTOR },
          targetPorts: [{ number: MODEL_PORT }],
          endpointPickerRef: { name: `${POOL}-epp`, port: { number: EPP_GRPC_PORT } },
        },
      },
      { fieldManager: FIELD_MANAGER },
    );
  }

  /** The picker for `namespace`'s pool with exactly the render's arguments, on free ports, its config file written here. */
  async function startPickerFor(namespace: string, options: PickerOptions, name: string): Promise<RunningPicker> {
    const configFile = path.join(dir, `${name}.yaml`);
    await writeFile(configFile, toYaml(endpointPickerConfig(options)));
    const ports = await freePickerPorts();
    const rendered = endpointPickerArgs(POOL, namespace, ports);
    const args = rendered.map((a) => (a.startsWith('--config-file=') ? `--config-file=${configFile}` : a));
    expect(args.filter((a, i) => a !== rendered[i])).toEqual([`--config-file=${configFile}`]);
    const running = await startPicker({
      epp: engines.epp.located!.binary,
      extProcClient: engines.extProcClient.located!.binary,
      args,
      ports,
      kubeconfig,
      namespace,
      dir,
      name,
    });
    pickers.push(running);
    return running;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'routing-test-'));
    server = await startApiServer({ etcd: engines.etcd.located!.binary, kubeApiServer: engines.kubeApiServer.located!.binary });
    client = new KubeClient(server.endpoint);
    kubeconfig = await writeKubeconfig(path.join(dir, 'kubeconfig'), server.endpoint);
    const crd = load(await readFile(await inferencePoolCrdFile(), 'utf8')) as KubeObject;
    await client.installCrds([crd], FIELD_MANAGER);
    await createPool(NAMESPACE);
    pods = new ModelPods(client, NAMESPACE);
    picker = await startPickerFor(NAMESPACE, { holdWhenSaturated: false, holdSeconds: 60 }, 'epp');
  }, 90_000);

  afterEach(async () => {
    if (!pods || !picker) return;
    await pods.removeAll();
    await pickerSees(picker, []);
  });

  afterAll(async () => {
    for (const p of pickers) await p.stop();
    await pods?.removeAll().catch(() => undefined);
    client?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('(a) picks the least-loaded pod: none waiting and a cold KV cache, against loaded ones', async () => {
    const idle = await pods.add('vllm-idle', { waiting: 0, running: 1, kvCache: 0.1 });
    const busy = await pods.add('vllm-busy', { waiting: 3, running: 8, kvCache: 0.6 });
    const full = await pods.add('vllm-full', { waiting: 4, running: 12, kvCache: 0.7 });
    await pickerSees(picker!, [idle, busy, full]);
    // queue-scorer: (maxWaiting - waiting) / (maxWaiting - minWaiting); kv-cache-utilization-scorer:
    // 1 - kvCache; weighted 2 and 2 (no prefix to match): idle 2*1 + 2*0.9 = 3.8, busy 2*0.25 +
    // 2*0.4 = 1.3, full 0 + 2*0.3 = 0.6.
    const results = await picker!.pick(shortRequests(8));
    expect(endpoints(results)).toEqual(Array(8).fill(idle.endpoint));
    // Envoy reads either the header or the envoy.lb metadata: both name the same endpoint.
    for (const r of results) expect(r.metadataEndpoint).toBe(r.endpoint);
  });

  test('(b) keeps a prompt on the pod that cached its prefix, though another pod became slightly less loaded', async () => {
    const a = await pods.add('vllm-a', { waiting: 0, running: 2, kvCache: 0.1 });
    const b = await pods.add('vllm-b', { waiting: 2, running: 4, kvCache: 0.3 });
    const c = await pods.add('vllm-c', { waiting: 4, running: 9, kvCache: 0.7 });
    await pickerSees(picker!, [a, b, c]);
    const prompt = longPrompt('report-1');
    const [first] = await picker!.pick([completion(prompt, 'first')]);
    expect(first!.endpoint).toBe(a.endpoint);

    // Now b is the less loaded one.
    a.server.set({ waiting: 1, kvCache: 0.3 });
    b.server.set({ waiting: 0, kvCache: 0.2 });
    await pickerSees(picker!, [a, b, c]);
    // Scores: queue-scorer (max - waiting) / (max - min), max 4, min 0, weight 2;
    // kv-cache-utilization-scorer 1 - kvCache, weight 2; prefix-cache-scorer matched blocks /
    // prompt blocks, weight 3 (the approx-prefix-cache-producer, which the loader adds for it,
    // remembers the blocks of each prompt on the pod it was sent to).
    //   a prompt nobody has seen:  a 2*0.75 + 2*0.7 + 3*0 = 2.9   b 2*1 + 2*0.8 + 3*0 = 3.6  -> b
    //   the first prompt again:    a 2*0.75 + 2*0.7 + 3*1 = 5.9   b 3.6                    -> a
    // (c: 2*0 + 2*0.3 = 0.6.) The load difference (0.7) is far below the prefix weight (3).
    expect(SCORER_WEIGHTS).toEqual({ queue: 2, kvCache: 2, prefixCache: 3 });
    const [control, again] = await picker!.pick([completion(longPrompt('report-2'), 'control'), completion(prompt, 'again')]);
    expect(control!.endpoint).toBe(b.endpoint);
    expect(again!.endpoint).toBe(a.endpoint);
  });

  test('(c) never picks a pod whose Ready condition turned False, and picks it again once Ready', async () => {
    const idle = await pods.add('vllm-idle', { waiting: 0, running: 0, kvCache: 0.0 });
    const busy = await pods.add('vllm-busy', { waiting: 2, running: 6, kvCache: 0.5 });
    const full = await pods.add('vllm-full', { waiting: 5, running: 9, kvCache: 0.75 });
    await pickerSees(picker!, [idle, busy, full]);
    expect(endpoints(await picker!.pick(shortRequests(3)))).toEqual(Array(3).fill(idle.endpoint));

    await pods.setReady(idle, false);
    await pickerSees(picker!, [busy, full]);
    // Still the least loaded (its stand-in still serves), and never chosen.
    const results = await picker!.pick(shortRequests(20));
    expect(endpoints(results)).not.toContain(idle.endpoint);
    expect(endpoints(results)).toEqual(Array(20).fill(busy.endpoint));

    await pods.setReady(idle, true);
    await pickerSees(picker!, [idle, busy, full]);
    expect(endpoints(await picker!.pick(shortRequests(3)))).toEqual(Array(3).fill(idle.endpoint));
  });

  test('(d) never picks a terminating pod, though it is still Ready and the least loaded', async () => {
    const leaving = await pods.add('vllm-leaving', { waiting: 0, running: 0, kvCache: 0.05 }, { finalizer: true });
    const busy = await pods.add('vllm-busy', { waiting: 2, running: 5, kvCache: 0.4 });
    const full = await pods.add('vllm-full', { waiting: 4, running: 9, kvCache: 0.7 });
    await pickerSees(picker!, [leaving, busy, full]);
    expect(endpoints(await picker!.pick(shortRequests(3)))).toEqual(Array(3).fill(leaving.endpoint));

    const terminating = (await pods.terminate(leaving)) as KubeObject & {
      metadata: { deletionTimestamp?: string };
      status: { conditions: Array<{ type: string; status: string }> };
    };
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    await pickerSees(picker!, [busy, full]);
    const results = await picker!.pick(shortRequests(20));
    expect(endpoints(results)).not.toContain(leaving.endpoint);
    expect(endpoints(results)).toEqual(Array(20).fill(busy.endpoint));
    expect(await pods.read(leaving)).toBeDefined();
  });

  test('(e) picks a newly ready pod with the lowest load soon after it becomes Ready', async () => {
    const busy = await pods.add('vllm-busy', { waiting: 2, running: 5, kvCache: 0.4 });
    const full = await pods.add('vllm-full', { waiting: 4, running: 9, kvCache: 0.7 });
    // Started, serving metrics, not Ready yet (vLLM still loading weights, say).
    const fresh = await pods.add('vllm-fresh', { waiting: 0, running: 0, kvCache: 0.0 }, { ready: false });
    await pickerSees(picker!, [busy, full]);
    expect(endpoints(await picker!.pick(shortRequests(5)))).toEqual(Array(5).fill(busy.endpoint));

    const readyAt = performance.now();
    await pods.setReady(fresh, true);
    const first = await eventually(
      'a request routed to the newly ready pod',
      async () => (await picker!.pick(shortRequests(1)))[0]!.endpoint === fresh.endpoint || undefined,
      { timeoutMs: 10_000, everyMs: 20 },
    );
    expect(first).toBe(true);
    const sinceReady = performance.now() - readyAt;
    expect(sinceReady).toBeLessThan(10_000);
    expect(endpoints(await picker!.pick(shortRequests(5)))).toEqual(Array(5).fill(fresh.endpoint));
  });

  test('with holdWhenSaturated false and no ready pod, fails the request at once (503)', async () => {
    const [result] = await picker!.pick(shortRequests(1));
    expect(result).toMatchObject({ status: 503 });
    expect(result!.endpoint).toBeUndefined();
  });

  test('(f) with holdWhenSaturated, holds a request while no pod is ready and dispatches it to the first that becomes ready', async () => {
    const namespace = 'llm-held';
    await createPool(namespace);
    const held = new ModelPods(client, namespace);
    const holding = await startPickerFor(namespace, { holdWhenSaturated: true, holdSeconds: 60 }, 'epp-hold');
    try {
      const queued = async () =>
        samples(await holding.metrics(), 'inference_extension_flow_control_queue_size')
          .filter((s) => s.labels.inference_pool === POOL)
          .reduce((sum, s) => sum + s.value, 0);
      const pending = holding.pickLater([completion('Wake up, model.', 'held')], 60_000);
      await eventually('the request held in the flow-control queue', async () => ((await queued()) > 0 ? true : undefined), {
        describe: async () => `queue size ${await queued()}; answered: ${pending.answered()}\n${await holding.logTail(10)}`,
      });
      expect(pending.answered()).toBe(false);

      const first = await held.add('vllm-first', { waiting: 0, running: 0, kvCache: 0.0 });
      const [result] = await pending.results;
      expect(result).toMatchObject({ id: 'held', endpoint: first.endpoint });
      await eventually('the flow-control queue empty again', async () => ((await queued()) === 0 ? true : undefined));
      await held.removeAll();
    } finally {
      await holding.stop();
      await held.removeAll().catch(() => undefined);
    }
  });

  test('(g) with holdWhenSaturated, fails a held request that no pod takes within holdSeconds (503)', async () => {
    const namespace = 'llm-held';
    await createPool(namespace);
    const holding = await startPickerFor(namespace, { holdWhenSaturated: true, holdSeconds: 1 }, 'epp-hold-1s');
    try {
      const [result] = await holding.pick([completion('Anyone there?', 'expires')]);
      expect(result).toMatchObject({ id: 'expires', status: 503, body: expect.stringContaining('request timed out in queue') });
      // Held for the TTL (the flow controller's defaultRequestTTL), not refused at once.
      expect(result!.ms).toBeGreaterThanOrEqual(1000);
      expect(result!.ms).toBeLessThan(10_000);
    } finally {
      await holding.stop();
    }
  });
});
