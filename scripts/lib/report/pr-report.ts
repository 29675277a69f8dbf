import type { DiffSummary } from '../promote/diff-summary.js';
import { codeCell, fitToBudget, markdownTable } from '../text/markdown.js';
import type { GateFile } from './gate-results.js';
import type { ModelServerFacts } from './model-servers.js';
import { formatDuration } from '../../../apps/model-server/time-to-ready.js';
import { PRICES_FILE, type Capacity, type PriceTable } from './pricing.js';

/** Marks our comment, so that the next push updates it instead of adding another. */
export const REPORT_MARKER = '<!-- eks-llm-gitops:pr-report -->';

export interface EnvironmentReport {
  readonly env: string;
  readonly region: string;
  readonly diff: DiffSummary;
  readonly before: ReadonlyMap<string, ModelServerFacts>;
  readonly after: ReadonlyMap<string, ModelServerFacts>;
  readonly capacityBefore: Capacity;
  readonly capacityAfter: Capacity;
}

export interface ReportInput {
  readonly environments: readonly EnvironmentReport[];
  readonly gates: readonly GateFile[];
  readonly prices: PriceTable;
  /** The revision the PR is compared with, and a link to the workflow run (when known). */
  readonly base: string;
  readonly runUrl?: string;
}

const OUTCOME: Record<string, string> = { success: 'pass', failure: '**FAIL**', cancelled: 'cancelled', skipped: 'skipped' };

const usd = (value: number) => `$${value.toFixed(2)}`;

function delta(before: number, after: number, format: (n: number) => string): string {
  if (before === after) return format(after);
  const sign = after > before ? '+' : '-';
  return `${format(before)} → ${format(after)} (${sign}${format(Math.abs(after - before))})`;
}

/** The PR comment: gates, then per environment what the change does; under GitHub's size limit. */
export function prReport(input: ReportInput): string {
  return fitToBudget((maxRows) => render(input, maxRows));
}

function render(input: ReportInput, maxRows: number): string {
  const changed = input.environments.filter((e) => e.diff.byKind.length > 0);
  const sections: string[] = [
    `${REPORT_MARKER}\n## Fleet report`,
    changed.length === 0
      ? `This PR changes no rendered manifest (compared with \`${input.base}\`).`
      : `Compared with \`${input.base}\`, this PR changes the rendered manifests of ${changed.map((e) => `**${e.env}**`).join(', ')}.`,
    gatesSection(input),
  ];
  for (const env of changed) sections.push(environmentSection(env, input.prices, maxRows));
  sections.push(
    `<sub>Cost estimates: on-demand Linux prices for ${input.prices.region}, captured ${input.prices.capturedOn} from ${input.prices.source} (\`${PRICES_FILE}\`); one node per replica (each node of a multi-node replica), the cheapest priced instance type of the allowed families that holds the node's GPUs. Spot, savings plans and shared nodes make the real bill lower. This comment is updated in place on every push.</sub>`,
  );
  return `${sections.join('\n\n')}\n`;
}

function gatesSection(input: ReportInput): string {
  if (input.gates.length === 0) return '### Gates\n\nNo gate results were recorded for this run.';
  const names = [...new Set(input.gates.flatMap((g) => g.results.map((r) => r.name)))];
  const lines = ['### Gates', '', `| scope | ${names.join(' | ')} |`, `| --- | ${names.map(() => '---').join(' | ')} |`];
  // Environments in fleet order, then repository-wide gates.
  const order = (scope: string) => {
    const index = input.environments.findIndex((e) => e.env === scope);
    return index === -1 ? input.environments.length : index;
  };
  for (const file of [...input.gates].sort((a, b) => order(a.scope) - order(b.scope))) {
    const cell = (name: string) => {
      const outcome = file.results.find((r) => r.name === name)?.outcome;
      return outcome === undefined ? '—' : (OUTCOME[outcome] ?? (outcome || 'did not run'));
    };
    lines.push(`| ${file.scope} | ${names.map(cell).join(' | ')} |`);
  }
  const failed = input.gates.some((g) => g.results.some((r) => r.outcome === 'failure'));
  lines.push(
    '',
    `${failed ? 'Some gates **failed**: the annotations on the changed lines say what to fix.' : 'Every gate that ran passed.'}${input.runUrl ? ` [Workflow run](${input.runUrl})` : ''}`,
  );
  return lines.join('\n');
}

function environmentSection(env: EnvironmentReport, prices: PriceTable, maxRows: number): string {
  const objects = markdownTable(
    '#### Objects',
    ['kind', 'added', 'changed', 'removed'],
    env.diff.byKind.map((k) => [k.kind, String(k.added), String(k.changed), String(k.removed)]),
    'objects',
    maxRows,
  );
  const rows: string[][] = [];
  for (const model of [...new Set([...env.before.keys(), ...env.after.keys()])].sort()) {
    const a = env.before.get(model);
    const b = env.after.get(model);
    const show = (f: (s: ModelServerFacts) => string) => {
      const x = a ? f(a) : undefined;
      const y = b ? f(b) : undefined;
      return x === y ? codeCell(y) : `${codeCell(x)} → ${codeCell(y)}`;
    };
    const facts = [
      show((s) => s.version),
      show((s) => s.image),
      show((s) => `${s.minReplicas}-${s.maxReplicas}`),
      show((s) => (s.nodesPerReplica > 1 ? `${s.gpusPerReplica} (${s.nodesPerReplica} nodes)` : String(s.gpusPerReplica))),
      show((s) => (s.timeToReady ? `${formatDuration(s.timeToReady.scaleUpSeconds)} (${s.timeToReady.loadFrom})` : '')),
    ];
    if (a && b && JSON.stringify(a) === JSON.stringify(b)) continue;
    rows.push([model, ...facts]);
  }
  const models = markdownTable(
    '#### Model servers',
    ['model', 'version', 'image', 'replicas (min-max)', 'GPUs per replica', 'time to ready (scale-up)'],
    rows,
    'model servers',
    maxRows,
  );
  const before = env.capacityBefore;
  const after = env.capacityAfter;
  const regionNote = env.region === prices.region ? '' : ` Prices are for ${prices.region}; this environment runs in ${env.region}.`;
  const unpriced = after.unpriced.length > 0 ? ` No priced instance type fits ${after.unpriced.join(', ')}; left out of the cost.` : '';
  const capacity = [
    '#### GPU capacity and estimated on-demand cost',
    '',
    '| | at minimum replicas | at maximum replicas |',
    '| --- | --- | --- |',
    `| GPUs | ${delta(before.gpusAtMin, after.gpusAtMin, String)} | ${delta(before.gpusAtMax, after.gpusAtMax, String)} |`,
    `| $/hour | ${delta(before.usdPerHourAtMin, after.usdPerHourAtMin, usd)} | ${delta(before.usdPerHourAtMax, after.usdPerHourAtMax, usd)} |`,
    ...(regionNote || unpriced ? ['', `${regionNote}${unpriced}`.trim()] : []),
  ].join('\n');
  return [`### ${env.env}`, objects, models, capacity].join('\n\n');
}
