import { codeCell as cell, fitToBudget, markdownTable as table } from '../text/markdown.js';
import type { DiffSummary } from './diff-summary.js';
import { formatFigure, type Evidence } from './slo-evidence.js';

export { GITHUB_BODY_LIMIT } from '../text/markdown.js';

export interface PromotionFacts {
  readonly model: string;
  readonly environment: string;
  readonly source: string;
  readonly from: string;
  readonly to: string;
  /** When `to` was first set in the source environment on the base branch, and by which commit. */
  readonly soakedSince: Date;
  readonly sourceCommit: string;
  readonly soakHours: number;
  readonly rollback: boolean;
  /** The model did not run in the environment: the PR adds it. */
  readonly firstRollout?: boolean;
  /**
   * SLO figures of one version in one environment: the candidate's over its soak in the source,
   * or a rollback's current version where it runs (absent: that environment has no monitoring.queryUrl).
   */
  readonly evidence?: { readonly version: string; readonly environment: string; readonly figures: Evidence } | undefined;
  /** Why the figures could not be read (a rollback goes ahead without them). */
  readonly evidenceUnavailable?: string | undefined;
  /** A step of a multi-node model's staged canary (scripts/lib/promote/staged-canary.ts). */
  readonly canaryStep?: CanaryStep | undefined;
  /** A rollback (npm run promote -- --rollback): the version it replaces, and since when that ran. */
  readonly restore?: { readonly since: Date; readonly previousRun: { readonly since: Date; readonly until: Date } } | undefined;
}

/**
 * A staged canary's move: `start` gives the new version its first share, `next` the next
 * checkpoint's, `complete` makes it the stable version, `abort` removes it (an SLO missed).
 */
export interface CanaryStep {
  readonly kind: 'start' | 'next' | 'complete' | 'abort';
  /** The share before the move (0 at the start) and after it (100 complete, 0 aborted). */
  readonly fromWeight: number;
  readonly toWeight: number;
  /** How long the share before the move held, and how long its checkpoint asks. */
  readonly held?: { readonly since: Date; readonly minutes: number; readonly pauseMinutes: number } | undefined;
  /** How long the share after the move will hold before the next step (start, next). */
  readonly pauseMinutes?: number | undefined;
  /** Why it is aborted: each SLO missed, by how much. */
  readonly missed?: readonly string[] | undefined;
}

export interface GateResult {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** `promote <model> <old> -> <new> to <env>` */
export function pullRequestTitle(
  facts: Pick<PromotionFacts, 'model' | 'from' | 'to' | 'environment' | 'firstRollout' | 'restore' | 'canaryStep'>,
): string {
  const step = facts.canaryStep;
  if (step?.kind === 'abort') return `roll back the canary of ${facts.model} ${facts.to} in ${facts.environment}`;
  if (step?.kind === 'start') return `canary ${facts.model} ${facts.to} at ${step.toWeight}% in ${facts.environment}`;
  if (step?.kind === 'next') return `canary ${facts.model} ${facts.to} ${step.fromWeight}% -> ${step.toWeight}% in ${facts.environment}`;
  if (step?.kind === 'complete') return `promote ${facts.model} ${facts.from} -> ${facts.to} in ${facts.environment} (canary passed)`;
  if (facts.restore) return `roll back ${facts.model} ${facts.from} -> ${facts.to} in ${facts.environment}`;
  if (facts.firstRollout) return `add ${facts.model} ${facts.to} to ${facts.environment} (first rollout)`;
  return `promote ${facts.model} ${facts.from} -> ${facts.to} to ${facts.environment}`;
}

/**
 * The PR description: what moves where and why it may (soak), what the render changes, and the
 * gate results. Long tables are cut at a row boundary with a count of what was left out, so the
 * body stays under GitHub's limit and never ends mid-table.
 */
export function pullRequestBody(facts: PromotionFacts, diff: DiffSummary, gates: readonly GateResult[]): string {
  // Shrink every table by whole rows until the body fits: a cut table says how much it left out.
  return fitToBudget((maxRows) => render(facts, diff, gates, maxRows));
}

function render(facts: PromotionFacts, diff: DiffSummary, gates: readonly GateResult[], maxRows: number): string {
  const sections = [
    facts.canaryStep ? canaryIntro(facts, facts.canaryStep) : facts.restore ? restoreIntro(facts, facts.restore) : promotionIntro(facts),
    evidenceSection(facts),
    table(
      `### Rendered changes in \`clusters/${facts.environment}/\``,
      ['kind', 'added', 'changed', 'removed'],
      diff.byKind.map((k) => [k.kind, String(k.added), String(k.changed), String(k.removed)]),
      'objects',
      maxRows,
    ),
    table(
      '### Model versions',
      ['model', 'from', 'to'],
      diff.modelVersions.map((m) => [m.model, cell(m.from), cell(m.to)]),
      'model versions',
      maxRows,
    ),
    table(
      '### Images',
      ['workload', 'container', 'from', 'to'],
      diff.images.map((i) => [i.workload, i.container, cell(i.from), cell(i.to)]),
      'images',
      maxRows,
    ),
    gates.length === 0
      ? '### Gates\n\nNo gate results were available to the promotion job; the PR workflow runs them on this PR.'
      : `### Gates\n\n${gates.map((g) => `- ${g.passed ? 'passed' : '**failed**'}: ${g.name}: ${g.detail}`).join('\n')}`,
    '<sub>Opened by `npm run promote`. A newer soaked version refreshes this PR in place; closing it without merging stops this version from being proposed again.</sub>',
  ];
  return `${sections.join('\n\n')}\n`;
}

/** The SLO table: each objective, the worst window of the soak, how many windows missed it, and the query behind it. */
function evidenceSection(facts: PromotionFacts): string {
  if (!facts.evidence && facts.evidenceUnavailable)
    return `### SLOs in ${facts.environment}\n\nCould not be read: ${facts.evidenceUnavailable}`;
  if (!facts.evidence && facts.canaryStep && facts.canaryStep.kind !== 'start')
    return `### SLOs of the canary in ${facts.environment}\n\nNot read: \`clusters/${facts.environment}/cluster.yaml\` sets no \`monitoring.queryUrl\`, so the checkpoint's pause alone decided this step.`;
  if (!facts.evidence)
    return facts.restore
      ? `### SLOs in ${facts.environment}\n\nNot read: \`clusters/${facts.environment}/cluster.yaml\` sets no \`monitoring.queryUrl\`.`
      : `### SLOs in ${facts.source}\n\nNot read: \`clusters/${facts.source}/cluster.yaml\` sets no \`monitoring.queryUrl\`, so soak time alone decided this promotion.`;
  const { version, environment, figures: e } = facts.evidence;
  const rows = e.figures.map((f) => {
    const worst = f.worst ? `${formatFigure(f.worst.value, f.slo.unit)} (window to ${f.worst.windowEnd.toISOString()})` : 'no data';
    // Windows without requests have no value: say how much of the soak the verdict covers.
    const covered = f.windows < e.windowCount ? ` (${e.windowCount - f.windows} of ${e.windowCount} windows without requests)` : '';
    const status =
      f.worst === undefined ? '**no data**' : f.missed === 0 ? `met${covered}` : `**missed in ${f.missed} of ${f.windows}**${covered}`;
    return `| ${f.slo.title} | ${formatFigure(f.slo.target, f.slo.unit)} | ${worst} | ${status} | [query](${f.link}) |`;
  });
  return [
    `### SLOs of ${version} in ${environment}`,
    '',
    `${version} finished ${e.requests} requests in ${environment} from ${e.start.toISOString()} to ${e.end.toISOString()}, judged in ${e.windowMinutes}-minute windows (each must meet every objective).`,
    '',
    '| objective | target | worst window | status | Prometheus |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function promotionIntro(facts: PromotionFacts): string {
  return [
    `## ${facts.firstRollout ? 'First rollout of' : facts.rollback ? 'Roll back' : 'Promote'} \`${facts.model}\` to **${facts.environment}**`,
    '',
    `This version has run in **${facts.source}** (on the base branch) since ${facts.soakedSince.toISOString()}, at least the required ${facts.soakHours} h soak. Merging this PR deploys it to ${facts.environment}.`,
    ...(facts.firstRollout
      ? [
          '',
          `${facts.model} does not run in ${facts.environment} yet: this PR adds it to \`clusters/${facts.environment}/cluster.yaml\` with ${facts.source}'s settings for it (replica bounds and autoscaling, unless the promotion was given others). Check they suit ${facts.environment}, and its GPU capacity (\`gpu.limits\`), before merging.`,
        ]
      : []),
    '',
    '| model | from | to | soaked since | source commit |',
    '| --- | --- | --- | --- | --- |',
    `| ${facts.model} | ${cell(facts.from)} | ${cell(facts.to)} | ${facts.soakedSince.toISOString()} in ${facts.source} | ${facts.sourceCommit.slice(0, 12)} |`,
  ].join('\n');
}

/** A staged canary's step: the shares before and after, how long the last one held, and what comes next. */
function canaryIntro(facts: PromotionFacts, step: CanaryStep): string {
  const held = step.held
    ? ` The canary has held ${step.fromWeight}% since ${step.held.since.toISOString()} (${step.held.minutes} of the checkpoint's ${step.held.pauseMinutes} minutes).`
    : '';
  const next =
    step.pauseMinutes === undefined
      ? ''
      : ` It holds ${step.toWeight}% for ${step.pauseMinutes} minutes, then the next promotion run judges its SLOs there again.`;
  const lead = {
    start: `## Canary of \`${facts.model}\` ${cell(facts.to)} in **${facts.environment}**\n\n${facts.to} has run in **${facts.source}** since ${facts.soakedSince.toISOString()}, at least the required ${facts.soakHours} h soak. Merging this PR starts one replica of it beside ${cell(facts.from)} in ${facts.environment}, with ${step.toWeight}% of the requests.${next}`,
    next: `## Canary of \`${facts.model}\` ${cell(facts.to)} in **${facts.environment}**: ${step.fromWeight}% -> ${step.toWeight}%\n\nThe canary ${facts.evidence ? 'met its SLOs' : 'held'} at ${step.fromWeight}%.${held} Merging this PR gives it ${step.toWeight}%.${next}`,
    complete: `## Promote \`${facts.model}\` ${cell(facts.from)} -> ${cell(facts.to)} in **${facts.environment}**: the canary passed\n\nThe canary ${facts.evidence ? 'met its SLOs' : 'held'} at its last checkpoint, ${step.fromWeight}%.${held} Merging this PR makes ${cell(facts.to)} the version of every replica (a rolling update, one group at a time) and removes the canary.`,
    abort: `## Roll back the canary of \`${facts.model}\` ${cell(facts.to)} in **${facts.environment}**\n\nThe canary missed its SLOs at ${step.fromWeight}%:\n\n${(step.missed ?? []).map((m) => `- ${m}`).join('\n')}\n\nMerging this PR removes it: every request goes back to ${cell(facts.from)}. Until then it keeps its ${step.fromWeight}%. This version is not proposed to ${facts.environment} again; a newer one will be.`,
  }[step.kind];
  return lead;
}

/** A rollback: what runs now and since when, what comes back and when it ran; no soak gates going back. */
function restoreIntro(facts: PromotionFacts, restore: NonNullable<PromotionFacts['restore']>): string {
  return [
    `## Roll back \`${facts.model}\` in **${facts.environment}**`,
    '',
    `${facts.environment} has run ${cell(facts.from)} since ${restore.since.toISOString()} (commit ${facts.sourceCommit.slice(0, 12)}). This PR restores ${cell(facts.to)}, which it ran from ${restore.previousRun.since.toISOString()} to ${restore.previousRun.until.toISOString()}. Going back to a version the environment ran needs no soak: merging this PR deploys it.`,
    '',
    '| model | from | to | running since | back to the version of |',
    '| --- | --- | --- | --- | --- |',
    `| ${facts.model} | ${cell(facts.from)} | ${cell(facts.to)} | ${restore.since.toISOString()} | ${restore.previousRun.since.toISOString()} |`,
  ].join('\n');
}
