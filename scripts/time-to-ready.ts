/**
 * npm run time-to-ready: how long a new replica of each model takes to serve, step by step,
 * per environment, from the reviewed figures of apps/model-server/startup-figures.ts.
 */
import path from 'node:path';
import { FIGURES_REVIEWED_ON, STARTUP_FIGURES } from '../apps/model-server/startup-figures.js';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { loadSelectedFleet } from './lib/config/select-environments.js';
import { environmentReadiness } from './lib/ready/estimates.js';
import { formatReadiness } from './lib/ready/format.js';

const USAGE = `Usage: npm run time-to-ready -- [--env NAME ...] [--model NAME] [--json] [--sources] [--root DIR]

Prints, for each model an environment runs, how long a new replica takes from "the autoscaler
adds it" to "it serves", step by step (seconds): node launch, image pull, the copy of the weights
and its digest check, loading them onto the GPUs, and the engine's start (compile, CUDA graphs).

  first     the first replica of a new version: new node, empty cache, no compile cache
  scale-up  another replica on a new node: the version is cached and compiled
  warm      a replica on a warm node (cluster.yaml gpu.warmNodes): node up, image pulled

Each row is the slowest instance family the model may land on. A last line compares a
scale-up with each weight source (loading.from: efs, nvme, s3), and the start-up budgets the
render derives from the first replica's estimate (policy WL-002 holds them to it).

  --env NAME    only this environment (repeatable; default: all)
  --model NAME  only this model
  --json        the estimates as JSON
  --sources     also print every figure with its source (reviewed ${FIGURES_REVIEWED_ON})
  --root DIR    repository root (default: the current directory)

Exit codes: 0 printed, 2 usage or configuration errors.
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string', multiple: true },
    model: { type: 'string' },
    json: { type: 'boolean', default: false },
    sources: { type: 'boolean', default: false },
    root: { type: 'string' },
  });
  const root = path.resolve(values.root ?? process.cwd());
  const loaded = await loadSelectedFleet(root, values.env, 'text');
  if (!loaded) return EXIT.badInput;
  const { fleet, environments } = loaded;
  if (values.model !== undefined && !fleet.models.has(values.model))
    throw new UsageError(`unknown model "${values.model}"; expected one of: ${[...fleet.models.keys()].sort().join(', ')}`);
  const all = environments.flatMap((env) => environmentReadiness(fleet, env, values.model));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ figuresReviewedOn: FIGURES_REVIEWED_ON, models: all }, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`${all.map(formatReadiness).join('\n\n')}\n`);
  if (values.sources) process.stdout.write(`\n${formatSources()}\n`);
  else process.stdout.write(`\nFigures reviewed ${FIGURES_REVIEWED_ON} (--sources lists them with their sources).\n`);
  return EXIT.ok;
}

/** Every figure of the table, flattened: name, value and unit, basis, source. */
function formatSources(): string {
  const lines: string[] = [`Figures (apps/model-server/startup-figures.ts, reviewed ${FIGURES_REVIEWED_ON}):`];
  const walk = (prefix: string, value: unknown): void => {
    if (value && typeof value === 'object' && 'value' in value && 'source' in value) {
      const f = value as { value: number; unit: string; basis: string; source: string };
      lines.push(`  ${prefix}: ${f.value} ${f.unit} (${f.basis}) ${f.source}`);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(prefix ? `${prefix}.${key}` : key, inner);
    }
  };
  walk('', STARTUP_FIGURES);
  return lines.join('\n');
}

await runCli(USAGE, main);
