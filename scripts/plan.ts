/**
 * npm run plan: replays a day of traffic against each model's autoscaling, throughput and time
 * to ready, and prints SLO attainment, GPU-hours and cost beside static capacity at min and max.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDuration } from '../apps/model-server/time-to-ready.js';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { reportProblems } from './lib/config/report-problems.js';
import { loadSelectedFleet } from './lib/config/select-environments.js';
import { planEnvironment, type ModelPlan } from './lib/plan/model-plan.js';
import { plotSvg } from './lib/plan/plot.js';
import type { SimulationResult } from './lib/plan/simulate.js';
import { readThroughputTable } from './lib/plan/throughput.js';
import { readTrace } from './lib/plan/trace.js';
import { readPriceTable } from './lib/report/pricing.js';

const USAGE = `Usage: npm run plan -- --env NAME --trace FILE [--model NAME] [--svg FILE] [--json] [--root DIR]

Replays a request-rate trace against each model the environment NAME runs: its KEDA queue trigger
and HPA behaviour as rendered, its replica bounds, its time to ready (npm run time-to-ready, a
scale-up on the instance family Karpenter would launch: the cheapest priced one that fits), and
its per-replica throughput on that family (scripts/lib/plan/serving-throughput.yaml). Prints per
model the share of requests whose queueing delay stays under its SLO (catalogue
slo.queueDelaySeconds), GPU-hours and on-demand cost, beside static capacity at replicas.min
and at replicas.max.

  --env NAME    the environment (its cluster.yaml)
  --trace FILE  CSV with the header time,requests_per_second,prompt_tokens,output_tokens and an
                optional model column; traces/sample-day.csv is a sample day
  --model NAME  only this model
  --svg FILE    also draw replicas and queue over the trace, one panel per model
  --json        the results as JSON
  --root DIR    repository root (default: the current directory)

The model is a fluid queue in 15-second steps (KEDA's polling interval): deterministic, simple,
and an estimate. Exit codes: 0 printed, 2 usage, bad trace or configuration.
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string' },
    trace: { type: 'string' },
    model: { type: 'string' },
    svg: { type: 'string' },
    json: { type: 'boolean', default: false },
    root: { type: 'string' },
  });
  if (values.env === undefined) throw new UsageError('expected --env NAME');
  if (values.trace === undefined) throw new UsageError('expected --trace FILE (traces/sample-day.csv is a sample day)');
  const root = path.resolve(values.root ?? process.cwd());
  const loaded = await loadSelectedFleet(root, [values.env], 'text');
  if (!loaded) return EXIT.badInput;
  const { fleet } = loaded;
  const environment = fleet.environments.get(values.env)!.spec;
  if (values.model !== undefined && !(values.model in environment.models))
    throw new UsageError(`${values.env} does not run "${values.model}"; it runs: ${Object.keys(environment.models).sort().join(', ')}`);

  const [trace, throughput, prices] = await Promise.all([
    readTrace(process.cwd(), values.trace),
    readThroughputTable(root),
    readPriceTable(root),
  ]);
  const problems = [trace, throughput, prices].flatMap((r) => (r.ok ? [] : r.problems));
  if (!trace.ok || !throughput.ok || !prices.ok) {
    reportProblems(problems, 'text');
    return EXIT.badInput;
  }
  const planned = planEnvironment(fleet, values.env, trace.trace, { throughput: throughput.table, prices: prices.prices }, values.model);
  if (!planned.ok) {
    reportProblems(planned.problems, 'text');
    return EXIT.badInput;
  }
  const { plans } = planned;
  if (values.svg !== undefined) {
    const svg = plotSvg(
      plans.map((p) => ({ model: p.model, subtitle: subtitle(p), steps: p.autoscaled.steps })),
      { title: `${values.env}: replicas and queue over ${values.trace}` },
    );
    await writeFile(path.resolve(values.svg), svg);
  }
  if (values.json) {
    const summary = (r: SimulationResult) => ({ ...r, steps: undefined });
    const json = plans.map((p) => ({
      model: p.model,
      instanceType: p.instanceType,
      readySeconds: p.readySeconds,
      warm: p.warm,
      autoscaled: summary(p.autoscaled),
      atMin: summary(p.atMin),
      atMax: summary(p.atMax),
    }));
    process.stdout.write(`${JSON.stringify({ env: values.env, trace: values.trace, models: json }, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`${plans.map((p) => formatPlan(p, values.env!)).join('\n\n')}\n`);
  if (values.svg !== undefined) process.stdout.write(`\nwrote ${values.svg}\n`);
  return EXIT.ok;
}

const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
const usd = (value: number) => `$${value.toFixed(0)}`;

function subtitle(p: ModelPlan): string {
  return `SLO ${percent(p.autoscaled.sloAttainment)} within ${p.input.queueDelayTargetSeconds} s, ${p.autoscaled.gpuHours.toFixed(0)} GPU-hours, ${usd(p.autoscaled.costUsd)} (${p.instanceType})`;
}

function formatPlan(p: ModelPlan, env: string): string {
  const rows: [string, SimulationResult][] = [
    [`autoscaled ${p.input.replicas.min}-${p.input.replicas.max}`, p.autoscaled],
    [`static at min (${p.input.replicas.min})`, p.atMin],
    [`static at max (${p.input.replicas.max})`, p.atMax],
  ];
  const header = ['', 'SLO met', 'GPU-hours', 'cost', 'peak', 'mean', 'max queue'];
  const cells = rows.map(([label, r]) => [
    label,
    percent(r.sloAttainment),
    r.gpuHours.toFixed(1),
    usd(r.costUsd),
    String(r.peakReplicas),
    r.meanReplicas.toFixed(2),
    r.maxQueue.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => `  ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ')}`;
  const warm = p.warm
    ? `; ${p.warm.nodes} warm ${p.warm.family} ${p.warm.nodes === 1 ? 'node' : 'nodes'} (${p.warm.replicasPerNode} ${p.warm.replicasPerNode === 1 ? 'replica' : 'replicas'} each) start replicas in ${formatDuration(p.warm.readySeconds)}, their placeholders' cost not counted`
    : '';
  return [
    `${env} ${p.model} on ${p.instanceType}: ${p.autoscaled.requests.toFixed(0)} requests, SLO: queueing delay <= ${p.input.queueDelayTargetSeconds} s, a new replica serves after ${formatDuration(p.readySeconds)}${warm}`,
    line(header),
    ...cells.map(line),
  ].join('\n');
}

await runCli(USAGE, main);
