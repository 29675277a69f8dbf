/**
 * What one GitHub call went through, attempt by attempt, and what its final failure means for the
 * caller. Octokit's retry and throttling plugins hide the attempts; this keeps them so a run that
 * gives up can say what it saw, and classifies the failure so nothing is guessed from a status
 * alone (a 422 "already exists" after a retried create is a success to adopt, not bad input).
 */

/** One attempt of one request, as the wire saw it. */
export interface Attempt {
  readonly at: number;
  /** HTTP status, or undefined when no response came (timeout, connection reset). */
  readonly status: number | undefined;
  readonly detail: string;
}

/**
 * credentials: 401; forbidden: 403 without rate-limit signals (the token's permissions);
 * rate-limited: 403/429 the throttling plugin gave up on; not-found: 404; conflict: 409;
 * invalid: 422; uncertain: a 5xx, a timeout or a dropped connection, the request may have taken
 * effect; deadline: the run's time for GitHub calls ran out before this attempt.
 */
export type FailureKind = 'credentials' | 'forbidden' | 'rate-limited' | 'not-found' | 'conflict' | 'invalid' | 'uncertain' | 'deadline';

export class GitHubCallError extends Error {
  constructor(
    readonly call: string,
    readonly kind: FailureKind,
    readonly status: number | undefined,
    /** GitHub's own error messages (422 `errors[].message`, or `message`). */
    readonly reasons: readonly string[],
    readonly attempts: readonly Attempt[],
  ) {
    super(`GitHub API ${call} failed: ${describeFailure(kind, status, reasons)}${attemptsSuffix(attempts)}`);
  }

  /** GitHub's 422 when a PR for the head branch is already open: what a retried create sees. */
  get pullAlreadyExists(): boolean {
    return this.kind === 'invalid' && this.reasons.some((r) => /already exists/i.test(r));
  }

  /** The user fixes the token or the repository name, not the network: exit 2. */
  get isConfiguration(): boolean {
    return this.kind === 'credentials' || this.kind === 'forbidden';
  }
}

/** The run gave up waiting for GitHub: its time for GitHub calls is spent. */
export class DeadlineExceeded extends Error {
  /** Shaped for Octokit's retry plugin, which reads `request.request`: it rethrows, never retries. */
  readonly request = {};

  constructor(readonly seconds: number) {
    super(`the run's ${seconds} s for GitHub calls (GITHUB_API_DEADLINE) ran out`);
  }
}

function describeFailure(kind: FailureKind, status: number | undefined, reasons: readonly string[]): string {
  const code = status === undefined ? '' : `${status} `;
  const why = reasons.length > 0 ? reasons.join('; ') : '';
  switch (kind) {
    case 'credentials':
      return `${code}${why || 'Bad credentials'}: GITHUB_TOKEN is not valid for this API`;
    case 'forbidden':
      return `${code}${why || 'Forbidden'}: the token needs contents: write and pull-requests: write (issues: write to comment) on this repository`;
    case 'rate-limited':
      return `${code}rate limited${why ? ` (${why})` : ''}; rerun after the limit resets`;
    case 'uncertain':
      return `${code}${why || 'no response'}; GitHub may or may not have applied it`;
    case 'deadline':
      return why;
    default:
      return `${code}${why}`.trim();
  }
}

function attemptsSuffix(attempts: readonly Attempt[]): string {
  if (attempts.length <= 1) return '';
  const start = attempts[0]!.at;
  const seen = attempts.map((a) => `${a.status ?? a.detail} at +${((a.at - start) / 1000).toFixed(1)} s`).join(', ');
  return ` (after ${attempts.length} attempts: ${seen})`;
}

/** The failure of a request as Octokit reports it (RequestError's shape, without importing it). */
export interface OctokitFailure {
  readonly status?: unknown;
  readonly message?: string;
  readonly response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

export function classify(failure: OctokitFailure): { kind: FailureKind; status: number | undefined; reasons: string[] } {
  const status = typeof failure.status === 'number' && failure.response ? failure.status : undefined;
  const reasons = githubReasons(failure);
  const headers = failure.response?.headers ?? {};
  const rateLimited =
    headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined || reasons.some((r) => /rate limit/i.test(r));
  if (status === undefined || status >= 500)
    return { kind: 'uncertain', status, reasons: status === undefined ? [failure.message ?? ''] : reasons };
  if (status === 401) return { kind: 'credentials', status, reasons };
  if (status === 429 || (status === 403 && rateLimited)) return { kind: 'rate-limited', status, reasons };
  if (status === 403) return { kind: 'forbidden', status, reasons };
  if (status === 404) return { kind: 'not-found', status, reasons };
  if (status === 409) return { kind: 'conflict', status, reasons };
  return { kind: 'invalid', status, reasons };
}

/** GitHub's error body: `message`, and for 422 the `errors[].message` that say why. */
function githubReasons(failure: OctokitFailure): string[] {
  const data = failure.response?.data as { message?: unknown; errors?: Array<{ message?: unknown; code?: unknown }> } | undefined;
  if (!data || typeof data !== 'object') return [];
  const detailed = (data.errors ?? []).map((e) => (typeof e.message === 'string' ? e.message : String(e.code ?? ''))).filter(Boolean);
  const message = typeof data.message === 'string' ? [data.message] : [];
  return detailed.length > 0 ? [...message, ...detailed] : message;
}
