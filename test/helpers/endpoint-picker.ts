import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import type { ApiServerEndpoint } from '../../scripts/lib/sync/api-server.js';
import type { PickerPorts } from '../../apps/router/endpoint-picker.js';

/*
 * Running the real endpoint picker (EPP) on loopback for a test, and asking it where requests go
 * through tools/ext-proc-client (Envoy's side of ext-proc).
 */

/** A port nothing listens on now (the kernel's choice), on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function freePickerPorts(): Promise<PickerPorts> {
  return { grpc: await freePort(), health: await freePort(), metrics: await freePort() };
}

/** A kubeconfig for the test's API server (its token and the certificate it generated). */
export async function writeKubeconfig(file: string, endpoint: ApiServerEndpoint): Promise<string> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'local', cluster: { server: endpoint.server, 'certificate-authority-data': Buffer.from(endpoint.caPem).toString('base64') } },
    ],
    users: [{ name: 'admin', user: { token: endpoint.token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin' } }],
    'current-context': 'local',
  };
  // JSON is YAML.
  await writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Polls `probe` until it returns something other than undefined, every `everyMs`; throws after
 * `timeoutMs` with `what` and the last thing `describe` said about the state.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 15_000, everyMs = 50, describe }: { timeoutMs?: number; everyMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) {
      const state = describe ? `\n${await describe()}` : '';
      throw new Error(`${what}: not so after ${timeoutMs / 1000} s${state}`);
    }
    await sleep(everyMs);
  }
}

/** One request as Envoy would pass it to the picker. */
export interface PickRequest {
  readonly id?: string;
  readonly path?: '/v1/completions' | '/v1/chat/completions';
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  /** How many request_body messages carry the body. @default 1 */
  readonly chunks?: number;
}

/** What the picker answered: where it routes the request, or the status it failed it with. */
export interface PickResult {
  readonly id: string;
  /** The x-gateway-destination-endpoint header it set. */
  readonly endpoint?: string;
  /** The same, from its envoy.lb dynamic metadata. */
  readonly metadataEndpoint?: string;
  /** The HTTP status of an immediate response (the picker refused the request). */
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
  readonly ms: number;
}

export interface RunningPicker {
  readonly ports: PickerPorts;
  readonly pid: number;
  readonly log: string;
  /** The last lines of its log. */
  logTail(lines?: number): Promise<string>;
  /** Its own Prometheus metrics (the --metrics-port). */
  metrics(): Promise<string>;
  /** Sends the requests one after another, each on its own ext-proc stream, and returns the answers. */
  pick(requests: readonly PickRequest[], timeoutMs?: number): Promise<PickResult[]>;
  /** As pick, without waiting: the answers arrive when the picker gives them (a held request). */
  pickLater(
    requests: readonly PickRequest[],
    timeoutMs?: number,
  ): { readonly answered: () => boolean; readonly results: Promise<PickResult[]> };
  /** Whether its gRPC health service says SERVING (the kubelet's probe). */
  healthy(service?: string): Promise<boolean>;
  /** Kills it. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPickerOptions {
  readonly epp: string;
  readonly extProcClient: string;
  readonly args: readonly string[];
  readonly ports: PickerPorts;
  readonly kubeconfig: string;
  readonly namespace: string;
  /** Where its log goes. */
  readonly dir: string;
  readonly name: string;
  /** Give up waiting for SERVING after this long. @default 30 s */
  readonly timeoutMs?: number;
}

/** Runs the ext-proc client over `requests`; resolves with its answers, one per request, in order. */
function runClient(
  extProcClient: string,
  args: string[],
  stdin: string,
  onChild: (child: ChildProcess) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(extProcClient, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    onChild(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A client that exits early (a health check that needs no input) closes its stdin first.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

/**
 * Starts the endpoint picker with `args` (endpointPickerArgs, with its --config-file pointed at
 * a file the test wrote) against the test's API server, and waits until its gRPC health service
 * says SERVING (it has read its InferencePool) and its ext-proc port takes connections: the
 * health service says SERVING up to a second before the ext-proc server listens (it generates
 * its self-signed certificate first). Killed on stop(), and when the test process exits.
 */
export async function startPicker(options: StartPickerOptions): Promise<RunningPicker> {
  const log = path.join(options.dir, `${options.name}.log`);
  const out = createWriteStream(log);
  const child = spawn(options.epp, [...options.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      // What the pod's downward API gives it (router.ts).
      NAMESPACE: options.namespace,
      POD_NAME: `${options.name}-5d8f7c9b6-x2x4q`,
    },
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const clients = new Set<ChildProcess>();
  const killNow = () => {
    child.kill('SIGKILL');
    for (const c of clients) c.kill('SIGKILL');
  };
  process.once('exit', killNow);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killNow);
    for (const c of clients) c.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
  };
  const logTail = async (lines = 40) => (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-lines).join('\n').trim();

  const client = (args: string[], stdin = '') =>
    runClient(options.extProcClient, args, stdin, (c) => {
      clients.add(c);
      c.once('exit', () => clients.delete(c));
    });
  const grpcAddress = `127.0.0.1:${options.ports.grpc}`;
  const pickNow = async (requests: readonly PickRequest[], timeoutMs = 30_000): Promise<PickResult[]> => {
    const input = JSON.stringify({ requests: requests.map((r, i) => ({ ...r, id: r.id ?? `r${i + 1}` })) });
    const result = await client(['--addr', grpcAddress, '--timeout', `${timeoutMs}ms`], input);
    const answers = result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as PickResult);
    if (answers.length !== requests.length)
      throw new Error(
        `ext-proc-client answered ${answers.length} of ${requests.length} requests (exit ${result.code}): ${result.stderr}\n` +
          `picker log:\n${await logTail()}`,
      );
    return answers;
  };
  const picker: RunningPicker = {
    ports: options.ports,
    pid: child.pid!,
    log,
    logTail,
    metrics: async () => {
      const response = await fetch(`http://127.0.0.1:${options.ports.metrics}/metrics`);
      return response.text();
    },
    pick: pickNow,
    pickLater: (requests, timeoutMs) => {
      let done = false;
      const results = pickNow(requests, timeoutMs).finally(() => (done = true));
      // Read by the caller; an unhandled rejection until then is not one.
      results.catch(() => undefined);
      return { answered: () => done, results };
    },
    healthy: async (service = '') => {
      const result = await client(['--health', `127.0.0.1:${options.ports.health}`, '--service', service, '--timeout', '2s']);
      return result.code === 0;
    },
    stop,
  };

  try {
    await eventually(
      `the endpoint picker (${options.name}) serving`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`the endpoint picker exited (code ${child.exitCode}); its log ends with:\n${await logTail()}`);
        return (await picker.healthy()) && (await listening(options.ports.grpc)) ? true : undefined;
      },
      { timeoutMs: options.timeoutMs ?? 30_000, everyMs: 100, describe: async () => `its log ends with:\n${await logTail()}` },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return picker;
}

/** One sample of a metric in Prometheus text: its labels and value. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of `name` in Prometheus text (no escaped quotes in label values here). */
export function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[key!] = value!;
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}
