import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLUSTER_FILE, CLUSTERS_DIR, loadFleet } from '../config/load-fleet.js';
import { formatProblem } from '../config/problem.js';
import { GitHubCallError } from '../github/calls.js';
import { openPull, refreshPull } from '../github/reconcile.js';
import { summarizeDiff } from './diff-summary.js';
import { PromotionError } from './errors.js';
import type { Git } from './git.js';
import { pullRequestBody, pullRequestTitle, type PromotionFacts } from './pr-body.js';
import type { PromotionContext } from './context.js';
import { pushPromotion } from './push.js';
import { renderedFiles, rerender, validationGate } from './render-gate.js';

/*
 * A proposed change to one model's entry in one environment's cluster.yaml, carried to a pull
 * request: edited and re-rendered from the base commit every time, pushed, opened or refreshed,
 * idempotently (a promotion, a rollback, a canary's step).
 */

/** Deterministic branch of a model's promotion into an environment. */
export function promotionBranch(target: string, model: string): string {
  return `promote/${target}/${model}`;
}

/** Deterministic branch of a model's rollback in an environment (apart from its promotion's). */
export function rollbackBranch(environment: string, model: string): string {
  return `rollback/${environment}/${model}`;
}

export const PROMOTION_LABELS = (target: string) => ['promotion', `env:${target}`];

/**
 * What happened to one model; a line of the command's output. `refused`: the version missed an
 * SLO (or served nothing) where it soaked, so no PR was opened.
 */
export type Outcome = { readonly changed: boolean; readonly message: string; readonly refused?: boolean };

/** A change to one model's entry in one environment's cluster.yaml, proposed by a PR. */
export interface Proposal {
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
export async function propose(context: PromotionContext, proposal: Proposal): Promise<Outcome> {
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
  const labels = [...PROMOTION_LABELS(target), ...(facts.restore || facts.canaryStep?.kind === 'abort' ? ['rollback'] : [])];
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
export async function remote<T>(call: () => Promise<T>, options: { notFoundIsInput?: boolean } = {}): Promise<T> {
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
