/**
 * npm run bench:check: what each gate of `npm run check` costs (wall and peak RSS, each gate as
 * the process check runs) beside the raw engines on the same files (kubeconform, conftest, and
 * an API server with its etcd started to ready per environment), for the sample fleet and a
 * generated 3 x 50 fleet; then `npm run validate` alone against kubeconform at the generated
 * fleet's size and at ten times that. Prints numbers; asserts nothing.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { generateFleet } from './lib/bench/generate-fleet.js';
import { checkGates } from './lib/check/gates.js';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { TOOL_ROOT } from './lib/cli/tool-root.js';
import { CLUSTERS_DIR, loadFleet } from './lib/config/load-fleet.js';
import { mapConcurrent } from './lib/process/map-concurrent.js';
import { POLICIES_DIR, POLICY_DATA_DIR } from './lib/policy/catalogue.js';
import { renderEnvironment } from './lib/render/render-environment.js';
import { writeEnvironment } from './lib/render/write-environment.js';
import { readTree } from './lib/render/rendered-tree.js';
import { startApiServer } from './lib/sync/api-server.js';
import { locateEngine } from './lib/tools/locate-engine.js';
import { kubeconformArgs } from './lib/validate/kubeconform-engine.js';
import { LOCATIONS_VARIABLE } from './lib/validate/locations-variable.js';
import { parseLocationList } from './lib/validate/schema-location.js';
import { withVendoredLocation } from './lib/validate/vendored-schemas.js';
import { commandLine } from './lib/cli/command-line.js';

const USAGE = `Usage: npm run bench:check -- [--fleet sample|generated|both] [--no-scale]

Times every gate of npm run check (render --check, validate, kubeconform, sync-test, netpol,
policy) as the process check runs, with its peak RSS (GNU time), beside the raw engines on the
same files: kubeconform with the same schema locations (-strict), conftest with the same pack and
data (--all-namespaces, once per object and once --combine per environment, as many at once as
the policy gate runs), and the sync replay's floor: an API server and its etcd started to ready
and stopped, once per environment, as many at once as sync-test runs them (netpol-analyzer is a
wrapper of ours, fed by the gate; it has no raw run). Then npm run validate alone against kubeconform on the generated fleet's
documents and on ten copies of them. Needs npm run tools and $${LOCATIONS_VARIABLE}.

  --fleet F    sample (the repository's), generated (3 environments x 50 models), both (default)
               or none (only the validate-alone comparison)
  --no-scale   skip the validate-alone comparison
`;

const TIME = '/usr/bin/time';

interface Measure {
  readonly label: string;
  readonly seconds: number;
  readonly rssMiB: number;
  readonly exitCode: number;
}

/** Runs a command under GNU time: wall seconds (our clock) and the peak RSS it reports, in MiB. */
async function measure(label: string, command: string, args: readonly string[], cwd: string): Promise<Measure> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-time-'));
  const out = path.join(dir, 'time');
  try {
    const started = performance.now();
    const result = await $({ cwd, quiet: true, nothrow: true })`${TIME} -f %M -o ${out} ${command} ${args}`;
    const seconds = (performance.now() - started) / 1000;
    const kib = Number((await readFile(out, 'utf8')).trim().split('\n').pop());
    return { label, seconds, rssMiB: kib / 1024, exitCode: result.exitCode ?? -1 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Several commands at once, as one step: wall of the whole, the largest peak RSS among them. */
async function measureAll(label: string, runs: ReadonlyArray<[string, readonly string[]]>, cwd: string, width: number): Promise<Measure> {
  const started = performance.now();
  const results = await mapConcurrent(runs, ([command, args]) => measure(label, command, args, cwd), width);
  return {
    label,
    seconds: (performance.now() - started) / 1000,
    rssMiB: Math.max(...results.map((r) => r.rssMiB)),
    exitCode: Math.max(...results.map((r) => r.exitCode)),
  };
}

const row = (m: Measure) =>
  `  ${m.label.padEnd(34)} ${m.seconds.toFixed(2).padStart(8)} s ${m.rssMiB.toFixed(0).padStart(6)} MiB${m.exitCode === 0 ? '' : `  (exit ${m.exitCode})`}\n`;
const ratio = (label: string, ours: number, theirs: number) => `  ${label.padEnd(34)} ${(ours / theirs).toFixed(2).padStart(8)}x\n`;

/**
 * The sync replay's engine floor: an API server with its etcd, started to /readyz and stopped,
 * once per environment, as many at once as sync-test runs them. What the replay adds on top is
 * applying the environment's objects in order.
 */
async function rawApiServers(environments: number): Promise<Measure> {
  const etcd = await locateEngine('etcd');
  const kubeApiServer = await locateEngine('kube-apiserver');
  if (!etcd || !kubeApiServer) throw new UsageError('etcd or kube-apiserver not found: run npm run tools');
  const started = performance.now();
  const rss = await mapConcurrent(
    Array.from({ length: environments }, (_, i) => i),
    async () => {
      const server = await startApiServer({ etcd: etcd.binary, kubeApiServer: kubeApiServer.binary });
      try {
        const peak = await server.peakRssMiB();
        return Math.max(peak.apiServer ?? 0, peak.etcd ?? 0);
      } finally {
        await server.stop();
      }
    },
  );
  return {
    label: 'raw: API servers up (per environment)',
    seconds: (performance.now() - started) / 1000,
    rssMiB: Math.max(...rss),
    exitCode: 0,
  };
}

/** kubeconform as the kubeconform gate runs it: the same schema locations (vendored CRDs first), strict. */
function rawKubeconformArgs(folders: readonly string[]): string[] {
  const locations = withVendoredLocation(parseLocationList(process.env[LOCATIONS_VARIABLE]));
  const options = { locations, strict: true, skip: ['Kustomization'], reject: [], ignoreMissingSchemas: false, cacheDir: undefined };
  return kubeconformArgs(options, 'v1.32.0', folders);
}

function documentsIn(files: Map<string, string>): number {
  let count = 0;
  for (const [file, text] of files)
    if (!file.endsWith('kustomization.yaml')) count += text.split(/^---$/m).filter((d) => d.trim() !== '').length;
  return count;
}

/** The generated fleet, rendered and committed (the policy gate reads deployed versions from git). */
async function generatedRoot(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'bench-check-'));
  const fleet = await generateFleet(root, 3, 50);
  const loaded = await loadFleet(root);
  if (!loaded.ok) throw new Error('the generated fleet does not load');
  for (const env of fleet.environments) await writeEnvironment(root, renderEnvironment(loaded.fleet, env));
  // The policy pack, its data and the price table are read from the repository under check.
  await cp(path.join(TOOL_ROOT, POLICIES_DIR), path.join(root, POLICIES_DIR), { recursive: true });
  await $({
    cwd: root,
    quiet: true,
  })`git init -q -b main && git add -A && git -c user.name=bench -c user.email=bench@example.com commit -q -m fleet`;
  return root;
}

async function benchFleet(name: string, root: string, kubeconform: string, conftest: string): Promise<void> {
  const loaded = await loadFleet(root);
  if (!loaded.ok) throw new Error(`${name}: the fleet does not load`);
  const envs = [...loaded.fleet.environments.keys()];
  const tree = await readTree(root, CLUSTERS_DIR);
  const documents = documentsIn(new Map([...tree].filter(([f]) => f.includes('/manifests/') || f.includes('/bootstrap/'))));
  process.stdout.write(`\n${name} fleet: ${envs.length} environments, ${documents} rendered documents\n`);

  const gates: Measure[] = [];
  for (const gate of checkGates({ env: [], root, skipSyncTest: false })) {
    const [node, ...launch] = commandLine(gate.script);
    gates.push(await measure(`check: ${gate.name}`, node!, [...launch, ...gate.args], TOOL_ROOT));
  }
  for (const m of gates) process.stdout.write(row(m));
  const total = gates.reduce((sum, m) => sum + m.seconds, 0);
  process.stdout.write(
    `  ${'check: total'.padEnd(34)} ${total.toFixed(2).padStart(8)} s ${Math.max(...gates.map((g) => g.rssMiB))
      .toFixed(0)
      .padStart(6)} MiB\n`,
  );

  const folders = envs.flatMap((env) => ['manifests', 'bootstrap'].map((f) => path.join(root, CLUSTERS_DIR, env, f)));
  const kc = await measure('raw: kubeconform', kubeconform, rawKubeconformArgs(folders), root);
  const manifestFiles = (env: string) =>
    [...tree.keys()].filter((f) => f.startsWith(`${CLUSTERS_DIR}/${env}/manifests/`) && !f.endsWith('kustomization.yaml'));
  const pack = ['test', '--policy', POLICIES_DIR, '--data', POLICY_DATA_DIR, '--output', 'json', '--no-color', '--all-namespaces'];
  const passes: Array<[string, readonly string[]]> = envs.flatMap((env) => [
    [conftest, [...pack, ...manifestFiles(env)]] as [string, readonly string[]],
    [conftest, [...pack, '--combine', ...manifestFiles(env)]] as [string, readonly string[]],
  ]);
  // Without the per-environment data document the gate writes: the same evaluation work, and
  // findings from the rules that read it (exit 1).
  const ct = await measureAll('raw: conftest (objects + combined)', passes, root, availableParallelism());
  const api = await rawApiServers(envs.length);
  process.stdout.write(row(kc) + row(ct) + row(api));

  const byName = (n: string) => gates.find((g) => g.label === `check: ${n}`)!.seconds;
  process.stdout.write(
    ratio('validate / kubeconform', byName('validate'), kc.seconds) +
      ratio('kubeconform gate / kubeconform', byName('kubeconform'), kc.seconds) +
      ratio('policy / conftest', byName('policy'), ct.seconds) +
      ratio('sync-test / API servers up', byName('sync-test'), api.seconds) +
      ratio('check / raw engines', total, kc.seconds + ct.seconds + api.seconds) +
      ratio('check without netpol / raw engines', total - byName('netpol'), kc.seconds + ct.seconds + api.seconds),
  );
}

/**
 * validate alone against kubeconform, cold and warm cache, on the generated fleet and on ten
 * copies of it. Each copy of an environment is an environment of its own (a cluster of its own),
 * so the validator's duplicate-object check sees what it would in a real fleet of that size.
 */
async function benchScale(root: string, kubeconform: string): Promise<void> {
  const loaded = await loadFleet(root);
  if (!loaded.ok) throw new Error('the generated fleet does not load');
  const envs = [...loaded.fleet.environments.keys()];
  for (const copies of [1, 10]) {
    const fake = await mkdtemp(path.join(tmpdir(), 'bench-scale-'));
    // The validator's cache lives beside the documents, not among them.
    const cache = await mkdtemp(path.join(tmpdir(), 'bench-scale-cache-'));
    try {
      await cp(path.join(root, 'apps'), path.join(fake, 'apps'), { recursive: true });
      const folders: string[] = [];
      for (let i = 0; i < copies; i++)
        for (const env of envs) {
          const name = `${env}c${i}`;
          const target = path.join(fake, CLUSTERS_DIR, name);
          await cp(path.join(root, CLUSTERS_DIR, env, 'manifests'), path.join(target, 'manifests'), { recursive: true });
          const config = await readFile(path.join(root, CLUSTERS_DIR, env, 'cluster.yaml'), 'utf8');
          await writeFile(path.join(target, 'cluster.yaml'), config.replace(/^name: .*$/m, `name: ${name}`));
          folders.push(path.join(target, 'manifests'));
        }
      const documents = documentsIn(await readTree(fake, CLUSTERS_DIR));
      const [node, ...launch] = commandLine('validate');
      const validate = [...launch, '--root', fake, '--cache', cache, '--summary'];
      const cold = await measure(`validate, cold cache`, node!, validate, TOOL_ROOT);
      const warm = await measure(`validate, warm cache`, node!, validate, TOOL_ROOT);
      const kc = await measure('kubeconform', kubeconform, rawKubeconformArgs(folders), fake);
      process.stdout.write(
        `\nvalidate alone, ${documents} documents (${copies} cop${copies === 1 ? 'y' : 'ies'} of the generated fleet, ${folders.length} environments)\n`,
      );
      process.stdout.write(row(cold) + row(warm) + row(kc) + ratio('validate (warm) / kubeconform', warm.seconds, kc.seconds));
    } finally {
      await rm(fake, { recursive: true, force: true });
      await rm(cache, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), { fleet: { type: 'string' }, 'no-scale': { type: 'boolean' } });
  const fleet = values.fleet ?? 'both';
  if (!['sample', 'generated', 'both', 'none'].includes(fleet))
    throw new UsageError(`--fleet must be sample, generated, both or none, found "${fleet}"`);
  if (parseLocationList(process.env[LOCATIONS_VARIABLE]).length === 0)
    throw new UsageError(`$${LOCATIONS_VARIABLE} is not set: kubeconform (the gate and the raw engine) needs schema locations`);
  const kubeconform = await locateEngine('kubeconform');
  const conftest = await locateEngine('conftest');
  if (!kubeconform || !conftest) throw new UsageError('kubeconform or conftest not found: run npm run tools');
  process.stdout.write(
    `machine: ${availableParallelism()} CPUs, Node ${process.version}; wall seconds and peak RSS per process tree step\n`,
  );

  if (fleet === 'sample' || fleet === 'both') await benchFleet('sample', TOOL_ROOT, kubeconform.binary, conftest.binary);
  if (fleet === 'generated' || fleet === 'both' || !values['no-scale']) {
    const root = await generatedRoot();
    try {
      if (fleet === 'generated' || fleet === 'both') await benchFleet('generated 3 x 50', root, kubeconform.binary, conftest.binary);
      if (!values['no-scale']) await benchScale(root, kubeconform.binary);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
  return EXIT.ok;
}

await runCli(USAGE, main);
