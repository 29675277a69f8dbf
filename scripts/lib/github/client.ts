import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

/**
 * The GitHub REST calls our scripts make (promotion: pulls list/create/update and issue labels;
 * the PR report: issue comments), through @octokit/rest with the retry plugin (5xx and network
 * errors, exponential backoff) and the throttling plugin (waits out primary and secondary rate
 * limits as GitHub asks).
 */

const RetryingOctokit = Octokit.plugin(retry, throttling);

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
  /** Where to report waits (a log line per rate-limit wait). */
  readonly log: (line: string) => void;
}

const MAX_RATE_LIMIT_RETRIES = 3;

export function gitHubClient(options: GitHubOptions) {
  const octokit = new RetryingOctokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: 'eks-llm-gitops',
    log: { debug: () => {}, info: () => {}, warn: options.log, error: options.log },
    retry: { retries: 3 },
    throttle: {
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        options.log(
          `GitHub rate limit reached for ${request.method} ${request.url}; waiting ${retryAfter} s (retry ${retryCount + 1} of ${MAX_RATE_LIMIT_RETRIES})`,
        );
        return retryCount < MAX_RATE_LIMIT_RETRIES;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        options.log(
          `GitHub secondary rate limit for ${request.method} ${request.url}; waiting ${retryAfter} s (retry ${retryCount + 1} of ${MAX_RATE_LIMIT_RETRIES})`,
        );
        return retryCount < MAX_RATE_LIMIT_RETRIES;
      },
    },
  });

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

  return {
    /** PRs (any state) whose head is `branch` of this repository, newest first. */
    async pullsForBranch(repository: Repository, branch: string): Promise<PullRequest[]> {
      const { data } = await octokit.rest.pulls.list({ ...repository, head: `${repository.owner}:${branch}`, state: 'all', per_page: 100 });
      return data.map(toPull).sort((a, b) => b.number - a.number);
    },
    async createPull(repository: Repository, pull: { head: string; base: string; title: string; body: string }): Promise<PullRequest> {
      const { data } = await octokit.rest.pulls.create({ ...repository, ...pull, maintainer_can_modify: false });
      return toPull(data);
    },
    async updatePull(repository: Repository, number: number, pull: { title: string; body: string }): Promise<PullRequest> {
      const { data } = await octokit.rest.pulls.update({ ...repository, pull_number: number, ...pull });
      return toPull(data);
    },
    async addLabels(repository: Repository, number: number, labels: readonly string[]): Promise<void> {
      await octokit.rest.issues.addLabels({ ...repository, issue_number: number, labels: [...labels] });
    },
    /**
     * The first comment on an issue or PR that contains `marker` and was written by a bot (the
     * workflow's token), following every page. A person quoting the marker is not mistaken for it.
     */
    async findBotComment(repository: Repository, number: number, marker: string): Promise<Comment | undefined> {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repository, issue_number: number, per_page: 100 });
      const found = comments.find((c) => c.user?.type === 'Bot' && (c.body ?? '').includes(marker));
      return found ? { id: found.id, body: found.body ?? '', url: found.html_url } : undefined;
    },
    async createComment(repository: Repository, number: number, body: string): Promise<Comment> {
      const { data } = await octokit.rest.issues.createComment({ ...repository, issue_number: number, body });
      return { id: data.id, body: data.body ?? '', url: data.html_url };
    },
    async updateComment(repository: Repository, id: number, body: string): Promise<Comment> {
      const { data } = await octokit.rest.issues.updateComment({ ...repository, comment_id: id, body });
      return { id: data.id, body: data.body ?? '', url: data.html_url };
    },
  };
}

export type GitHubClient = ReturnType<typeof gitHubClient>;
