import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { BOOTSTRAP_DIR, BOOTSTRAP_ROOT_DIR } from '../../../platform/gitops/bootstrap.js';
import { CLUSTERS_DIR } from '../config/load-fleet.js';
import { MANIFESTS_DIR } from '../render/manifest-files.js';
import { startApiServer } from './api-server.js';
import { replayArgoCd } from './argocd-replay.js';
import { CrdCatalog } from './crd-catalog.js';
import type { EnvironmentReplay, SyncFinding } from './findings.js';
import { folderObjects, groupOf } from './folder-objects.js';
import { replayFlux } from './flux-replay.js';
import { KubeClient } from './kube-client.js';
import { ReplayContext } from './replay-context.js';

export interface ReplayInput {
  readonly root: string;
  readonly toolRoot: string;
  readonly env: string;
  readonly engine: 'argocd' | 'flux';
  readonly etcd: string;
  readonly kubeApiServer: string;
  /**
   * Replay this git revision's committed folders first, then the working tree's over them, as a
   * merge reaches a cluster that runs the base: what only a change breaks (an immutable field)
   * shows in the second pass.
   * @default none: a first sync on an empty cluster
   */
  readonly base?: string;
}

export class BaseRevisionError extends Error {}

/** Replays one environment on an API server of its own, started for it and stopped after. */
export interface ReplayCosts {
  /** From starting etcd to the API server ready. */
  readonly startMs: number;
  /** Peak resident memory of the API server and of etcd (MiB). */
  readonly peakRssMiB: { readonly apiServer: number | undefined; readonly etcd: number | undefined };
}

export async function replayEnvironment(input: ReplayInput): Promise<EnvironmentReplay & ReplayCosts> {
  const started = performance.now();
  const envDir = `${CLUSTERS_DIR}/${input.env}`;
  // A CRD made from a schema must declare the scope its objects are rendered with.
  const namespaced = new Map<string, boolean>();
  for (const layer of ['platform', 'apps']) {
    for (const { object } of await folderObjects(input.root, `${envDir}/${MANIFESTS_DIR}/${layer}`)) {
      namespaced.set(`${groupOf(object)}/${object.kind}`, object.metadata.namespace !== undefined);
    }
  }
  const catalog = await CrdCatalog.load(input.root, input.toolRoot, (group, kind) =>
    namespaced.get(`${group}/${kind}`) === false ? 'Cluster' : 'Namespaced',
  );
  const baseRoot = input.base === undefined ? undefined : await checkoutEnvironment(input.root, input.base, envDir);
  const server = await startApiServer({ etcd: input.etcd, kubeApiServer: input.kubeApiServer }).catch(async (error: unknown) => {
    if (baseRoot) await rm(baseRoot, { recursive: true, force: true });
    throw error;
  });
  const client = new KubeClient(server.endpoint);
  const fieldManager = input.engine === 'argocd' ? 'argocd-controller' : 'kustomize-controller';
  const handApplied = `${envDir}/${BOOTSTRAP_DIR}/${BOOTSTRAP_ROOT_DIR}`;
  const replay = (ctx: ReplayContext, root: string) =>
    input.engine === 'argocd' ? replayArgoCd({ ctx, root, handApplied }) : replayFlux({ ctx, root, handApplied });
  try {
    const findings: SyncFinding[] = [];
    if (input.base !== undefined && !baseRoot) {
      findings.push({
        level: 'info',
        env: input.env,
        engine: input.engine,
        unit: `base ${input.base}`,
        message: `${input.base} has no ${envDir}: its merge is a first sync`,
      });
    }
    if (baseRoot) {
      const baseCtx = new ReplayContext(input.env, input.engine, client, catalog, fieldManager);
      await replay(baseCtx, baseRoot);
      const baseErrors = baseCtx.findings.filter((f) => f.level === 'error').length;
      findings.push({
        level: 'info',
        env: input.env,
        engine: input.engine,
        unit: `base ${input.base}`,
        message: `replayed ${envDir} at ${input.base} first (${baseCtx.applied} objects, ${baseErrors} error(s) of its own); what follows is this change applied over it`,
      });
    }
    const ctx = new ReplayContext(input.env, input.engine, client, catalog, fieldManager);
    await replay(ctx, input.root);
    findings.push(...ctx.findings);
    return {
      env: input.env,
      engine: input.engine,
      applied: ctx.applied,
      durationMs: performance.now() - started,
      findings,
      startMs: server.startMs,
      peakRssMiB: await server.peakRssMiB(),
    };
  } finally {
    client.close();
    await server.stop();
    if (baseRoot) await rm(baseRoot, { recursive: true, force: true });
  }
}

/**
 * An environment's committed folder at a git revision, in a temporary root of its own; undefined
 * when the revision has no such folder (a new environment: its merge is a first sync).
 */
async function checkoutEnvironment(root: string, revision: string, envDir: string): Promise<string | undefined> {
  const known = await $({ cwd: root, nothrow: true, quiet: true })`git rev-parse --verify --quiet ${`${revision}^{commit}`}`;
  if (known.exitCode !== 0) throw new BaseRevisionError(`--base ${revision}: not a commit in ${root}`);
  const present = await $({ cwd: root, nothrow: true, quiet: true })`git cat-file -e ${`${revision}:${envDir}`}`;
  if (present.exitCode !== 0) return undefined;
  const target = await mkdtemp(path.join(tmpdir(), 'sync-test-base-'));
  const archive = await $({ cwd: root, nothrow: true, quiet: true })`git archive --format=tar ${revision} -- ${envDir}`;
  if (archive.exitCode !== 0) {
    await rm(target, { recursive: true, force: true });
    throw new BaseRevisionError(`cannot read ${envDir} at ${revision}: ${archive.stderr.trim()}`);
  }
  await $({ cwd: target, input: archive.buffer(), quiet: true })`tar -x`;
  return target;
}
