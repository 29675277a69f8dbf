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
}

/** Deterministic branch of a model's promotion into an environment. */
export function promotionBranch(target: string, model: string): string {
  return `promote/${target}/${model}`;
}

export const PROMOTION_LABELS = (target: string) => ['promotion', `env:${target}`];

/** What happened to one model; a line of the command's output. */
export type Outcome = { readonly changed: boolean; readonly message: string };

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

  // Edit and re-render in the worktree, starting from the base commit every time.
  await context.worktree.run(['reset', '--hard', '--quiet', context.baseCommit]);
  await context.worktree.run(['clean', '-fdq']);
  const root = context.worktree.dir;
  const targetFile = path.join(root, CLUSTERS_DIR, target, CLUSTER_FILE);
  const targetName = `${CLUSTERS_DIR}/${target}/${CLUSTER_FILE}`;
  const targetText = await readFile(targetFile, 'utf8');
  await writeFile(
    targetFile,
    current === undefined
      ? addModelEntry(targetText, targetName, model, await firstRolloutEntry(root, source, model, candidate, request.replicas))
      : setModelVersion(targetText, targetName, model, candidate),
  );
  const before = await renderedFiles(root, target);
  const loaded = await loadFleet(root);
  if (!loaded.ok)
    throw new PromotionError(`${prefix}: the edited inputs do not load:\n${loaded.problems.map(formatProblem).join('\n')}`, 'input');
  await rerender(root, loaded.fleet, target);
  const after = await renderedFiles(root, target);
  const gate = await validationGate(after, target, targetSpec.aws.kubernetesVersion, context.cacheDir);

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
  };
  const title = pullRequestTitle(facts);
  const body = pullRequestBody(facts, summarizeDiff(before, after), [gate]);
  const branch = promotionBranch(target, model);
  const what = `${prefix} ${fromLabel} -> ${candidate} (in ${source} since ${run.since.time.toISOString()}, ${formatDuration(soaked)} >= ${request.soakHours}h)`;

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
  const commit = await commitPromotion(context.worktree, target, title, facts);
  const branchCurrent = remoteCommit !== undefined && (await sameTree(context, remoteCommit, commit));
  if (open !== undefined && branchCurrent && open.title === title && open.body === body)
    return { changed: false, message: `${what}: PR #${open.number} is up to date (${open.url})` };

  if (context.dryRun) {
    const action = open
      ? `${branchCurrent ? '' : `force-push ${branch} and `}update PR #${open.number}`
      : `${branchCurrent ? '' : `push ${branch} and `}open a PR titled "${title}" with labels ${PROMOTION_LABELS(target).join(', ')}`;
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
    await remote(() => client.addLabels(repository, result.value.number, PROMOTION_LABELS(target)));
  const verb = { created: 'opened', adopted: 'adopted the open', updated: 'refreshed', unchanged: 'refreshed the branch of' }[
    result.action
  ];
  return { changed: true, message: `${what}: ${verb} PR #${result.value.number} (${result.value.url})` };
}

async function commitPromotion(worktree: Git, target: string, title: string, facts: PromotionFacts): Promise<string> {
  await worktree.run(['add', '--all', '--', `${CLUSTERS_DIR}/${target}`]);
  const identity =
    (await worktree.run(['config', 'user.email']).catch(() => '')) === ''
      ? ['-c', 'user.name=eks-llm-gitops promotion', '-c', 'user.email=eks-llm-gitops@users.noreply.github.com']
      : [];
  const message = `${title}\n\n${facts.to} has run in ${facts.source} since ${facts.soakedSince.toISOString()} (commit ${facts.sourceCommit}).`;
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
