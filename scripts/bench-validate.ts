/**
 * npm run bench:validate: generate the 3 x 50 fleet, render it, then validate it as a whole
 * process and print documents, wall time and documents/s; with kubeconform (npm run tools), run it on the
 * same files with the same schema locations (-strict -n 2) and print both and the ratio.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { generateFleet } from './lib/bench/generate-fleet.js';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { loadFleet } from './lib/config/load-fleet.js';
import { renderEnvironment } from './lib/render/render-environment.js';
import { writeEnvironment } from './lib/render/write-environment.js';
import { kubeconformArgs } from './lib/validate/kubeconform-engine.js';
import { announceEngine } from './lib/tools/locate-engine.js';
import { parseLocationList } from './lib/validate/schema-location.js';
import { LOCATIONS_VARIABLE } from './lib/validate/locations-variable.js';
import { commandLine } from './lib/cli/command-line.js';
import { TOOL_ROOT } from './lib/cli/tool-root.js';

const USAGE = `Usage: npm run bench:validate -- [--runs N]

Generates and renders a 3 environments x 50 models fleet, then times \`npm run validate\` on it as
a whole process (cold schema cache, then warm), and kubeconform on the same files (from npm run
tools, $KUBECONFORM or PATH). Schema locations come from $${LOCATIONS_VARIABLE} (else the
built-in validators).
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), { runs: { type: 'string' } });
  const runs = Number(values.runs ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a positive integer, found "${values.runs}"`);

  const root = await mkdtemp(path.join(tmpdir(), 'eks-llm-gitops-bench-validate-'));
  try {
    const fleet = await generateFleet(root, 3, 50);
    const loaded = await loadFleet(root);
    if (!loaded.ok) throw new Error('generated fleet is invalid');
    let documents = 0;
    let kustomizations = 0;
    for (const env of fleet.environments) {
      const rendered = renderEnvironment(loaded.fleet, env);
      await writeEnvironment(root, rendered);
      documents += rendered.files.size;
      kustomizations += [...rendered.files.keys()].filter((f) => f.endsWith('kustomization.yaml')).length;
    }
    const locations = parseLocationList(process.env[LOCATIONS_VARIABLE]);
    process.stdout.write(
      `fleet: 3 environments x 50 models, ${documents} documents (${documents - kustomizations} objects + ${kustomizations} kustomization.yaml, skipped as build files)\n` +
        `schemas: ${locations.length > 0 ? locations.join(', ') : 'built-in validators (no schema locations configured)'}\n`,
    );

    const cache = path.join(root, '.cache');
    const validate = (env: Record<string, string> = {}) =>
      $({
        quiet: true,
        nothrow: true,
        cwd: TOOL_ROOT,
        env: { ...process.env, ...env },
      })`${commandLine('validate')} --root ${root} --cache ${cache}`;

    const cold = await timed(async () => {
      const result = await validate();
      if (result.exitCode !== 0) throw new Error(`validation failed on the generated fleet:\n${result.stdout.slice(0, 2000)}`);
    });
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) warm.push(await timed(() => validate()));
    const ours = median(warm);
    const rate = (ms: number) => Math.round((documents / ms) * 1000);
    process.stdout.write(
      `npm run validate (whole process): cold cache ${Math.round(cold)} ms; warm median ${Math.round(ours)} ms over ${runs} runs, ${rate(ours)} documents/s\n`,
    );

    const located = await announceEngine('kubeconform');
    if (!located) {
      process.stdout.write('kubeconform: not found, no comparison (npm run tools builds it; rerun to print both figures and the ratio)\n');
      return EXIT.ok;
    }
    const kubeconform = located.binary;
    const files = fleet.environments.map((env) => path.join(root, 'clusters', env, 'manifests'));
    const args = kubeconformArgs(
      { locations, strict: true, skip: ['Kustomization'], reject: [], ignoreMissingSchemas: false, cacheDir: undefined },
      'v1.32.0',
      files,
    );
    const theirs: number[] = [];
    for (let i = 0; i < runs; i++) theirs.push(await timed(() => $({ quiet: true, nothrow: true })`${kubeconform} ${args}`));
    const kc = median(theirs);
    process.stdout.write(`kubeconform -strict -n 2 (whole process): median ${Math.round(kc)} ms, ${rate(kc)} documents/s\n`);
    process.stdout.write(`ratio (kubeconform time / ours): ${(kc / ours).toFixed(2)} (above 1 means we are faster)\n`);
    return EXIT.ok;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await runCli(USAGE, main);
