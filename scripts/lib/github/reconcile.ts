import { GitHubCallError } from './calls.js';
import type { Comment, GitHubClient, PullRequest, Repository } from './client.js';

/**
 * Creates that converge: each is preceded by a lookup (done by the caller) and followed, when its
 * outcome is uncertain (5xx, timeout, dropped connection) or GitHub says the thing already exists,
 * by another lookup that adopts what is there. A rerun after any failure therefore ends with one
 * PR per branch and one report comment per PR, never two.
 */

/** How many creates one call may send when each one's outcome is uncertain and nothing is found. */
const CREATE_ATTEMPTS = 3;

export interface Converged<T> {
  readonly value: T;
  /** created: we made it; adopted: it existed (an earlier attempt or another run made it); updated. */
  readonly action: 'created' | 'adopted' | 'updated' | 'unchanged';
}

/** Opens a PR for `pull.head`, or adopts the open one and gives it our title and body. */
export async function openPull(
  client: GitHubClient,
  repository: Repository,
  pull: { head: string; base: string; title: string; body: string },
): Promise<Converged<PullRequest>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await client.createPull(repository, pull), action: 'created' };
    } catch (error) {
      if (!(error instanceof GitHubCallError) || !(error.pullAlreadyExists || error.kind === 'uncertain')) throw error;
      const open = (await client.pullsForBranch(repository, pull.head)).find((p) => p.state === 'open');
      if (open) {
        client.log(`${error.message}; PR #${open.number} for ${pull.head} exists, adopting it`);
        return syncPull(client, repository, open, pull, 'adopted');
      }
      if (error.pullAlreadyExists || attempt >= CREATE_ATTEMPTS) throw error;
      client.log(`${error.message}; no PR for ${pull.head} exists, creating it again`);
      await client.backoff(attempt);
    }
  }
}

/** Gives an open PR our title and body; if it is gone (404), opens or adopts another. */
export async function refreshPull(
  client: GitHubClient,
  repository: Repository,
  open: PullRequest,
  pull: { head: string; base: string; title: string; body: string },
): Promise<Converged<PullRequest>> {
  try {
    return await syncPull(client, repository, open, pull, 'updated');
  } catch (error) {
    if (!(error instanceof GitHubCallError) || error.kind !== 'not-found') throw error;
    client.log(`${error.message}; PR #${open.number} is gone, opening ${pull.head}'s PR again`);
    return openPull(client, repository, pull);
  }
}

async function syncPull(
  client: GitHubClient,
  repository: Repository,
  open: PullRequest,
  pull: { title: string; body: string },
  action: 'adopted' | 'updated',
): Promise<Converged<PullRequest>> {
  if (open.title === pull.title && open.body === pull.body) return { value: open, action: action === 'adopted' ? 'adopted' : 'unchanged' };
  return { value: await client.updatePull(repository, open.number, { title: pull.title, body: pull.body }), action };
}

/**
 * Our one comment (found by `marker`) on issue or PR `number` holds `body`: unchanged, updated
 * in place, or created; a comment deleted under us is created again, and a create whose response
 * was lost is looked up before it is sent again.
 */
export async function upsertComment(
  client: GitHubClient,
  repository: Repository,
  number: number,
  marker: string,
  body: string,
): Promise<Converged<Comment>> {
  const existing = await client.findBotComment(repository, number, marker);
  if (existing?.body === body) return { value: existing, action: 'unchanged' };
  if (existing) {
    try {
      return { value: await client.updateComment(repository, existing.id, body), action: 'updated' };
    } catch (error) {
      if (!(error instanceof GitHubCallError) || error.kind !== 'not-found') throw error;
      client.log(`${error.message}; the report comment was deleted, posting it again`);
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await client.createComment(repository, number, body), action: 'created' };
    } catch (error) {
      if (!(error instanceof GitHubCallError) || error.kind !== 'uncertain') throw error;
      const found = await client.findBotComment(repository, number, marker);
      if (found) {
        client.log(`${error.message}; the comment was posted, adopting it`);
        if (found.body === body) return { value: found, action: 'adopted' };
        return { value: await client.updateComment(repository, found.id, body), action: 'adopted' };
      }
      if (attempt >= CREATE_ATTEMPTS) throw error;
      client.log(`${error.message}; no report comment exists, posting it again`);
      await client.backoff(attempt);
    }
  }
}
