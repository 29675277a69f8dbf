import { GitError, type Git } from './git.js';
import { PromotionError } from './errors.js';

/**
 * Pushes a promotion commit to its branch with a lease on what this run read, so a branch that
 * moved meanwhile is never overwritten, and converges when it can:
 * - the branch already holds the same tree (an earlier run or a concurrent one pushed it): adopt;
 * - the branch was deleted since it was read: push again, creating it;
 * - the connection dropped: retry, at most PUSH_ATTEMPTS times;
 * - someone else's tree is there: stop with exit 1 and say what the branch holds now.
 */

const PUSH_ATTEMPTS = 3;
const REJECTED = /\[rejected\]|stale info|non-fast-forward|fetch first|failed to update ref|cannot lock ref/;
const TRANSIENT =
  /hung up|unexpected disconnect|early EOF|RPC failed|Could not read from remote|Connection (reset|refused|timed out)|unable to access|Operation timed out/i;

export interface PushTarget {
  /** The repository whose `origin` is the remote (reads refs). */
  readonly git: Git;
  /** The worktree that holds `commit` (pushes it). */
  readonly worktree: Git;
  readonly commit: string;
  readonly branch: string;
  /** The branch's commit when this run read it; undefined when it did not exist. */
  readonly expected: string | undefined;
  /** True when `remoteCommit` holds the same tree as `commit`. */
  readonly sameTree: (remoteCommit: string) => Promise<boolean>;
  readonly log: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type PushResult = 'pushed' | 'already-there';

export async function pushPromotion(target: PushTarget): Promise<PushResult> {
  const sleep = target.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { branch } = target;
  let lease = target.expected;
  for (let attempt = 1; ; attempt++) {
    try {
      await target.worktree.run([
        'push',
        '--quiet',
        `--force-with-lease=refs/heads/${branch}:${lease ?? ''}`,
        'origin',
        `${target.commit}:refs/heads/${branch}`,
      ]);
      return 'pushed';
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      const last = attempt >= PUSH_ATTEMPTS;
      if (REJECTED.test(error.message)) {
        const now = await target.git.remoteBranch('origin', branch);
        if (now !== undefined && (await target.sameTree(now))) {
          target.log(`${branch} moved to ${short(now)} while this run worked, with the same content; keeping it`);
          return 'already-there';
        }
        if (now === undefined && lease !== undefined && !last) {
          target.log(`${branch} was deleted while this run worked; pushing it again`);
          lease = undefined;
          continue;
        }
        throw new PromotionError(
          `${branch} moved from ${short(lease)} to ${short(now)} while this run worked (another run or a person pushed to it); ` +
            'nothing was overwritten. Rerun promote to replace it with this promotion, or close its PR to stop the promotion',
          'remote',
        );
      }
      if (TRANSIENT.test(error.message) && !last) {
        target.log(`pushing ${branch} failed (${firstLine(error.message)}); retrying in ${attempt * attempt} s`);
        await sleep(attempt * attempt * 1000);
        continue;
      }
      throw new PromotionError(`pushing ${branch} failed after ${attempt} attempt(s): ${error.message}`, 'remote');
    }
  }
}

function short(commit: string | undefined): string {
  return commit === undefined ? '(no branch)' : commit.slice(0, 12);
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => TRANSIENT.test(l)) ?? text.split('\n')[0] ?? '';
}
