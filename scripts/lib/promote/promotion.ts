import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import { CLUSTER_FILE, CLUSTERS_DIR, loadFleet } from '../config/load-fleet.js';
import { formatProblem } from '../config/problem.js';
import { summarizeDiff } from './diff-summary.js';
import { setModelVersion } from './edit-version.js';
import { GitError, type Git } from './git.js';
import type { GitHubClient, Repository } from '../github/client.js';
import { pullRequestBody, pullRequestTitle, type PromotionFacts } from './pr-body.js';
import { renderedFiles, rerender, validationGate } from './render-gate.js';
import { formatDuration, lastRun, runDuration, versionHistory } from './version-history.js';

/** Promotion failed because of the input (exit 2) or because a remote failed (exit 1). */
export class PromotionError extends Error {
  constructor(
    message: string,
    readonly kind: 'input' | 'remote',
  ) {
    super(message);
  }
}

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
  const current = targetSpec.models[model]?.version as string;
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
  await writeFile(
    targetFile,
    setModelVersion(await readFile(targetFile, 'utf8'), `${CLUSTERS_DIR}/${target}/${CLUSTER_FILE}`, model, candidate),
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
    from: current,
    to: candidate,
    soakedSince: run.since.time,
    sourceCommit: run.since.commit,
    soakHours: request.soakHours,
    rollback: request.version !== undefined,
  };
  const title = pullRequestTitle(facts);
  const body = pullRequestBody(facts, summarizeDiff(before, after), [gate]);
  const branch = promotionBranch(target, model);
  const what = `${prefix} ${current} -> ${candidate} (in ${source} since ${run.since.time.toISOString()}, ${formatDuration(soaked)} >= ${request.soakHours}h)`;

  if (!context.github) {
    return {
      changed: false,
      message: `${what}: would push ${branch} and open or refresh its PR (dry run without GITHUB_TOKEN: PRs not looked up)\n${indent(body)}`,
    };
  }
  const { client, repository } = context.github;
  const pulls = await remote(() => client.pullsForBranch(repository, branch));
  const open = pulls.find((p) => p.state === 'open');
  const closedSame = pulls.find((p) => p.state === 'closed' && !p.merged && p.title === title);
  const remoteCommit = await context.git.remoteBranch('origin', branch);

  if (!open && closedSame) {
    return {
      changed: false,
      message: `${what}: PR #${closedSame.number} proposing this version was closed without merging; not reopening (a newer version will open a new PR)`,
    };
  }
  const commit = await commitPromotion(context.worktree, target, title, facts);
  const upToDate =
    open !== undefined &&
    remoteCommit !== undefined &&
    open.title === title &&
    open.body === body &&
    (await sameTree(context, remoteCommit, commit));
  if (upToDate) return { changed: false, message: `${what}: PR #${open.number} is up to date (${open.url})` };

  if (context.dryRun) {
    const action = open
      ? `force-push ${branch} and update PR #${open.number}`
      : `push ${branch} and open a PR titled "${title}" with labels ${PROMOTION_LABELS(target).join(', ')}`;
    return { changed: false, message: `${what}: would ${action}\n${indent(body)}` };
  }
  await push(context.worktree, commit, branch, remoteCommit);
  if (open) {
    const updated = await remote(() => client.updatePull(repository, open.number, { title, body }));
    return { changed: true, message: `${what}: refreshed PR #${updated.number} (${updated.url})` };
  }
  const created = await remote(() => client.createPull(repository, { head: branch, base: context.baseBranch, title, body }));
  await remote(() => client.addLabels(repository, created.number, PROMOTION_LABELS(target)));
  return { changed: true, message: `${what}: opened PR #${created.number} (${created.url})` };
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

/** Pushes without creating a local branch; the lease refuses to overwrite a branch that moved since we looked. */
async function push(worktree: Git, commit: string, branch: string, expected: string | undefined): Promise<void> {
  try {
    await worktree.run([
      'push',
      '--quiet',
      `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
      'origin',
      `${commit}:refs/heads/${branch}`,
    ]);
  } catch (error) {
    if (error instanceof GitError) throw new PromotionError(`pushing ${branch} failed: ${error.message}`, 'remote');
    throw error;
  }
}

/** Maps GitHub API failures: 4xx are input problems (token, permissions, repository), the rest remote. */
async function remote<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // Octokit's RequestError: an HTTP status and the request that failed.
    const failure = error as { status?: unknown; request?: { method?: string; url?: string }; message?: string };
    if (typeof failure.status === 'number' && failure.request?.url) {
      const kind = failure.status >= 400 && failure.status < 500 ? 'input' : 'remote';
      throw new PromotionError(
        `GitHub API ${failure.request.method} ${new URL(failure.request.url).pathname} failed: ${failure.status} ${firstLine(failure.message ?? '')}`,
        kind,
      );
    }
    throw new PromotionError(`GitHub API request failed: ${(error as Error).message}`, 'remote');
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
