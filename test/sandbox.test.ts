import { describe, expect, test } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { makeFixtureRepo, runScript } from './helpers/fixture-repo.js';

/*
 * npm run sandbox on a copy of the sample fleet: the real promote and pr-report against a bare
 * origin and the GitHub stand-in, all on this machine. The sample fleet runs dev ahead of staging
 * on the 8B model and staging ahead of prod on both models.
 */

const SMALL = 'llama-3-1-8b-instruct';
const LARGE = 'llama-3-3-70b-instruct';
const DEV = 'clusters/dev/cluster.yaml';
const STAGING = 'clusters/staging/cluster.yaml';
const PROD = 'clusters/prod/cluster.yaml';
/** A working directory that is not a fleet, so a test that gives --root proves it is used. */
const NOT_A_FLEET = tmpdir();

/** Replaces the version line of `model` in a cluster.yaml. */
const bump = (model: string, from: string, to: string) => [`  ${model}:\n    version: ${from}`, `  ${model}:\n    version: ${to}`] as const;

describe.concurrent('npm run sandbox', { timeout: 240_000 }, () => {
  test('promotes every target against the stand-in, reports on each PR, and prints PRs and comments', async ({ onTestFinished }) => {
    const repo = await makeFixtureRepo();
    onTestFinished(() => repo.dispose());
    // A git checkout whose uncommitted bump is part of the snapshot.
    await $({
      cwd: repo.root,
      quiet: true,
    })`git init -q -b main && git add -A && git -c user.name=t -c user.email=t@example.com commit -q -m base`;
    await repo.edit(DEV, ...bump(LARGE, 'v2026.11.1', 'v2026.12.0'));

    const result = await runScript('sandbox', ['--keep'], repo.root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const kept = /^Kept the sandbox in (\S+):$/m.exec(result.stdout)?.[1];
    expect(kept).toBeDefined();
    onTestFinished(() => rm(kept!, { recursive: true, force: true }));
    const out = result.stdout;

    expect(out).toMatch(
      /^Sandbox: the fleet of \S+ at HEAD [0-9a-f]{12}, 1 uncommitted change under clusters\/ and apps\/models\/; monitoring\.queryUrl removed \(no Prometheus here: soak time alone decides\)$/m,
    );
    expect(out).toMatch(/^ {2}GitHub: the stand-in at http:\/\/127\.0\.0\.1:\d+ for sandbox\/fleet/m);
    expect(out).toMatch(/^ {2}now: {4}\S+ \(the commit plus 73h: every soak has passed\)$/m);
    expect(out).toContain('$ npm run promote -- --list-targets\n  ["prod","staging"]\n');

    // Four PRs: both models into prod, and into staging (the 70B by the uncommitted bump).
    const titles = [...out.matchAll(/^Pull request #(\d+): (.*)$/gm)].map((m) => m[2]);
    expect(titles.sort()).toEqual([
      `promote ${SMALL} v2026.10.3 -> v2026.11.1 to prod`,
      `promote ${SMALL} v2026.11.1 -> v2026.11.2 to staging`,
      `promote ${LARGE} v2026.10.1 -> v2026.11.1 to prod`,
      `promote ${LARGE} v2026.11.1 -> v2026.12.0 to staging`,
    ]);
    const section = out.split(/^(?=Pull request #)/m).find((s) => s.includes(`promote ${LARGE} v2026.11.1 -> v2026.12.0 to staging`))!;
    const number = /^Pull request #(\d+)/.exec(section)![1];
    expect(section).toContain(`  promote/staging/${LARGE} -> main, open, labels: promotion, env:staging\n`);
    expect(section).toContain(`  https://github.example/sandbox/fleet/pull/${number}\n`);
    // The body promote wrote, and the one comment pr-report posted on it.
    expect(section).toContain('  body:\n    ## Promote `llama-3-3-70b-instruct` to **staging**\n');
    expect(section).toMatch(/^ {4}\| llama-3-3-70b-instruct \| `v2026\.11\.1` \| `v2026\.12\.0` \| \S+ in dev \| [0-9a-f]{12} \|$/m);
    expect(section).toMatch(/^ {2}comment \d+ by github-actions\[bot\]:\n {4}<!-- eks-llm-gitops:pr-report -->\n {4}## Fleet report\n/m);
    expect(section).toContain('    Compared with `origin/main`, this PR changes the rendered manifests of **staging**.\n');
    expect(section).toContain('    No gate results were recorded for this run.\n');
    expect(section).toContain(`    | ${LARGE} | \`v2026.11.1\` → \`v2026.12.0\` |`);
    expect(out).toContain(`$ npm run pr-report -- --pr ${number}   (in a checkout of promote/staging/${LARGE})\n  posted the report: `);
    expect(out).toContain('4 pull requests, 4 comments.\n');
    expect(out).not.toContain('run the same versions');

    // What --keep kept: the stand-in's state, and origin with the promotion branches.
    const github = JSON.parse(await readFile(path.join(kept!, 'github.json'), 'utf8'));
    expect(github.pulls).toHaveLength(4);
    expect(github.comments.map((c: any) => c.issue_number).sort()).toEqual([1, 2, 3, 4]);
    const branches = (await $({ cwd: path.join(kept!, 'origin.git'), quiet: true })`git branch --list ${'--format=%(refname:short)'}`)
      .stdout;
    expect(
      branches
        .split('\n')
        .filter((b) => b !== '')
        .sort(),
    ).toEqual(['main', `promote/prod/${SMALL}`, `promote/prod/${LARGE}`, `promote/staging/${SMALL}`, `promote/staging/${LARGE}`]);
    // The fleet it copied is untouched: still one commit and the one uncommitted edit.
    expect((await $({ cwd: repo.root, quiet: true })`git status --porcelain`).stdout.trim()).toBe(`M ${DEV}`);
    expect((await $({ cwd: repo.root, quiet: true })`git branch --list`).stdout.trim()).toBe('* main');
  });

  test('says why nothing is promotable, and removes its repositories', async ({ onTestFinished }) => {
    const repo = await makeFixtureRepo();
    const temp = await mkdtemp(path.join(tmpdir(), 'sandbox-tmp-'));
    onTestFinished(async () => {
      await repo.dispose();
      await rm(temp, { recursive: true, force: true });
    });
    // Every environment runs what its source runs.
    await repo.edit(STAGING, ...bump(SMALL, 'v2026.11.1', 'v2026.11.2'));
    await repo.edit(PROD, ...bump(SMALL, 'v2026.10.3', 'v2026.11.2'));
    await repo.edit(PROD, ...bump(LARGE, 'v2026.10.1', 'v2026.11.1'));

    const result = await runScript('sandbox', ['--root', repo.root], NOT_A_FLEET, { TMPDIR: temp });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Sandbox: the fleet of clusters/ and apps/models/ of ${repo.root} as they are on disk (not a git checkout); monitoring.queryUrl removed (no Prometheus here: soak time alone decides)\n`,
    );
    expect(result.stdout).toContain(`  staging: ${SMALL}: already at v2026.11.2; nothing to do\n`);
    expect(result.stdout).toContain('No pull request was opened.\n');
    expect(result.stdout).toContain(
      "staging and prod run the same versions: bump a model's version in clusters/staging/cluster.yaml and rerun\n" +
        "dev and staging run the same versions: bump a model's version in clusters/dev/cluster.yaml and rerun\n",
    );
    expect(result.stdout).toContain('0 pull requests, 0 comments.\nRemoved the sandbox repositories (--keep keeps them).\n');
    expect(await readdir(temp)).toEqual([]);
  });

  test('a --now before the soak ends opens nothing and says how long is left', async ({ onTestFinished }) => {
    const repo = await makeFixtureRepo();
    onTestFinished(() => repo.dispose());
    const now = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const result = await runScript('sandbox', ['--now', now], repo.root);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`  now:    ${now} (--now)\n`);
    expect(result.stdout).toMatch(
      new RegExp(`^ {2}staging: ${SMALL}: v2026\\.11\\.2 has soaked in dev for [12]h \\d\\dm of 24h .* left, no PR yet$`, 'm'),
    );
    expect(result.stdout).toMatch(
      new RegExp(`^ {2}prod: ${LARGE}: v2026\\.11\\.1 has soaked in staging for [12]h \\d\\dm of 72h .* left, no PR yet$`, 'm'),
    );
    expect(result.stdout).toContain('No pull request was opened.\n');
    expect(result.stdout).not.toContain('run the same versions');
  });

  test('usage errors exit 2 with the hint', async () => {
    const bad = await runScript('sandbox', ['--now', 'soon'], NOT_A_FLEET);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: --now must be an ISO-8601 time such as 2026-11-27T12:00:00Z, found "soon"\n(npm run sandbox -- --help lists the options)\n',
    );
    const help = await runScript('sandbox', ['--help'], NOT_A_FLEET);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run sandbox -- \[--root DIR\] \[--now ISO-8601\] \[--keep\]/);
  });
});
