import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { classify, DeadlineExceeded, GitHubCallError, type Attempt, type OctokitFailure } from './calls.js';

/**
 * The GitHub REST calls our scripts make (promotion: pulls list/create/update and issue labels;
 * the PR report: issue comments), through @octokit/rest with the retry plugin (5xx, timeouts and
 * dropped connections, backoff 1, 4, 9 s) and the throttling plugin (waits out primary and
 * secondary rate limits as GitHub asks). Every attempt has a timeout, every run a deadline for all
 * its GitHub calls, and a failure says what each attempt saw (see calls.ts).
 *
 * Creates (a PR, a comment) are not retried blindly: a create whose response was lost may have
 * happened, so the caller looks up what exists first (reconcile.ts).
 */

export interface Repository {
  readonly owner: string;
  readonly repo: string;
}

export interface PullRequest {
  readonly number: number;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  readonly title: string;
  readonly body: string;
  readonly url: string;
}

export interface Comment {
  readonly id: number;
  readonly body: string;
  readonly url: string;
}

export interface GitHubOptions {
  readonly token: string;
  /** GITHUB_API_URL: GitHub Enterprise or a test server; the public API otherwise. */
  readonly baseUrl: string;
  /** Where to report waits (a log line per retry or rate-limit wait). */
  readonly log: (line: string) => void;
  /** Longest wait for one response (GITHUB_API_TIMEOUT); default 30 s. */
  readonly timeoutSeconds?: number;
  /** Time from the run's first GitHub call to its last, waits included (GITHUB_API_DEADLINE); default 600 s. */
  readonly deadlineSeconds?: number;
}

const MAX_RETRIES = 3;
const SILENT_LOG = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_DEADLINE_SECONDS = 600;

/** Reads GITHUB_API_TIMEOUT and GITHUB_API_DEADLINE (seconds); undefined when unset. */
export function timeLimitsFromEnv(env: NodeJS.ProcessEnv): { timeoutSeconds?: number; deadlineSeconds?: number; problem?: string } {
  const read = (name: string): number | undefined | string => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    return Number.isFinite(value) && value > 0 ? value : `${name} must be a number of seconds greater than 0, found "${text}"`;
  };
  const timeout = read('GITHUB_API_TIMEOUT');
  const deadline = read('GITHUB_API_DEADLINE');
  const problem = [timeout, deadline].find((v): v is string => typeof v === 'string');
  if (problem) return { problem };
  return {
    ...(typeof timeout === 'number' ? { timeoutSeconds: timeout } : {}),
    ...(typeof deadline === 'number' ? { deadlineSeconds: deadline } : {}),
  };
}

export function gitHubClient(options: GitHubOptions) {
  const timeoutMs = (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const deadlineSeconds = options.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS;
  // The clock starts at the run's first GitHub call, so rendering does not spend it.
  let deadline: number | undefined;
  const attempts: Attempt[] = [];
  const remainingMs = () => (deadline ??= Date.now() + deadlineSeconds * 1000) - Date.now();

  // Registered before the retry and throttling plugins, so it wraps each attempt, not each call.
  const eachAttempt = (octokit: { hook: Octokit['hook'] }) => {
    octokit.hook.wrap('request', async (request, requestOptions) => {
      const left = remainingMs();
      if (left <= 0) throw new DeadlineExceeded(deadlineSeconds);
      const limit = Math.min(timeoutMs, left);
      requestOptions.request = { ...requestOptions.request, signal: AbortSignal.timeout(limit) };
      try {
        const response = await request(requestOptions);
        attempts.push({ at: Date.now(), status: response.status, detail: '' });
        return response;
      } catch (error) {
        const failure = error as OctokitFailure & { cause?: { name?: string }; name?: string };
        const timedOut = failure.cause?.name === 'TimeoutError' || failure.name === 'TimeoutError' || failure.name === 'AbortError';
        const status = failure.response && typeof failure.status === 'number' ? failure.status : undefined;
        const detail = timedOut
          ? `no response within ${(limit / 1000).toFixed(1)} s`
          : status === undefined
            ? (failure.message ?? 'no response')
            : '';
        attempts.push({ at: Date.now(), status, detail });
        if (timedOut) {
          // Octokit passes an abort through untouched; as a request error without a response it is
          // retried like a dropped connection.
          throw Object.assign(new Error(detail), { status: 500, request: requestOptions, name: 'HttpError' });
        }
        throw error;
      }
    });
  };

  const wait = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const fits = retryAfter * 1000 < remainingMs();
    const more = retryCount < MAX_RETRIES;
    options.log(
      fits && more
        ? `GitHub ${kind} for ${request.method} ${request.url}; waiting ${retryAfter} s (retry ${retryCount + 1} of ${MAX_RETRIES})`
        : `GitHub ${kind} for ${request.method} ${request.url}; not waiting ${retryAfter} s: ${more ? `the run has ${Math.max(0, Math.floor(remainingMs() / 1000))} s left for GitHub calls` : `${MAX_RETRIES} retries spent`}`,
    );
    return fits && more;
  };

  const RetryingOctokit = Octokit.plugin(eachAttempt, retry, throttling);
  const octokit = new RetryingOctokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: 'eks-llm-gitops',
    // Failures are reported once, by the caller, with what each attempt saw, and waits by wait()
    // above: nothing Octokit would log itself (a request log line, a deprecation notice) is for
    // the person running the command. @octokit/request logs to the console unless given a log of
    // its own, so it gets the silent one too.
    log: SILENT_LOG,
    request: { log: SILENT_LOG },
    // 429 is the throttling plugin's: it waits as GitHub asks, or gives up; never a blind retry.
    retry: { retries: MAX_RETRIES, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: { onRateLimit: wait('rate limit reached'), onSecondaryRateLimit: wait('secondary rate limit') },
  });

  /** Runs one logical call; its failure carries the attempts it made. */
  async function call<T>(label: string, run: () => Promise<T>): Promise<T> {
    const first = attempts.length;
    try {
      return await run();
    } catch (error) {
      const seen = attempts.slice(first);
      if (error instanceof DeadlineExceeded) throw new GitHubCallError(label, 'deadline', undefined, [error.message], seen);
      const { kind, status, reasons } = classify(error as OctokitFailure);
      throw new GitHubCallError(label, kind, status, reasons, seen);
    }
  }

  const toPull = (data: {
    number: number;
    state: string;
    merged_at?: string | null;
    title: string;
    body?: string | null;
    html_url: string;
  }): PullRequest => ({
    number: data.number,
    state: data.state === 'open' ? 'open' : 'closed',
    merged: Boolean(data.merged_at),
    title: data.title,
    body: data.body ?? '',
    url: data.html_url,
  });
  const path = (repository: Repository, rest: string) => `/repos/${repository.owner}/${repository.repo}${rest}`;
  /** A create is sent once per call: its retry is the caller's lookup-then-create. */
  const once = { request: { retries: 0 } };

  return {
    /** PRs (any state) whose head is `branch` of this repository, newest first. */
    pullsForBranch: (repository: Repository, branch: string): Promise<PullRequest[]> =>
      call(`GET ${path(repository, '/pulls')}`, async () => {
        const { data } = await octokit.rest.pulls.list({
          ...repository,
          head: `${repository.owner}:${branch}`,
          state: 'all',
          per_page: 100,
        });
        return data.map(toPull).sort((a, b) => b.number - a.number);
      }),
    createPull: (repository: Repository, pull: { head: string; base: string; title: string; body: string }): Promise<PullRequest> =>
      call(`POST ${path(repository, '/pulls')}`, async () =>
        toPull((await octokit.rest.pulls.create({ ...repository, ...pull, maintainer_can_modify: false, ...once })).data),
      ),
    updatePull: (repository: Repository, number: number, pull: { title: string; body: string }): Promise<PullRequest> =>
      call(`PATCH ${path(repository, `/pulls/${number}`)}`, async () =>
        toPull((await octokit.rest.pulls.update({ ...repository, pull_number: number, title: pull.title, body: pull.body })).data),
      ),
    /** Adding labels a PR already has changes nothing, so this one is retried. */
    addLabels: (repository: Repository, number: number, labels: readonly string[]): Promise<void> =>
      call(`POST ${path(repository, `/issues/${number}/labels`)}`, async () => {
        await octokit.rest.issues.addLabels({ ...repository, issue_number: number, labels: [...labels] });
      }),
    /**
     * The first comment on an issue or PR that contains `marker` and was written by a bot (the
     * workflow's token), following every page. A person quoting the marker is not mistaken for it.
     */
    findBotComment: (repository: Repository, number: number, marker: string): Promise<Comment | undefined> =>
      call(`GET ${path(repository, `/issues/${number}/comments`)}`, async () => {
        const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repository, issue_number: number, per_page: 100 });
        const found = comments.find((c) => c.user?.type === 'Bot' && (c.body ?? '').includes(marker));
        return found ? { id: found.id, body: found.body ?? '', url: found.html_url } : undefined;
      }),
    createComment: (repository: Repository, number: number, body: string): Promise<Comment> =>
      call(`POST ${path(repository, `/issues/${number}/comments`)}`, async () => {
        const { data } = await octokit.rest.issues.createComment({ ...repository, issue_number: number, body, ...once });
        return { id: data.id, body: data.body ?? '', url: data.html_url };
      }),
    updateComment: (repository: Repository, id: number, body: string): Promise<Comment> =>
      call(`PATCH ${path(repository, `/issues/comments/${id}`)}`, async () => {
        const { data } = await octokit.rest.issues.updateComment({ ...repository, comment_id: id, body });
        return { id: data.id, body: data.body ?? '', url: data.html_url };
      }),
    /** Waits before another try of a create, unless that would pass the deadline. */
    async backoff(attempt: number): Promise<void> {
      const ms = attempt * attempt * 1000;
      if (ms >= remainingMs())
        throw new GitHubCallError('retry', 'deadline', undefined, [new DeadlineExceeded(deadlineSeconds).message], []);
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
    log: options.log,
  };
}

export type GitHubClient = ReturnType<typeof gitHubClient>;
