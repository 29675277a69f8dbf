import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import { CLUSTER_FILE, CLUSTERS_DIR } from '../config/load-fleet.js';
import { setModelVersion } from './edit-version.js';
import { addModelEntry } from './add-model.js';
import { load } from 'js-yaml';
import { PromotionError } from './errors.js';
import { POD_TARGET_LABELS } from '../../../apps/model-server/slo-queries.js';
import { PrometheusError } from './prometheus-api.js';
import { evidenceProblems, gatherEvidence, type Evidence } from './slo-evidence.js';
import type { PromotionFacts } from './pr-body.js';
import { promotionBranch, propose, rollbackBranch, type Outcome } from './propose.js';
import { setModelCanary } from './edit-canary.js';
import { abortCanary, abortedCanary, advanceCanary, type StagedCanary } from './staged-canary.js';
import { formatDuration, lastRun, runDuration, versionHistory } from './version-history.js';

export { PromotionError };
export type { EvidenceSource, PromotionContext } from './context.js';
import type { EvidenceSource, PromotionContext } from './context.js';
export { PROMOTION_LABELS, promotionBranch, rollbackBranch, type Outcome } from './propose.js';

export interface PromotionRequest {
  readonly target: string;
  readonly source: string;
  readonly soakHours: number;
  readonly model: string;
  /** A specific version (rollback); the source's current version otherwise. */
  readonly version: string | undefined;
  /** A first rollout's replica bounds; the source environment's otherwise. */
  readonly replicas?: { readonly min: number; readonly max: number } | undefined;
  /** Where the source's SLO figures are read, and the model's SLOs; absent: soak time alone decides. */
  readonly evidence?: EvidenceSource | undefined;
  /** The target stages this model's canaries (a multi-node model): a new version starts as one. */
  readonly staged?: StagedCanary | undefined;
}

/**
 * Promotes one model into one environment, idempotently: opens a PR, refreshes the open one, or
 * says why nothing is done (already current, not soaked yet, closed without merging).
 */
export async function promoteModel(
  context: PromotionContext,
  request: PromotionRequest,
  environments: ReadonlyMap<string, ClusterSpec>,
): Promise<Outcome> {
  const { target, source, model } = request;
  const sourceSpec = environments.get(source) as ClusterSpec;
  const targetSpec = environments.get(target) as ClusterSpec;
  // Absent: the model's first rollout to the target, with the source's settings for it.
  const current = targetSpec.models[model]?.version;
  const candidate = request.version ?? (sourceSpec.models[model]?.version as string);
  const prefix = `${target}: ${model}`;
  // A canary in progress moves first: a newer version waits until it has ended.
  if (request.staged && targetSpec.models[model]?.canary)
    return advanceCanary(context, { environment: target, model, stage: request.staged }, environments);
  const staged = current === undefined ? undefined : request.staged;

  const sourceFile = `${CLUSTERS_DIR}/${source}/${CLUSTER_FILE}`;
  const history = await versionHistory(context.git, context.baseCommit, sourceFile, model);
  const run = lastRun(history, candidate);
  if (!run) {
    throw new PromotionError(
      `${prefix}: version ${candidate} never ran in ${source} on ${context.baseBranch}; only versions from its history can be promoted`,
      'input',
    );
  }
  if (candidate === current) return { changed: false, message: `${prefix}: already at ${current}; nothing to do` };
  if (staged) {
    const targetHistory = await versionHistory(context.git, context.baseCommit, `${CLUSTERS_DIR}/${target}/${CLUSTER_FILE}`, model);
    const aborted = abortedCanary(targetHistory, candidate);
    if (aborted)
      return {
        changed: false,
        message: `${prefix}: ${candidate}'s canary in ${target} was rolled back at ${aborted.toISOString()}; not proposing it again (a newer version will be)`,
      };
  }
  const fromLabel = current ?? 'not running';

  const soaked = runDuration(run, context.now);
  const required = request.soakHours * 3_600_000;
  if (soaked < required) {
    return {
      changed: false,
      message: `${prefix}: ${candidate} has soaked in ${source} for ${formatDuration(soaked)} of ${request.soakHours}h (since ${run.since.time.toISOString()}); ${formatDuration(required - soaked)} left, no PR yet`,
    };
  }

  // The soak judged is the last soakHours the version ran in the source: up to now, or up to
  // when another version replaced it there (a version promoted from history, --version).
  const soakEnd = run.until ?? context.now;
  const evidence = request.evidence && request.soakHours > 0 ? await readEvidence(request, candidate, soakEnd) : undefined;
  if (evidence) {
    const problems = evidenceProblems(evidence, `${candidate} in ${source}`);
    const over = run.until ? `its last ${request.soakHours}h there, to ${run.until.toISOString()}` : `the last ${request.soakHours}h soak`;
    if (problems.length > 0)
      return {
        changed: false,
        refused: true,
        message: `${prefix}: not promoting ${candidate}: it missed its SLOs in ${source} over ${over}, no PR:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      };
  }

  const facts: PromotionFacts = {
    model,
    environment: target,
    source,
    from: fromLabel,
    to: candidate,
    firstRollout: current === undefined,
    soakedSince: run.since.time,
    sourceCommit: run.since.commit,
    soakHours: request.soakHours,
    rollback: request.version !== undefined,
    evidence: evidence && { version: candidate, environment: source, figures: evidence },
    canaryStep: staged && {
      kind: 'start',
      fromWeight: 0,
      toWeight: staged.canary.steps[0]!.weight,
      pauseMinutes: staged.canary.steps[0]!.pauseMinutes,
    },
  };
  const what = `${prefix} ${fromLabel} -> ${candidate} (in ${source} since ${run.since.time.toISOString()}, ${formatDuration(soaked)} >= ${request.soakHours}h)`;
  return propose(context, {
    facts,
    branch: promotionBranch(target, model),
    what,
    commitMessage: `${candidate} has run in ${source} since ${run.since.time.toISOString()} (commit ${run.since.commit}).`,
    edit: async (root, text, file) =>
      current === undefined
        ? addModelEntry(text, file, model, await firstRolloutEntry(root, source, model, candidate, request.replicas))
        : staged
          ? setModelCanary(text, file, model, { version: candidate, weight: staged.canary.steps[0]!.weight })
          : setModelVersion(text, file, model, candidate),
  });
}

/** How far back a rollback's report reads the current version's SLO figures. */
export const ROLLBACK_REPORT_HOURS = 24;

export interface RollbackRequest {
  readonly environment: string;
  readonly model: string;
  /** Where the environment's SLO figures are read (its own monitoring.queryUrl), and the model's SLOs. */
  readonly evidence?: EvidenceSource | undefined;
}

/**
 * Opens (or refreshes) the PR that restores the version an environment ran before its current
 * one, from its own history on the base branch, with the current version's SLO figures there.
 * Never refused on SLOs (that is why one rolls back) and never blocked by Prometheus: without
 * figures the PR says why.
 */
export async function rollbackModel(
  context: PromotionContext,
  request: RollbackRequest,
  environments: ReadonlyMap<string, ClusterSpec>,
): Promise<Outcome> {
  const { environment, model } = request;
  const prefix = `${environment}: ${model}`;
  const entry = environments.get(environment)?.models[model];
  const current = entry?.version;
  if (current === undefined)
    throw new PromotionError(`${prefix}: ${environment} does not run ${model} on ${context.baseBranch}: nothing to roll back`, 'input');
  // A canary in progress is what goes back first: its removal, not the version before the stable one.
  if (entry?.canary) {
    const history = await versionHistory(context.git, context.baseCommit, `${CLUSTERS_DIR}/${environment}/${CLUSTER_FILE}`, model);
    const since = history.at(-1)!;
    return abortCanary(
      context,
      {
        model,
        environment,
        source: environment,
        from: current,
        to: entry.canary.version,
        soakedSince: since.time,
        sourceCommit: since.commit,
        soakHours: 0,
      },
      { missed: ['rolled back by hand (npm run promote -- --rollback)'], weight: entry.canary.weight },
    );
  }
  const history = await versionHistory(context.git, context.baseCommit, `${CLUSTERS_DIR}/${environment}/${CLUSTER_FILE}`, model);
  const currentRun = lastRun(history, current);
  const start = currentRun ? history.indexOf(currentRun.since) : -1;
  const before = history.slice(0, Math.max(0, start));
  const previous = [...before].reverse().find((r) => r.version !== undefined && r.version !== current)?.version;
  if (!currentRun || previous === undefined)
    throw new PromotionError(
      `${prefix}: ${current} is the first version ${environment} ran on ${context.baseBranch}; there is no earlier version to roll back to`,
      'input',
    );
  const previousRun = lastRun(before, previous)!;
  let evidence: Evidence | undefined;
  let evidenceUnavailable: string | undefined;
  if (request.evidence) {
    try {
      evidence = await gatherEvidence({
        endpoint: request.evidence.endpoint,
        slo: request.evidence.slo,
        matchers: { namespace: `llm-${model}`, [POD_TARGET_LABELS.version.prometheus]: current },
        start: new Date(Math.max(currentRun.since.time.getTime(), context.now.getTime() - ROLLBACK_REPORT_HOURS * 3_600_000)),
        end: context.now,
        windowMinutes: request.evidence.windowMinutes,
      });
    } catch (error) {
      if (!(error instanceof PrometheusError)) throw error;
      evidenceUnavailable = error.message;
      context.log(`${prefix}: rolling back without SLO figures: ${error.message}`);
    }
  }
  const facts: PromotionFacts = {
    model,
    environment,
    source: environment,
    from: current,
    to: previous,
    soakedSince: currentRun.since.time,
    sourceCommit: currentRun.since.commit,
    soakHours: 0,
    rollback: true,
    restore: { since: currentRun.since.time, previousRun: { since: previousRun.since.time, until: currentRun.since.time } },
    evidence: evidence && { version: current, environment, figures: evidence },
    evidenceUnavailable,
  };
  return propose(context, {
    facts,
    branch: rollbackBranch(environment, model),
    what: `${prefix} ${current} -> ${previous} (rollback; ${current} since ${currentRun.since.time.toISOString()})`,
    commitMessage: `${environment} ran ${previous} from ${previousRun.since.time.toISOString()} to ${currentRun.since.time.toISOString()}; ${current} since then (commit ${currentRun.since.commit}).`,
    edit: async (_root, text, file) => setModelVersion(text, file, model, previous),
  });
}

/** The candidate's SLO figures over the soak window that ends at `end`, from the source's Prometheus. */
async function readEvidence(request: PromotionRequest, version: string, end: Date): Promise<Evidence> {
  const source = request.evidence!;
  try {
    return await gatherEvidence({
      endpoint: source.endpoint,
      slo: source.slo,
      matchers: { namespace: `llm-${request.model}`, [POD_TARGET_LABELS.version.prometheus]: version },
      start: new Date(end.getTime() - request.soakHours * 3_600_000),
      end,
      windowMinutes: source.windowMinutes,
    });
  } catch (error) {
    if (error instanceof PrometheusError)
      throw new PromotionError(
        `${request.target}: ${request.model}: reading the SLO evidence in ${request.source}: ${error.message}`,
        error.kind,
      );
    throw error;
  }
}

/**
 * A first rollout's `models.<model>` entry: the source environment's, as written there (its
 * replica bounds and autoscaling settings, no defaults spelled out), at the promoted version,
 * with the replica bounds the command was given, if any.
 */
async function firstRolloutEntry(
  root: string,
  source: string,
  model: string,
  version: string,
  replicas: PromotionRequest['replicas'],
): Promise<Record<string, unknown>> {
  const text = await readFile(path.join(root, CLUSTERS_DIR, source, CLUSTER_FILE), 'utf8');
  const written = (load(text) as { models: Record<string, Record<string, unknown>> }).models[model]!;
  return { ...written, version, ...(replicas ? { replicas: { min: replicas.min, max: replicas.max } } : {}) };
}
