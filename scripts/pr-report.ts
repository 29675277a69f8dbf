/**
 * npm run pr-report: what a pull request does to each environment (objects by kind, model
 * servers, GPU capacity and estimated cost) and how its gates went, as one comment on the PR that
 * every push updates in place; to the job summary when the token cannot comment (forks).
 */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { redact } from './lib/cli/redact.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { loadFleet } from './lib/config/load-fleet.js';
import { reportProblems } from './lib/config/report-problems.js';
import { GitHubCallError } from './lib/github/calls.js';
import { gitHubClient, timeLimitsFromEnv } from './lib/github/client.js';
import { upsertComment } from './lib/github/reconcile.js';
import { summarizeDiff } from './lib/promote/diff-summary.js';
import { revisionFiles, workingTreeFiles } from './lib/report/environment-files.js';
import { readGateFiles } from './lib/report/gate-results.js';
import { modelServers } from './lib/report/model-servers.js';
import { prReport, REPORT_MARKER, type EnvironmentReport } from './lib/report/pr-report.js';
import { capacity, readPriceTable } from './lib/report/pricing.js';
import { pullRequestBase } from './lib/cli/base-revision.js';

const USAGE = `Usage: npm run pr-report -- [--base REV] [--gates DIR] [--output comment|summary|stdout]
                                [--pr N] [--repo OWNER/NAME] [--run-url URL] [--root DIR]

Compares each environment's rendered manifests in the working tree with REV and writes the PR
report: gate outcomes (the JSON files the workflow's jobs record under DIR), then per changed
environment the objects added/changed/removed by kind, the model servers whose version, image,
replica bounds or GPUs change, and GPU capacity with an estimated on-demand $/hour from the
dated price table in scripts/lib/report/ec2-gpu-on-demand.yaml.

  --base REV      revision to compare with (default: origin/$GITHUB_BASE_REF, else HEAD)
  --gates DIR     gate result files (default: none)
  --output        comment: create or update our one comment on the PR (needs GITHUB_TOKEN);
                  summary: append to $GITHUB_STEP_SUMMARY; stdout: print it.
                  Default: summary for PRs from forks (PR_FROM_FORK=true), comment when
                  GITHUB_TOKEN is set, else stdout. A comment the token may not write (403/404)
                  falls back to the summary.
  --pr N          pull request number (default: from $GITHUB_EVENT_PATH)
  --repo O/N      repository (default: $GITHUB_REPOSITORY)
  --run-url URL   link to the workflow run (default: from $GITHUB_SERVER_URL, $GITHUB_REPOSITORY
                  and $GITHUB_RUN_ID)

Environment: GITHUB_API_TIMEOUT (seconds one GitHub response may take; default 30) and
GITHUB_API_DEADLINE (seconds from the first GitHub call to the last, waits included; default 600). Reads and edits
are retried; a comment whose create answer was lost is looked up before it is sent again, so a
PR has one report comment, however often this runs. See "Faults" in scripts/README.md.

Exit codes: 0 written, 1 GitHub failed (rerun), 2 bad input or usage (including a token GitHub
rejects or that lacks permission when there is no job summary to fall back to).
`;

const OUTPUTS = ['comment', 'summary', 'stdout'] as const;
type Output = (typeof OUTPUTS)[number];

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    base: { type: 'string' },
    gates: { type: 'string' },
    output: { type: 'string' },
    pr: { type: 'string' },
    repo: { type: 'string' },
    'run-url': { type: 'string' },
    root: { type: 'string' },
  });
  const env = process.env;
  const root = path.resolve(values.root ?? process.cwd());
  const token = env.GITHUB_TOKEN ?? '';
  const output = (values.output ?? (env.PR_FROM_FORK === 'true' ? 'summary' : token ? 'comment' : 'stdout')) as Output;
  if (!OUTPUTS.includes(output)) throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')}, found "${values.output}"`);
  const base = values.base ?? pullRequestBase(env) ?? 'HEAD';
  const runUrl =
    values['run-url'] ??
    (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined);

  const loaded = await loadFleet(root);
  if (!loaded.ok) {
    reportProblems(loaded.problems, 'text');
    return EXIT.badInput;
  }
  const priceTable = await readPriceTable(root);
  if (!priceTable.ok) {
    reportProblems(priceTable.problems, 'text');
    return EXIT.badInput;
  }
  const prices = priceTable.prices;
  const environments: EnvironmentReport[] = [];
  for (const [name, located] of loaded.fleet.environments) {
    const before = await revisionFiles(root, base, name);
    const after = await workingTreeFiles(root, name);
    const serversBefore = modelServers(before);
    const serversAfter = modelServers(after);
    environments.push({
      env: name,
      region: located.spec.aws.region,
      diff: summarizeDiff(before, after),
      before: serversBefore,
      after: serversAfter,
      capacityBefore: capacity(serversBefore.values(), prices),
      capacityAfter: capacity(serversAfter.values(), prices),
    });
  }
  const gates = values.gates ? await readGateFiles(path.resolve(values.gates)) : [];
  const report = prReport({ environments, gates, prices, base, ...(runUrl ? { runUrl } : {}) });

  if (output === 'stdout') {
    process.stdout.write(report);
    return EXIT.ok;
  }
  if (output === 'summary') return writeSummary(report);

  const repository = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(values.repo ?? env.GITHUB_REPOSITORY ?? '');
  if (!repository) throw new UsageError('--output comment needs the repository as OWNER/NAME (--repo or GITHUB_REPOSITORY)');
  if (!token) throw new UsageError('--output comment needs GITHUB_TOKEN');
  const number = Number(values.pr ?? (await pullNumberFromEvent(env.GITHUB_EVENT_PATH)));
  if (!Number.isInteger(number) || number <= 0)
    throw new UsageError('--output comment needs the pull request number (--pr, or a pull_request event in GITHUB_EVENT_PATH)');

  const limits = timeLimitsFromEnv(env);
  if (limits.problem) throw new UsageError(limits.problem);
  const say = (stream: NodeJS.WriteStream, line: string) => stream.write(`${redact(line, token)}\n`);
  const github = gitHubClient({
    token,
    baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    log: (line) => say(process.stderr, line),
    ...limits,
  });
  const target = { owner: repository[1]!, repo: repository[2]! };
  try {
    const { value, action } = await upsertComment(github, target, number, REPORT_MARKER, report);
    const verb = {
      unchanged: 'report unchanged',
      updated: 'updated the report',
      created: 'posted the report',
      adopted: 'posted the report',
    }[action];
    say(process.stdout, `${verb}: ${value.url}`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof GitHubCallError)) throw error;
    // A fork's token is read-only: the report still reaches the reader, in the job summary.
    if ((error.kind === 'forbidden' || error.kind === 'not-found') && env.GITHUB_STEP_SUMMARY) {
      say(
        process.stderr,
        `cannot comment on pull request #${number} (HTTP ${error.status}, the token is read-only for forks); writing the job summary instead`,
      );
      return writeSummary(report);
    }
    say(process.stderr, `error: the report comment was not written: ${error.message}`);
    return error.isConfiguration ? EXIT.badInput : EXIT.gateFailed;
  }
}

async function writeSummary(report: string): Promise<number> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) throw new UsageError('--output summary needs GITHUB_STEP_SUMMARY (set by GitHub Actions)');
  await appendFile(file, report);
  process.stdout.write('wrote the report to the job summary\n');
  return EXIT.ok;
}

async function pullNumberFromEvent(file: string | undefined): Promise<number | undefined> {
  if (!file) return undefined;
  const event = JSON.parse(await readFile(file, 'utf8')) as { pull_request?: { number?: number } };
  return event.pull_request?.number;
}

await runCli(USAGE, main);
