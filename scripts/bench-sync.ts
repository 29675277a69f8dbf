/**
 * npm run bench:sync: replays the sample fleet's environments and a generated environment of 50
 * models on the real API server, and prints the API server's start time, each replay's time, and
 * the peak memory of kube-apiserver, etcd and this process. Numbers, not assertions.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateFleet } from './lib/bench/generate-fleet.js';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { loadFleet } from './lib/config/load-fleet.js';
import { renderEnvironment } from './lib/render/render-environment.js';
import { writeEnvironment } from './lib/render/write-environment.js';
import { replayEnvironment } from './lib/sync/replay-environment.js';
import { table } from './lib/text/markdown.js';
import { announceEngine, missingEngineMessage } from './lib/tools/locate-engine.js';
import { TOOL_ROOT } from './lib/cli/tool-root.js';

const USAGE = `Usage: npm run bench:sync -- [--models N]

Replays every environment of the sample fleet, then one generated environment of N models
(default 50), each on an API server of its own, and prints per replay: objects applied, the API
server's start time (etcd started to /readyz), the replay's wall time (start and stop included),
the peak RSS of kube-apiserver and etcd, and this process's peak RSS at the end.
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), { models: { type: 'string' } });
  const models = Number(values.models ?? 50);
  if (!Number.isInteger(models) || models < 1) throw new UsageError(`--models must be a positive integer, found "${values.models}"`);
  const etcd = await announceEngine('etcd');
  const kubeApiServer = await announceEngine('kube-apiserver');
  if (!etcd || !kubeApiServer) {
    process.stderr.write(`${await missingEngineMessage(etcd ? 'kube-apiserver' : 'etcd')}\n`);
    return EXIT.badInput;
  }
  const rows: string[][] = [];
  const run = async (root: string, env: string, label: string) => {
    const fleet = await loadFleet(root);
    if (!fleet.ok) throw new Error(`${label}: the fleet does not load`);
    const engine = fleet.fleet.environments.get(env)!.spec.gitops.engine;
    const r = await replayEnvironment({ root, toolRoot: TOOL_ROOT, env, engine, etcd: etcd.binary, kubeApiServer: kubeApiServer.binary });
    const errors = r.findings.filter((f) => f.level === 'error').length;
    rows.push([
      label,
      String(r.applied),
      (r.startMs / 1000).toFixed(1),
      (r.durationMs / 1000).toFixed(1),
      String(r.peakRssMiB.apiServer ?? '?'),
      String(r.peakRssMiB.etcd ?? '?'),
      String(errors),
    ]);
  };

  const sample = await loadFleet(TOOL_ROOT);
  if (!sample.ok) throw new Error('the sample fleet does not load');
  for (const env of sample.fleet.environments.keys()) await run(TOOL_ROOT, env, `sample ${env}`);

  const root = await mkdtemp(path.join(tmpdir(), 'eks-llm-gitops-bench-sync-'));
  try {
    const generated = await generateFleet(root, 1, models);
    await cp(path.join(TOOL_ROOT, 'platform/schemas'), path.join(root, 'platform/schemas'), { recursive: true });
    const loaded = await loadFleet(root);
    if (!loaded.ok) throw new Error('the generated fleet does not load');
    const env = generated.environments[0]!;
    await writeEnvironment(root, renderEnvironment(loaded.fleet, env));
    await run(root, env, `generated, ${models} models`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  process.stdout.write(
    `${table(['replay', 'objects applied', 'API server start (s)', 'replay (s)', 'kube-apiserver peak RSS (MiB)', 'etcd peak RSS (MiB)', 'errors'], rows)}\n`,
  );
  process.stdout.write(`this process: peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`);
  return EXIT.ok;
}

await runCli(USAGE, main);
