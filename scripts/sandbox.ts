/**
 * npm run sandbox: promotion end to end on one machine. Copies the fleet into a throwaway git
 * repository with a bare repository as origin, starts the GitHub stand-in, runs the real promote
 * for every promotion target and pr-report for each pull request it opened, as the workflows do,
 * and prints the pull requests and comments they produced.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { commandLine } from './lib/cli/command-line.js';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { loadFleet } from './lib/config/load-fleet.js';
import { reportProblems } from './lib/config/report-problems.js';
import { GitHubStandIn } from './lib/github/stand-in.js';
import { Git, GitError } from './lib/promote/git.js';
import { promotionBranch } from './lib/promote/promotion.js';
import { nothingToPromote, promotionTargets } from './lib/sandbox/promotable.js';
import { createSandboxRepositories } from './lib/sandbox/repositories.js';
import { formatPulls, formatStep, type Step } from './lib/sandbox/summary.js';

const OWNER = 'sandbox';
const REPO = 'fleet';
/** The stand-in accepts only this token; it is not a secret and nothing else accepts it. */
const TOKEN = 'sandbox-token';

const USAGE = `Usage: npm run sandbox -- [--root DIR] [--now ISO-8601] [--keep]

Tries promotion end to end on this machine, against no remote at all: copies the fleet at DIR
into a throwaway git repository whose origin is a local bare repository, starts the GitHub
stand-in on 127.0.0.1 (a free port), runs the real npm run promote for every promotion target
(promote --list-targets), then npm run pr-report for each pull request it opened, as the
workflows do, and prints every pull request (number, title, head -> base, labels, body) and
comment they produced.

  --root DIR       the repository whose fleet is copied (default: the current directory): what
                   is on disk under clusters/ and apps/models/, i.e. its committed HEAD plus any
                   uncommitted change there (untracked files too, ignored files not)
  --now ISO-8601   the time promote measures soak against (default: the snapshot's commit time
                   plus the longest promotion.soakHours plus an hour, so every soak has passed)
  --keep           keep the repositories and github.json (the stand-in's pull requests and
                   comments) and print where they are; by default they are removed at the end

The snapshot is one commit on main, so every version in it starts to soak at that commit. The
gates (npm run check) do not run: each report records no gate results.
Exit codes: 0 every step succeeded, 1 a step failed (its output is shown), 2 usage or the fleet
at DIR does not load.
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    root: { type: 'string' },
    now: { type: 'string' },
    keep: { type: 'boolean', default: false },
  });
  const root = path.resolve(values.root ?? process.cwd());
  const given = values.now === undefined ? undefined : new Date(values.now);
  if (given && Number.isNaN(given.getTime()))
    throw new UsageError(`--now must be an ISO-8601 time such as 2026-11-27T12:00:00Z, found "${values.now}"`);
  // Kept at the end with --keep, unless there is nothing worth keeping.
  let keep = values.keep;
  if (!(await isFolder(root))) throw new UsageError(`--root ${root} is not a folder`);

  const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-'));
  const standIn = new GitHubStandIn(OWNER, REPO, TOKEN);
  // Ctrl-C ends the commands too; the throwaway repositories go with them.
  const onSignal = () => {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  let announced = false;
  try {
    // Whole seconds: git keeps no more, and --now is computed from it.
    const committedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const repos = await createSandboxRepositories(root, dir, committedAt);
    const loaded = await loadFleet(repos.work);
    if (!loaded.ok) {
      process.stderr.write(`the fleet of ${root} does not load:\n`);
      reportProblems(loaded.problems, 'text');
      keep = false;
      return EXIT.badInput;
    }
    const targets = promotionTargets(loaded.fleet);
    const longestSoak = Math.max(0, ...targets.map((t) => t.soakHours));
    const now = given ?? new Date(committedAt.getTime() + (longestSoak + 1) * 3_600_000);
    await standIn.start();

    say(
      [
        `Sandbox: the fleet of ${repos.source}`,
        `  origin: a bare repository; main is one commit, ${repos.commit.slice(0, 12)}, at ${committedAt.toISOString()}`,
        `  GitHub: the stand-in at ${standIn.url} for ${OWNER}/${REPO} (nothing leaves this machine)`,
        `  now:    ${now.toISOString()} ${given ? '(--now)' : `(the commit plus ${longestSoak + 1}h: every soak has passed)`}`,
        '',
      ].join('\n'),
    );

    const env = sandboxEnvironment(standIn.url);
    let failed = 0;
    /** Runs one of our commands as npm run would, and prints it as `shown` with its output. */
    const run = async (shown: string, name: string, args: string[], cwd: string, extra: Record<string, string> = {}) => {
      const result = await $({ cwd, env: { ...env, ...extra }, nothrow: true, quiet: true })`${commandLine(name)} ${args}`;
      const done: Step = { command: shown, code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
      if (done.code !== 0) failed += 1;
      say(`${formatStep(done)}\n`);
      return done;
    };

    const listed = await run('npm run promote -- --list-targets', 'promote', ['--list-targets'], repos.work);
    const names = listed.code === 0 ? targetNames(listed.stdout) : [];
    if (names === undefined) {
      failed += 1;
      say(`promote --list-targets printed no JSON array of environments\n`);
    }
    for (const target of names ?? []) {
      const args = ['--to', target, '--now', now.toISOString()];
      await run(`npm run promote -- ${args.join(' ')}`, 'promote', args, repos.work);
    }

    // As the report job: a checkout of the pull request (its branch is main plus one commit, so
    // the same tree as GitHub's merge ref), GITHUB_BASE_REF naming the base, the PR's number.
    const git = new Git(repos.work);
    const pulls = [...standIn.pulls].sort((a, b) => a.number - b.number);
    if (pulls.length > 0) await git.run(['fetch', '--quiet', 'origin']);
    for (const pull of pulls) {
      const checkout = path.join(dir, 'reports', `pr-${pull.number}`);
      await git.run(['worktree', 'add', '--quiet', '--detach', checkout, `origin/${pull.head.ref}`]);
      await run(
        `npm run pr-report -- --pr ${pull.number}   (in a checkout of ${pull.head.ref})`,
        'pr-report',
        ['--pr', String(pull.number), '--root', checkout],
        checkout,
        { GITHUB_BASE_REF: pull.base.ref, PR_FROM_FORK: 'false' },
      );
    }

    say(pulls.length > 0 ? `${formatPulls(pulls, standIn.comments)}\n` : 'No pull request was opened.\n');
    const quiet = targets.filter((t) => !pulls.some((p) => p.head.ref.startsWith(promotionBranch(t.target, ''))));
    const reasons = quiet.map(nothingToPromote).filter((r): r is string => r !== undefined);
    if (targets.length === 0)
      reasons.push('no environment has a promotion source (promotion.from in clusters/<env>/cluster.yaml): nothing is ever promoted');
    if (reasons.length > 0) say(`${reasons.join('\n')}\n`);

    const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
    say(
      `${count(pulls.length, 'pull request')}, ${count(standIn.comments.length, 'comment')}` +
        `${failed > 0 ? `; ${count(failed, 'step')} failed` : ''}.`,
    );
    if (keep) {
      announced = true;
      const file = path.join(dir, 'github.json');
      await writeFile(file, `${JSON.stringify({ pulls: standIn.pulls, comments: standIn.comments }, null, 2)}\n`);
      say(
        [
          `Kept the sandbox in ${dir}:`,
          `  ${repos.work}   the clone (git -C ${repos.work} log --all --oneline)`,
          `  ${repos.origin}   its origin, with the promotion branches`,
          `  ${file}   the stand-in's pull requests and comments`,
        ].join('\n'),
      );
    } else say('Removed the sandbox repositories (--keep keeps them).');
    return failed === 0 ? EXIT.ok : EXIT.gateFailed;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await standIn.stop();
    if (!keep) await rm(dir, { recursive: true, force: true });
    else if (!announced) process.stderr.write(`the sandbox is kept in ${dir}\n`);
  }
}

async function isFolder(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The environments promote --list-targets printed, or undefined when it printed something else. */
function targetNames(stdout: string): string[] | undefined {
  try {
    const names: unknown = JSON.parse(stdout);
    return Array.isArray(names) && names.every((n) => typeof n === 'string') ? names : undefined;
  } catch {
    return undefined;
  }
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/**
 * The commands' environment: the stand-in as GitHub with its token and repository, and nothing
 * of a real workflow run that would send output elsewhere (an event file, a job summary).
 */
function sandboxEnvironment(url: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'GITHUB_EVENT_PATH',
    'GITHUB_STEP_SUMMARY',
    'GITHUB_SERVER_URL',
    'GITHUB_RUN_ID',
    'GITHUB_BASE_REF',
    'PR_FROM_FORK',
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
  ])
    delete env[name];
  return { ...env, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: url, GITHUB_REPOSITORY: `${OWNER}/${REPO}` };
}

await runCli(USAGE, async () => {
  try {
    return await main();
  } catch (error) {
    // The sandbox's own git work (init, push, fetch, worktrees) failing is a remote failure.
    if (!(error instanceof GitError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT.gateFailed;
  }
});
