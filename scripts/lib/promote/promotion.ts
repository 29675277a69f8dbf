import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import { CLUSTER_FILE, CLUSTERS_DIR, loadFleet } from '../config/load-fleet.js';
import { formatProblem } from '../config/problem.js';
import { summarizeDiff } from './diff-summary.js';
import { setModelVersion } from './edit-version.js';
import { addModelEntry } from './add-model.js';
import { load } from 'js-yaml';
import type { Git } from './git.js';
import { GitHubCallError } from '../github/calls.js';
import type { GitHubClient, Repository } from '../github/client.js';
import { openPull, refreshPull } from '../github/reconcile.js';
import { PromotionError } from './errors.js';
import type { ModelSlo } from '../../../apps/models/model-spec.js';
import { POD_TARGET_LABELS } from '../../../apps/model-server/slo-queries.js';
import { PrometheusError, type PrometheusEndpoint } from './prometheus-api.js';
import { evidenceProblems, gatherEvidence, type Evidence } from './slo-evidence.js';
import { pushPromotion } from './push.js';
import { pullRequestBody, pullRequestTitle, type PromotionFacts } from './pr-body.js';
import { renderedFiles, rerender, validationGate } from './render-gate.js';
import { formatDuration, lastRun, runDuration, versionHistory } from './version-history.js';

export { PromotionError };

export interface PromotionContext {
  readonly git: Git;
  /** A detached worktree at the base commit, where edits and renders happen. */
  readonly worktree: Git;
  readonly baseBranch: string;
  readonly baseCommit: string;
  readonly now: Date;
  readonly dryRun: boolean;
  /** Absent in a dry run without a token: PRs are then not looked up. */
  readonly github: { client: GitHubClient; repository: Repository } | undefined;
  readonly cacheDir: string;
  readonly log: (line: string) => void;
}

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
}

export interface EvidenceSource {
  readonly endpoint: PrometheusEndpoint;
  readonly windowMinutes: number;
  readonly slo: ModelSlo;
}

/** Deterministic branch of a model's promotion into an environment. */
export function promotionBranch(target: string, model: string): string {
  return `promote/${target}/${model}`;
}

export const PROMOTION_LABELS = (target: string) => ['promotion', `env:${target}`];

/**
 * What happened to one model; a line of the command's output. `refused`: the version missed an
 * SLO (or served nothing) where it soaked, so no PR was opened.
 */
export type Outcome = { readonly changed: boolean; readonly message: string; readonly refused?: boolean };

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
        : setModelVersion(text, file, model, candidate),
  });
}

/** Deterministic branch of a model's rollback in an environment (apart from its promotion's). */
export function rollbackBranch(environment: string, model: string): string {
  return `rollback/${environment}/${model}`;
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
  const current = environments.get(environment)?.models[model]?.version;
  if (current === undefined)
    throw new PromotionError(`${prefix}: ${environment} does not run ${model} on ${context.baseBranch}: nothing to roll back`, 'input');
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

/** A change to one model's entry in one environment's cluster.yaml, proposed by a PR. */
interface Proposal {
  readonly facts: PromotionFacts;
  readonly branch: string;
  /** The change in one line, for the command's output. */
  readonly what: string;
  /** The commit message's body (its subject is the PR title). */
  readonly commitMessage: string;
  /** The edited cluster.yaml of the environment (`file` is its repository path). */
  edit(root: string, text: string, file: string): Promise<string>;
}

/**
 * Edits the environment's cluster.yaml in the worktree (from the base commit every time),
 * re-renders and validates it, and pushes the branch and opens or refreshes its PR, idempotently.
 */
async function propose(context: PromotionContext, proposal: Proposal): Promise<Outcome> {
  const { facts, branch, what } = proposal;
  const target = facts.environment;
  const prefix = `${target}: ${facts.model}`;
  await context.worktree.run(['reset', '--hard', '--quiet', context.baseCommit]);
  await context.worktree.run(['clean', '-fdq']);
  const root = context.worktree.dir;
  const targetFile = path.join(root, CLUSTERS_DIR, target, CLUSTER_FILE);
  const targetName = `${CLUSTERS_DIR}/${target}/${CLUSTER_FILE}`;
  await writeFile(targetFile, await proposal.edit(root, await readFile(targetFile, 'utf8'), targetName));
  const before = await renderedFiles(root, target);
  const loaded = await loadFleet(root);
  if (!loaded.ok)
    throw new PromotionError(`${prefix}: the edited inputs do not load:\n${loaded.problems.map(formatProblem).join('\n')}`, 'input');
  await rerender(root, loaded.fleet, target);
  const after = await renderedFiles(root, target);
  const targetSpec = loaded.fleet.environments.get(target)!.spec;
  const gate = await validationGate(after, target, targetSpec.aws.kubernetesVersion, context.cacheDir);

  const title = pullRequestTitle(facts);
  const body = pullRequestBody(facts, summarizeDiff(before, after), [gate]);
  const labels = [...PROMOTION_LABELS(target), ...(facts.restore ? ['rollback'] : [])];
  if (!context.github) {
    return {
      changed: false,
      message: `${what}: would push ${branch} and open or refresh its PR (dry run without GITHUB_TOKEN: PRs not looked up)\n${indent(body)}`,
    };
  }
  const { client, repository } = context.github;
  // The branch is read before the PRs: the push's lease is then older than anything the PR
  // lookup saw, so a run that raced us is caught at the push, not silently overwritten.
  const remoteCommit = await context.git.remoteBranch('origin', branch);
  const pulls = await remote(() => client.pullsForBranch(repository, branch), { notFoundIsInput: true });
  const open = pulls.find((p) => p.state === 'open');
  const closedSame = pulls.find((p) => p.state === 'closed' && !p.merged && p.title === title);

  if (!open && closedSame) {
    return {
      changed: false,
      message: `${what}: PR #${closedSame.number} proposing this version was closed without merging; not reopening (a newer version will open a new PR)`,
    };
  }
  const commit = await commitPromotion(context.worktree, target, title, proposal.commitMessage);
  const branchCurrent = remoteCommit !== undefined && (await sameTree(context, remoteCommit, commit));
  if (open !== undefined && branchCurrent && open.title === title && open.body === body)
    return { changed: false, message: `${what}: PR #${open.number} is up to date (${open.url})` };

  if (context.dryRun) {
    const action = open
      ? `${branchCurrent ? '' : `force-push ${branch} and `}update PR #${open.number}`
      : `${branchCurrent ? '' : `push ${branch} and `}open a PR titled "${title}" with labels ${labels.join(', ')}`;
    return { changed: false, message: `${what}: would ${action}\n${indent(body)}` };
  }
  if (!branchCurrent) {
    await pushPromotion({
      git: context.git,
      worktree: context.worktree,
      commit,
      branch,
      expected: remoteCommit,
      sameTree: (now) => sameTree(context, now, commit),
      log: context.log,
    });
  }
  const pull = { head: branch, base: context.baseBranch, title, body };
  const result = await remote(() => (open ? refreshPull(client, repository, open, pull) : openPull(client, repository, pull)));
  if (result.action !== 'updated' && result.action !== 'unchanged')
    await remote(() => client.addLabels(repository, result.value.number, labels));
  const verb = { created: 'opened', adopted: 'adopted the open', updated: 'refreshed', unchanged: 'refreshed the branch of' }[
    result.action
  ];
  return { changed: true, message: `${what}: ${verb} PR #${result.value.number} (${result.value.url})` };
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

async function commitPromotion(worktree: Git, target: string, title: string, body: string): Promise<string> {
  await worktree.run(['add', '--all', '--', `${CLUSTERS_DIR}/${target}`]);
  const identity =
    (await worktree.run(['config', 'user.email']).catch(() => '')) === ''
      ? ['-c', 'user.name=eks-llm-gitops promotion', '-c', 'user.email=eks-llm-gitops@users.noreply.github.com']
      : [];
  const message = `${title}\n\n${body}`;
  await worktree.run([...identity, 'commit', '--quiet', '--no-verify', '-m', message]);
  return worktree.run(['rev-parse', 'HEAD']);
}

async function sameTree(context: PromotionContext, remoteCommit: string, commit: string): Promise<boolean> {
  await context.git.fetchCommit('origin', remoteCommit);
  return (await context.git.treeOf(remoteCommit)) === (await context.worktree.treeOf(commit));
}

/**
 * Maps GitHub failures to exit codes: the token or the repository name (401, 403 without a rate
 * limit, 404 on the repository itself) is input, exit 2; everything else, retried or reconciled
 * first, is a remote failure, exit 1. The message keeps what each attempt saw.
 */
async function remote<T>(call: () => Promise<T>, options: { notFoundIsInput?: boolean } = {}): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof GitHubCallError) {
      const input = error.isConfiguration || (options.notFoundIsInput === true && error.kind === 'not-found');
      const hint = error.kind === 'not-found' && input ? ' (is the repository OWNER/NAME right, and can the token see it?)' : '';
      throw new PromotionError(`${error.message}${hint}`, input ? 'input' : 'remote');
    }
    throw error;
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
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
