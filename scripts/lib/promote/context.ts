import type { ModelSlo } from '../../../apps/models/model-spec.js';
import type { GitHubClient, Repository } from '../github/client.js';
import type { Git } from './git.js';
import type { PrometheusEndpoint } from './prometheus-api.js';

/** What one run of npm run promote works with: git, the base commit, the clock, GitHub. */
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

/** Where SLO figures are read, and the objectives they are judged against. */
export interface EvidenceSource {
  readonly endpoint: PrometheusEndpoint;
  readonly windowMinutes: number;
  readonly slo: ModelSlo;
}
