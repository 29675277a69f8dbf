/**
 * npm run sync-test: replays each environment's GitOps sync, from its committed folders, on a real
 * kube-apiserver and etcd (npm run tools builds both), with the CRDs platform/crd-sources.yaml
 * locks arriving when the add-on that ships them syncs.
 */
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseReportFormat } from './lib/cli/report-format.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { loadSelectedFleet } from './lib/config/select-environments.js';
import { CrdLockError } from './lib/crds/crd-sources.js';
import { ApiServerStartError } from './lib/sync/api-server.js';
import { CrdCatalogError } from './lib/sync/crd-catalog.js';
import { hasErrors } from './lib/sync/findings.js';
import { FolderError } from './lib/sync/folder-objects.js';
import { formatReplay } from './lib/sync/report.js';
import { BaseRevisionError, replayEnvironment } from './lib/sync/replay-environment.js';
import { announceEngine, missingEngineMessage } from './lib/tools/locate-engine.js';
import { mapConcurrent } from './lib/process/map-concurrent.js';
import { TOOL_ROOT } from './lib/cli/tool-root.js';
import { pullRequestBase } from './lib/cli/base-revision.js';

const USAGE = `Usage: npm run sync-test -- [--env NAME ...] [--base REV] [--format text|json|github] [--verbose] [--root DIR]

Replays each environment's GitOps sync on a real kube-apiserver and etcd started on loopback (free
ports, a temporary directory, both stopped and removed on exit, error or signal), from the
committed folders, as its engine would: Argo CD (the bootstrap applied by hand, then the root
Application's waves, each Application's dry run and waves in gitops-engine's order) or Flux
(Kustomizations in dependsOn order, applied in Flux's stages). The CRDs of a Helm add-on arrive
when its Application or HelmRelease syncs (platform/crd-sources.yaml). Controllers do not run:
where a wave would wait on health, the report says what it waits for.

  --env NAME   replay only this environment (repeatable; default: all)
  --base REV   replay REV's committed folders first, then this tree's over them, as a merge
               reaches a cluster that runs REV (an immutable field changed shows only so);
               default: origin/$GITHUB_BASE_REF in a pull request, else none (a first sync)
  --format F   text (default), json or github (annotations on the files)
  --verbose    also list what was installed along the way
  --root DIR   repository root (default: the current directory)

Exit 0 when every environment replays clean, 1 on findings, 2 on bad input or when the API
server cannot start (with why).
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string', multiple: true },
    base: { type: 'string' },
    format: { type: 'string' },
    verbose: { type: 'boolean' },
    root: { type: 'string' },
  });
  const format = parseReportFormat(values.format);
  // In a pull request, what the merge meets is the base branch as deployed.
  const base = values.base ?? pullRequestBase();
  const root = path.resolve(values.root ?? process.cwd());
  const loaded = await loadSelectedFleet(root, values.env, format);
  if (!loaded) return EXIT.badInput;
  const { fleet, environments } = loaded;

  const etcd = await announceEngine('etcd');
  const kubeApiServer = await announceEngine('kube-apiserver');
  if (!etcd || !kubeApiServer) {
    for (const [name, found] of [
      ['etcd', etcd],
      ['kube-apiserver', kubeApiServer],
    ] as const)
      if (!found) process.stderr.write(`sync replay NOT run: ${await missingEngineMessage(name)}\n`);
    return EXIT.badInput;
  }

  let replays;
  try {
    // Each environment has an API server of its own, so they replay side by side, one per CPU
    // (an API server's start is most of a replay); the report keeps the environments' order.
    replays = await mapConcurrent(environments, (env) => {
      const engine = fleet.environments.get(env)!.spec.gitops.engine;
      if (format !== 'json') process.stderr.write(`sync-test: ${env} (${engine})\n`);
      return replayEnvironment({
        root,
        toolRoot: TOOL_ROOT,
        env,
        engine,
        etcd: etcd.binary,
        kubeApiServer: kubeApiServer.binary,
        ...(base ? { base } : {}),
      });
    });
  } catch (error) {
    if (
      error instanceof ApiServerStartError ||
      error instanceof CrdLockError ||
      error instanceof CrdCatalogError ||
      error instanceof FolderError ||
      error instanceof BaseRevisionError
    ) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
  process.stdout.write(formatReplay(replays, format, values.verbose ?? false));
  return hasErrors(replays) ? EXIT.gateFailed : EXIT.ok;
}

await runCli(USAGE, main);
