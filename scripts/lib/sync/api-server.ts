import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'node:https';

/** Where the local API server listens and how to authenticate to it. */
export interface ApiServerEndpoint {
  readonly server: string;
  readonly token: string;
  /** The self-signed serving certificate the API server generated (PEM), to trust. */
  readonly caPem: string;
}

export interface RunningApiServer {
  readonly endpoint: ApiServerEndpoint;
  /** Milliseconds from starting etcd to the API server answering /readyz. */
  readonly startMs: number;
  readonly pids: { readonly etcd: number; readonly apiServer: number };
  /** Peak resident memory so far (VmHWM, MiB) of each process; undefined where /proc cannot tell. */
  peakRssMiB(): Promise<{ etcd: number | undefined; apiServer: number | undefined }>;
  /** Stops both processes and removes the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

export class ApiServerStartError extends Error {}

export interface StartOptions {
  readonly etcd: string;
  readonly kubeApiServer: string;
  /** Give up after this long (the API server needs 3-4 s on 2 cores). @default 60 s */
  readonly timeoutMs?: number;
}

async function freePort(): Promise<number> {
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tail(file: string, lines = 25): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n').trim();
}

/** GET on the API server with the token, trusting anything (only until its certificate is read). */
function probe(url: string, token: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const agent = new Agent(ca ? { ca } : { rejectUnauthorized: false });
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** A process's peak resident set (VmHWM) in MiB, from /proc (Linux). */
async function peakRss(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kib = status && /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  return kib ? Math.round(Number(kib) / 1024) : undefined;
}

/**
 * Starts etcd and kube-apiserver on loopback, in a temporary directory, on free ports: a token
 * for a cluster admin, a service-account signing key, no controllers (nothing runs but the API
 * server: no namespace finalizer, no scheduler, no kubelet). Both stop on stop(), and on the
 * process's exit or SIGINT/SIGTERM.
 */
export async function startApiServer(options: StartOptions): Promise<RunningApiServer> {
  const started = performance.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'sync-test-'));
  const pki = path.join(dir, 'pki');
  await mkdir(pki, { recursive: true });
  const token = randomBytes(24).toString('hex');
  await writeFile(path.join(pki, 'tokens.csv'), `${token},sync-test,sync-test,system:masters\n`, { mode: 0o600 });
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(path.join(pki, 'service-account.key'), privateKey, { mode: 0o600 });
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];

  const children: ChildProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killNow);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // A throwaway server with a throwaway store, stopped once nothing is in flight: killed, not
    // drained (a graceful kube-apiserver shutdown takes a second, per environment, for nothing).
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const killNow = () => children.forEach((c) => c.kill('SIGKILL'));
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().then(() => process.kill(process.pid, signal));
  };
  process.once('exit', killNow);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const launch = (binary: string, args: string[], log: string): ChildProcess => {
    const out = createWriteStream(path.join(dir, log));
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    children.push(child);
    return child;
  };
  const fail = async (what: string, log: string): Promise<never> => {
    const why = await tail(path.join(dir, log));
    await stop();
    throw new ApiServerStartError(`${what}; its log ends with:\n${why}`);
  };

  try {
    const etcd = launch(
      options.etcd,
      [
        '--name=sync-test',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=sync-test=http://127.0.0.1:${etcdPeer}`,
        '--log-level=warn',
        // A throwaway store: no fsync, no 64 MB WAL preallocation worth waiting for.
        '--unsafe-no-fsync',
      ],
      'etcd.log',
    );
    const apiServer = launch(
      options.kubeApiServer,
      [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        // No certificate given: the API server generates a self-signed one here.
        `--cert-dir=${path.join(pki, 'serving')}`,
        `--token-auth-file=${path.join(pki, 'tokens.csv')}`,
        `--service-account-key-file=${path.join(pki, 'service-account.key')}`,
        `--service-account-signing-key-file=${path.join(pki, 'service-account.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        // A loopback address may not be an endpoint of the kubernetes Service.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
      ],
      'kube-apiserver.log',
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const deadline = started + (options.timeoutMs ?? 60_000);
    for (;;) {
      if (etcd.exitCode !== null) await fail(`etcd exited (code ${etcd.exitCode})`, 'etcd.log');
      if (apiServer.exitCode !== null) await fail(`kube-apiserver exited (code ${apiServer.exitCode})`, 'kube-apiserver.log');
      const ready = await probe(`${server}/readyz`, token);
      if (ready.status === 200 && ready.body.trim() === 'ok') break;
      if (performance.now() > deadline)
        await fail(`kube-apiserver was not ready after ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`, 'kube-apiserver.log');
      await sleep(100);
    }
    const caPem = await readFile(path.join(pki, 'serving', 'apiserver.crt'), 'utf8');
    if ((await probe(`${server}/readyz`, token, caPem)).status !== 200)
      await fail('the serving certificate kube-apiserver generated does not verify', 'kube-apiserver.log');
    const pids = { etcd: etcd.pid!, apiServer: apiServer.pid! };
    const peakRssMiB = async () => ({ etcd: await peakRss(pids.etcd), apiServer: await peakRss(pids.apiServer) });
    return { endpoint: { server, token, caPem }, startMs: performance.now() - started, pids, peakRssMiB, stop };
  } catch (error) {
    await stop();
    if (error instanceof ApiServerStartError) throw error;
    throw new ApiServerStartError(`could not start the API server: ${(error as Error).message}`);
  }
}
