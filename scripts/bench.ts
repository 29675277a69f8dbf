/**
 * npm run bench: render a generated fleet (3 environments x 50 models by default) into a temp
 * dir and print wall time, documents written and peak RSS. Numbers, not assertions.
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
import { commandLine } from './lib/cli/command-line.js';
import { TOOL_ROOT } from './lib/cli/tool-root.js';

const USAGE = `Usage: npm run bench -- [--environments N] [--models N] [--runs N] [--keep]

Generates a fleet of N environments x N models in a temp dir, renders it and prints:
wall time of the render in a fresh process, documents written, and peak RSS.

  --environments N   environments to generate (default 3)
  --models N         models in the catalogue, all deployed everywhere (default 50)
  --runs N           measured runs; the median and best are printed (default 3)
  --keep             keep the generated fleet and print where it is
`;

interface Measurement {
  readonly wallMs: number;
  readonly documents: number;
  readonly files: number;
  readonly maxRssMiB: number;
}

/** Child mode: render the fleet at `root` from scratch and report this process's numbers. */
async function measure(root: string): Promise<Measurement> {
  const started = performance.now();
  const loaded = await loadFleet(root);
  if (!loaded.ok) throw new Error(`generated fleet is invalid: ${JSON.stringify(loaded.problems.slice(0, 3))}`);
  let documents = 0;
  let files = 0;
  for (const name of loaded.fleet.environments.keys()) {
    const rendered = renderEnvironment(loaded.fleet, name);
    await writeEnvironment(root, rendered);
    files += rendered.files.size;
    documents += rendered.objectCount;
  }
  const wallMs = performance.now() - started;
  return { wallMs, documents, files, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

function positive(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, found "${value}"`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    environments: { type: 'string' },
    models: { type: 'string' },
    runs: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'measure-child': { type: 'string' },
  });
  if (values['measure-child'] !== undefined) {
    process.stdout.write(JSON.stringify(await measure(values['measure-child'])));
    return EXIT.ok;
  }
  const environments = positive(values.environments, '--environments', 3);
  const models = positive(values.models, '--models', 50);
  const runs = positive(values.runs, '--runs', 3);

  const root = await mkdtemp(path.join(tmpdir(), 'eks-llm-gitops-bench-'));
  try {
    await generateFleet(root, environments, models);
    process.stdout.write(
      `fleet: ${environments} environments x ${models} models (node ${process.version}, ${process.platform}/${process.arch})\n`,
    );

    const inProcess: Measurement[] = [];
    const wholeProcess: number[] = [];
    for (let run = 0; run < runs; run++) {
      await $({ quiet: true })`rm -rf ${path.join(root, 'clusters')}/*/manifests`;
      inProcess.push(
        JSON.parse(
          (
            await $({
              quiet: true,
              cwd: TOOL_ROOT,
            })`${commandLine('bench')} --measure-child ${root}`
          ).stdout,
        ),
      );

      await $({ quiet: true })`rm -rf ${path.join(root, 'clusters')}/*/manifests`;
      const started = performance.now();
      await $({ quiet: true, cwd: TOOL_ROOT })`${commandLine('render')} --root ${root}`;
      wholeProcess.push(performance.now() - started);
    }

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const first = inProcess[0] as Measurement;
    const fmt = (ms: number) => `${Math.round(ms)} ms`;
    process.stdout.write(
      [
        `written per render: ${first.files} files (${first.documents} Kubernetes objects + ${first.files - first.documents} kustomization.yaml)`,
        `render (load + synth + write, in a fresh process): median ${fmt(median(inProcess.map((m) => m.wallMs)))}, best ${fmt(Math.min(...inProcess.map((m) => m.wallMs)))}`,
        `  throughput: ${Math.round((first.files / median(inProcess.map((m) => m.wallMs))) * 1000)} files/s`,
        `  peak RSS: ${Math.round(Math.max(...inProcess.map((m) => m.maxRssMiB)))} MiB`,
        `npm run render, whole process (startup included): median ${fmt(median(wholeProcess))}, best ${fmt(Math.min(...wholeProcess))}`,
        `runs: ${runs}`,
        '',
      ].join('\n'),
    );
    if (values.keep) process.stdout.write(`fleet kept in ${root}\n`);
    return EXIT.ok;
  } finally {
    if (!values.keep) await rm(root, { recursive: true, force: true });
  }
}

await runCli(USAGE, main);
