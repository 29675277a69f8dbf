/**
 * npm run promote: open (or refresh) one pull request per model that has soaked long enough in
 * the target environment's promotion source. Never pushes to the base branch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { redact } from './lib/cli/redact.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { loadFleet } from './lib/config/load-fleet.js';
import { formatProblem } from './lib/config/problem.js';
import { Git, GitError } from './lib/promote/git.js';
import { gitHubClient, timeLimitsFromEnv } from './lib/github/client.js';
import { PromotionError } from './lib/promote/errors.js';
import { promoteModel, rollbackModel, type PromotionContext } from './lib/promote/promotion.js';
import type { ClusterSpec } from '../platform/spec/cluster-spec.js';
import type { Fleet } from './lib/config/fleet.js';
import { hasStagedCanary } from '../apps/model-server/staged-canary.js';
import { validateCacheDir } from './lib/validate/cache-dir.js';

const USAGE = `Usage: npm run promote -- --to ENV [--model NAME [--version V] [--min-replicas N --max-replicas N] | --all] [--dry-run]
                              [--repo OWNER/NAME] [--base BRANCH] [--now ISO-8601]
       npm run promote -- --to ENV --model NAME --rollback [--dry-run] [--repo OWNER/NAME] [--base BRANCH]
       npm run promote -- --list-targets

For each model whose version in ENV's promotion source (promotion.from) differs from ENV's and
has run there, on the base branch, for at least promotion.soakHours: commit the version change and
the re-rendered ENV on branch promote/ENV/MODEL, push it, and open a pull request (or refresh the
open one). Merging the PR is the deployment.

  --to ENV          the environment to promote into (required)
  --model NAME      only this model; --all (the default) every model both environments run
  --version V       with --model: promote this version from the source's history (rollback)
  --min-replicas N, --max-replicas N
                    with --model, for a first rollout (a model the source runs and ENV does not
                    yet): its replica bounds in ENV; default: the source's. The PR adds the
                    model with the source's other settings for it (autoscaling)
  --rollback        with --to and --model: open (or refresh) the PR on rollback/ENV/NAME that
                    restores the version ENV ran before its current one (from ENV's history on
                    the base branch; no soak needed to go back), with the current version's SLO
                    figures in ENV over the last 24 h (from ENV's monitoring.queryUrl; the PR
                    says so when they cannot be read)
  --dry-run         print what would be done; change nothing locally or on GitHub
  --repo OWNER/NAME GitHub repository (default: $GITHUB_REPOSITORY)
  --base BRANCH     branch the environments track and PRs target (default: main)
  --now ISO-8601    the time soak is measured against (default: now)
  --list-targets    print the environments that have a promotion source, as a JSON array (for
                    the workflow's matrix), and do nothing else

Multi-node models in an environment with a canary block (LeaderWorkerSets, which Argo Rollouts
cannot run) take a new version as a staged canary, each step a PR on promote/ENV/MODEL: the first
PR starts it at the first checkpoint's share (models.<model>.canary in cluster.yaml); each later
run reads the canary's SLOs from ENV's monitoring.queryUrl since its share reached the base
branch, in canary.analysisMinutes windows, and once the checkpoint's pause has held proposes the
next share, then the version itself. An SLO missed in more windows than canary.failureLimit opens
the PR on rollback/ENV/MODEL that removes the canary (and that version is not proposed to ENV
again). --rollback with a canary in progress removes the canary.

SLO evidence: when the source's cluster.yaml sets monitoring.queryUrl, the candidate's SLOs (the
catalogue's slo: time to first token p95, inter-token latency p95, error rate) are read from that
Prometheus over the last soakHours, per promotion.sloWindowMinutes window; a version that missed
one in any window, or served no requests, gets no PR, and the run says which SLO, by how much and
when. The PR body shows the figures beside the soak, with a link to each query.

Environment: GITHUB_TOKEN (required unless --dry-run; never printed), PROMETHEUS_TOKEN (bearer
token for monitoring.queryUrl, optional; never printed), GITHUB_API_URL (GitHub
Enterprise; default https://api.github.com), GITHUB_API_TIMEOUT (seconds one GitHub response may
take; default 30), GITHUB_API_DEADLINE (seconds from the run's first GitHub call to its last,
waits included; default 600). The git remote is "origin".

Faults: GitHub reads and edits are retried (5xx, timeouts, rate limits as GitHub asks); a PR
create whose answer was lost, or that GitHub says exists, is looked up and adopted; a branch that
moved while the run worked is never overwritten. Rerunning after any failure converges: one PR
per model and environment. See "Faults" in scripts/README.md.
Exit codes: 0 done (including nothing to do), 1 a version missed its SLOs (no PR for it; the others
are done) or a remote (GitHub, git, Prometheus) failed: rerun later, 2 bad input (flags, inputs,
token or repository).
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    to: { type: 'string' },
    model: { type: 'string' },
    version: { type: 'string' },
    'min-replicas': { type: 'string' },
    'max-replicas': { type: 'string' },
    all: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    repo: { type: 'string' },
    base: { type: 'string' },
    now: { type: 'string' },
    'list-targets': { type: 'boolean', default: false },
    rollback: { type: 'boolean', default: false },
  });
  if (values['list-targets']) return listTargets();
  if (!values.to) throw new UsageError('--to ENV is required');
  if (values.model && values.all) throw new UsageError('give --model NAME or --all, not both');
  if (values.rollback && (!values.model || values.version || values.all || values['min-replicas'] || values['max-replicas']))
    throw new UsageError('--rollback takes --to ENV --model NAME only: it restores the version ENV ran before its current one');
  if (values.version && !values.model) throw new UsageError('--version needs --model: a specific version is promoted one model at a time');
  const replicas = replicaFlags(values['min-replicas'], values['max-replicas']);
  if (replicas && !values.model) throw new UsageError("--min-replicas and --max-replicas need --model: they set a first rollout's bounds");
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime()))
    throw new UsageError(`--now must be an ISO-8601 time such as 2026-11-27T12:00:00Z, found "${values.now}"`);
  const dryRun = values['dry-run'];
  const base = values.base ?? 'main';

  const token = process.env.GITHUB_TOKEN ?? '';
  const prometheusToken = process.env.PROMETHEUS_TOKEN ?? '';
  if (token === '' && !dryRun)
    throw new PromotionError(
      'GITHUB_TOKEN is not set: promotion opens pull requests and needs a token with contents and pull-requests write access (or use --dry-run)',
      'input',
    );
  const repoName = values.repo ?? process.env.GITHUB_REPOSITORY ?? '';
  const repoMatch = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repoName);
  if (token !== '' && !repoMatch)
    throw new PromotionError(`the GitHub repository must be OWNER/NAME (--repo or GITHUB_REPOSITORY), found "${repoName}"`, 'input');

  const limits = timeLimitsFromEnv(process.env);
  if (limits.problem) throw new PromotionError(limits.problem, 'input');
  const log = (line: string) => process.stderr.write(`${redact(line, token, prometheusToken)}\n`);
  const git = new Git(process.cwd());
  const top = await git.run(['rev-parse', '--show-toplevel']).catch(() => {
    throw new PromotionError('promote must run inside the git checkout of the repository', 'input');
  });
  const repository = new Git(top);
  if ((await repository.statusPorcelain()) !== '') {
    throw new PromotionError(
      'the working tree has uncommitted changes; commit or stash them first (promotion renders with the code you have checked out)',
      'input',
    );
  }
  const baseCommit = await repository.fetchBranch('origin', base).catch((error: unknown) => {
    throw new PromotionError(`cannot fetch ${base} from origin (check the remote, then rerun): ${(error as Error).message}`, 'remote');
  });

  const worktreeDir = await mkdtemp(path.join(tmpdir(), 'promote-'));
  await repository.run(['worktree', 'add', '--quiet', '--detach', worktreeDir, baseCommit]);
  try {
    const loaded = await loadFleet(worktreeDir);
    if (!loaded.ok)
      throw new PromotionError(`the inputs on ${base} do not load:\n${loaded.problems.map(formatProblem).join('\n')}`, 'input');
    const environments = new Map([...loaded.fleet.environments].map(([name, located]) => [name, located.spec]));
    const target = environments.get(values.to);
    if (!target)
      throw new PromotionError(`unknown environment "${values.to}"; expected one of: ${[...environments.keys()].join(', ')}`, 'input');
    const context: PromotionContext = {
      git: repository,
      worktree: new Git(worktreeDir),
      baseBranch: base,
      baseCommit,
      now,
      dryRun,
      github:
        token === '' || !repoMatch
          ? undefined
          : {
              client: gitHubClient({ token, baseUrl: process.env.GITHUB_API_URL || 'https://api.github.com', log, ...limits }),
              repository: { owner: repoMatch[1] as string, repo: repoMatch[2] as string },
            },
      cacheDir: validateCacheDir(top),
      log,
    };
    if (values.rollback) return await rollback(context, values.to, values.model!, environments, loaded.fleet, prometheusToken);
    if (!target.promotion)
      throw new PromotionError(
        `${values.to} has no promotion source (promotion.from in clusters/${values.to}/cluster.yaml): its versions are set by hand`,
        'input',
      );
    const source = environments.get(target.promotion.from)!;

    const models = values.model ? [values.model] : Object.keys(target.models).sort();
    for (const model of models) {
      if (target.models[model]) {
        if (replicas)
          throw new PromotionError(
            `${values.to} runs ${model} already: --min-replicas and --max-replicas set a first rollout's bounds; change replicas in clusters/${values.to}/cluster.yaml by a PR`,
            'input',
          );
        continue;
      }
      if (!source.models[model])
        throw new PromotionError(
          `unknown model "${model}": neither ${values.to} nor its promotion source ${source.name} runs it. A new model starts in the first environment (add it under models: in that cluster.yaml, npm run new:model for its catalogue entry); ${values.to} runs: ${Object.keys(target.models).join(', ')}`,
          'input',
        );
    }
    if (dryRun) process.stdout.write(DRY_RUN_NOTE);
    if (!values.model) {
      const newer = Object.keys(source.models).filter((m) => !target.models[m]);
      for (const model of newer.sort())
        process.stdout.write(
          `${values.to}: ${model}: runs in ${source.name} only; its first rollout is explicit: npm run promote -- --to ${values.to} --model ${model}\n`,
        );
    }
    const queryUrl = source.monitoring?.queryUrl;
    if (!queryUrl)
      process.stdout.write(
        `${values.to}: no SLO evidence: clusters/${source.name}/cluster.yaml sets no monitoring.queryUrl, so soak time alone decides\n`,
      );
    let refused = 0;
    for (const model of models) {
      if (!source.models[model]) {
        process.stdout.write(`${values.to}: ${model}: not run in ${source.name}, nothing to promote\n`);
        continue;
      }
      const evidence = queryUrl
        ? {
            endpoint: { url: queryUrl, token: prometheusToken || undefined, timeoutMs: 30_000 },
            windowMinutes: target.promotion.sloWindowMinutes,
            slo: loaded.fleet.models.get(model)!.spec.slo,
          }
        : undefined;
      const catalogue = loaded.fleet.models.get(model)!.spec;
      const running = target.models[model];
      const targetQueryUrl = target.monitoring?.queryUrl;
      // A multi-node model in an environment with canaries: its upgrades are staged canaries, step by step.
      const staged =
        running && hasStagedCanary(target.canary, catalogue.gpu.nodes, running.replicas.min)
          ? {
              canary: target.canary,
              evidence: targetQueryUrl
                ? {
                    endpoint: { url: targetQueryUrl, token: prometheusToken || undefined, timeoutMs: 30_000 },
                    windowMinutes: target.canary.analysisMinutes,
                    slo: catalogue.slo,
                  }
                : undefined,
            }
          : undefined;
      const outcome = await promoteModel(
        context,
        {
          target: values.to,
          source: source.name,
          soakHours: target.promotion.soakHours,
          model,
          version: values.version,
          replicas,
          evidence,
          staged,
        },
        environments,
      );
      if (outcome.refused) refused++;
      process.stdout.write(`${redact(outcome.message, token, prometheusToken)}\n`);
    }
    return refused > 0 ? EXIT.gateFailed : EXIT.ok;
  } finally {
    await repository.run(['worktree', 'remove', '--force', worktreeDir]).catch(() => undefined);
    await rm(worktreeDir, { recursive: true, force: true });
    await repository.run(['worktree', 'prune']).catch(() => undefined);
  }
}

const DRY_RUN_NOTE = 'dry run: nothing will be committed, pushed or sent to GitHub\n';

/** --rollback: one PR restoring the model's previous version in the environment, with its SLO figures there. */
async function rollback(
  context: PromotionContext,
  environment: string,
  model: string,
  environments: ReadonlyMap<string, ClusterSpec>,
  fleet: Fleet,
  prometheusToken: string,
): Promise<number> {
  const spec = environments.get(environment)!;
  const catalogue = fleet.models.get(model);
  if (!spec.models[model] || !catalogue)
    throw new PromotionError(
      `${environment} does not run "${model}": nothing to roll back; it runs: ${Object.keys(spec.models).join(', ')}`,
      'input',
    );
  if (context.dryRun) process.stdout.write(DRY_RUN_NOTE);
  const queryUrl = spec.monitoring?.queryUrl;
  if (!queryUrl) process.stdout.write(`${environment}: no SLO figures: clusters/${environment}/cluster.yaml sets no monitoring.queryUrl\n`);
  const outcome = await rollbackModel(
    context,
    {
      environment,
      model,
      evidence: queryUrl
        ? {
            endpoint: { url: queryUrl, token: prometheusToken || undefined, timeoutMs: 30_000 },
            windowMinutes: spec.promotion?.sloWindowMinutes ?? 60,
            slo: catalogue.spec.slo,
          }
        : undefined,
    },
    environments,
  );
  process.stdout.write(`${redact(outcome.message, process.env.GITHUB_TOKEN ?? '', prometheusToken)}\n`);
  return EXIT.ok;
}

/** --min-replicas and --max-replicas, both or neither, as whole numbers with min <= max. */
function replicaFlags(min: string | undefined, max: string | undefined): { min: number; max: number } | undefined {
  if (min === undefined && max === undefined) return undefined;
  if (min === undefined || max === undefined) throw new UsageError('give --min-replicas and --max-replicas together');
  const parse = (flag: string, text: string, least: number) => {
    if (!/^\d+$/.test(text) || Number(text) < least)
      throw new UsageError(`${flag} must be a whole number of at least ${least}, found "${text}"`);
    return Number(text);
  };
  const bounds = { min: parse('--min-replicas', min, 0), max: parse('--max-replicas', max, 1) };
  if (bounds.min > bounds.max) throw new UsageError(`--min-replicas (${bounds.min}) must not exceed --max-replicas (${bounds.max})`);
  return bounds;
}

/** Environments with promotion.from in the checked-out inputs, as JSON. */
async function listTargets(): Promise<number> {
  const loaded = await loadFleet(process.cwd());
  if (!loaded.ok) throw new PromotionError(`the inputs do not load:\n${loaded.problems.map(formatProblem).join('\n')}`, 'input');
  const targets = [...loaded.fleet.environments].filter(([, located]) => located.spec.promotion).map(([name]) => name);
  process.stdout.write(`${JSON.stringify(targets)}\n`);
  return EXIT.ok;
}

await runCli(USAGE, async () => {
  try {
    return await main();
  } catch (error) {
    if (error instanceof PromotionError) {
      process.stderr.write(`error: ${redact(error.message, process.env.GITHUB_TOKEN ?? '', process.env.PROMETHEUS_TOKEN ?? '')}\n`);
      return error.kind === 'input' ? EXIT.badInput : EXIT.gateFailed;
    }
    if (error instanceof GitError) {
      process.stderr.write(`error: ${redact(error.message, process.env.GITHUB_TOKEN ?? '', process.env.PROMETHEUS_TOKEN ?? '')}\n`);
      return EXIT.gateFailed;
    }
    throw error;
  }
});
