import { codeCell as cell, fitToBudget, markdownTable as table } from '../text/markdown.js';
import type { DiffSummary } from './diff-summary.js';

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
}

export interface GateResult {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** `promote <model> <old> -> <new> to <env>` */
export function pullRequestTitle(facts: Pick<PromotionFacts, 'model' | 'from' | 'to' | 'environment' | 'firstRollout'>): string {
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
    [
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
    ].join('\n'),
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
