import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { $ } from 'zx';
import type { FakeGitHub } from './helpers/fake-github.js';
import { runScript, type CliResult } from './helpers/fixture-repo.js';
import { at, BRANCH, promotionSetup, SMALL, TOKEN, type PromotionRepo } from './helpers/promotion-repo.js';

/*
 * The fault matrix of `npm run promote` (see "Faults" in scripts/README.md): each case scripts
 * what GitHub or git does wrong, then asserts the end state on the GitHub stand-in and in the
 * bare remote, the exit code, and that the token never reaches output.
 */

const NOW = at(100).toISOString();
const TITLE = `promote ${SMALL} v2026.10.3 -> v2026.11.1 to prod`;
const PULLS = /\/repos\/acme\/llm-fleet\/pulls$/;

function expectNoToken(...results: CliResult[]): void {
  for (const result of results) expect(result.stdout + result.stderr).not.toContain(TOKEN);
}

/** The converged state: one open PR for the branch, labelled, whose head holds the promotion. */
async function expectConverged(repo: PromotionRepo, github: FakeGitHub): Promise<void> {
  const open = github.pulls.filter((p) => p.head.ref === BRANCH && p.state === 'open');
  expect(open).toHaveLength(1);
  expect(open[0]!.title).toBe(TITLE);
  expect(open[0]!.labels.map((l) => l.name)).toEqual(['promotion', 'env:prod']);
  await repo.git(['fetch', '--quiet', 'origin']);
  expect(await repo.git(['rev-parse', `origin/${BRANCH}~1`])).toBe(await repo.git(['rev-parse', 'origin/main']));
  expect(await repo.git(['show', `origin/${BRANCH}:clusters/prod/cluster.yaml`])).toContain('version: v2026.11.1');
}

const creates = (github: FakeGitHub) => github.requests.filter((r) => r.method === 'POST' && PULLS.test(r.path)).length;

describe.concurrent('npm run promote under GitHub faults', { timeout: 240_000 }, () => {
  test('a create applied on the server whose answer is a 502 is adopted, not sent again', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    github.fault({ method: 'POST', path: PULLS, status: 502, body: { message: 'Bad Gateway' }, afterSuccess: true });
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('adopted the open PR #1');
    expect(result.stderr).toContain('POST /repos/acme/llm-fleet/pulls failed: 502');
    expect(creates(github)).toBe(1);
    await expectConverged(repo, github);
    expectNoToken(result);
  });

  test('a create whose answer never comes (timeout) is looked up and adopted', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished, { GITHUB_API_TIMEOUT: '1' });
    github.fault({ method: 'POST', path: PULLS, delayMs: 2500, afterSuccess: true });
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('no response within 1.0 s');
    expect(creates(github)).toBe(1);
    await expectConverged(repo, github);
    expectNoToken(result);
  });

  test('a create that failed on the server is sent again once nothing is found', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    github.fault({ method: 'POST', path: PULLS, status: 503, body: { message: 'Service Unavailable' } });
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('no PR for promote/prod/llama-3-1-8b-instruct exists, creating it again');
    expect(creates(github)).toBe(2);
    await expectConverged(repo, github);
  });

  test('a primary rate limit (403, x-ratelimit-remaining: 0) waits until x-ratelimit-reset', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    let limitedAt = 0;
    github.fault({
      method: 'GET',
      path: PULLS,
      status: 403,
      body: { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest' },
      headers: () => {
        limitedAt = Date.now();
        return { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 2) };
      },
    });
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/GitHub rate limit reached for GET \/repos\/\{owner\}\/\{repo\}\/pulls; waiting [2-4] s/);
    const lists = github.requests.filter((r) => r.method === 'GET' && PULLS.test(r.path));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(limitedAt).toBeGreaterThan(0);
    await expectConverged(repo, github);
  });

  test('a rate limit that resets after the deadline gives up with exit 1 and pushes nothing', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished, { GITHUB_API_DEADLINE: '20' });
    github.fault({
      method: 'GET',
      path: PULLS,
      status: 429,
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
      headers: { 'retry-after': '120' },
    });
    const started = Date.now();
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not waiting 120 s: the run has');
    expect(result.stderr).toContain('failed: 429 rate limited');
    expect(Date.now() - started).toBeLessThan(100_000);
    expect(await repo.originGit(['for-each-ref', '--format=%(refname)'])).toBe('refs/heads/main');
    expect(github.pulls).toEqual([]);
    expectNoToken(result);
  });

  test('5xx on every attempt stops at the deadline and says what each attempt saw', async ({ onTestFinished }) => {
    const { github, promote } = await promotionSetup(onTestFinished, { GITHUB_API_DEADLINE: '3' });
    github.fault({ method: 'GET', path: PULLS, status: 502, body: { message: 'Bad Gateway' }, times: 50 });
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /GET \/repos\/acme\/llm-fleet\/pulls failed: .*ran out \(after 2 attempts: 502 at \+0\.0 s, 502 at \+1\.\d s\)/,
    );
    expect(github.requests.filter((r) => r.method === 'GET').length).toBe(2);
    expect(github.pulls).toEqual([]);
  });

  test('a token without permission to open PRs is bad input: exit 2 and what it needs', async ({ onTestFinished }) => {
    const { github, promote } = await promotionSetup(onTestFinished);
    github.fault({ method: 'POST', path: PULLS, status: 403, body: { message: 'Resource not accessible by integration' } });
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('403 Resource not accessible by integration: the token needs contents: write and pull-requests: write');
    expect(creates(github)).toBe(1);
    expectNoToken(result);
  });

  test('a repository GitHub does not know (404 on the PR list) is bad input: exit 2', async ({ onTestFinished }) => {
    const { github, promote } = await promotionSetup(onTestFinished);
    github.fault({ method: 'GET', path: PULLS, status: 404, body: { message: 'Not Found' } });
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GET /repos/acme/llm-fleet/pulls failed: 404 Not Found (is the repository OWNER/NAME right');
    expect(github.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  test('a PR deleted between the lookup and its refresh (404) is opened again', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    github.addPull({ title: 'promote an older version', head: BRANCH, base: 'main', body: 'stale' });
    github.beforeRequest('PATCH', /\/pulls\/1$/, () => void github.pulls.splice(0));
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('PATCH /repos/acme/llm-fleet/pulls/1 failed: 404 Not Found; PR #1 is gone');
    expect(result.stdout).toContain('opened PR #2');
    await expectConverged(repo, github);
  });
});

describe.concurrent('npm run promote under git faults', { timeout: 240_000 }, () => {
  test('a branch someone moved between the read and the push is not overwritten; the rerun converges', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    const main = await repo.git(['rev-parse', 'HEAD']);
    // After the branch was read (before the PR lookup), someone pushes their own commit to it.
    github.beforeRequest('GET', PULLS, () => repo.originGit(['update-ref', `refs/heads/${BRANCH}`, main]).then(() => undefined));
    const moved = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain(`${BRANCH} moved from (no branch) to ${main.slice(0, 12)} while this run worked`);
    expect(await repo.originGit(['rev-parse', `refs/heads/${BRANCH}`])).toBe(main);
    expect(github.pulls).toEqual([]);

    const rerun = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectConverged(repo, github);
    expectNoToken(moved, rerun);
  });

  test('a branch deleted between the read and the push is pushed again and its PR refreshed', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    // An earlier promotion left the branch and its PR behind.
    await repo.originGit(['update-ref', `refs/heads/${BRANCH}`, await repo.git(['rev-parse', 'HEAD'])]);
    github
      .addPull({ title: 'promote an older version', head: BRANCH, base: 'main', body: 'stale' })
      .labels.push({ name: 'promotion' }, { name: 'env:prod' });
    github.beforeRequest('GET', PULLS, () => repo.originGit(['update-ref', '-d', `refs/heads/${BRANCH}`]).then(() => undefined));
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${BRANCH} was deleted while this run worked; pushing it again`);
    expect(result.stdout, result.stderr).toContain('refreshed PR #1');
    await expectConverged(repo, github);
  });

  test('a push whose connection drops is retried', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    const hook = path.join(repo.origin, 'hooks', 'pre-receive');
    await writeFile(
      hook,
      '#!/bin/sh\n# The first push loses its connection mid-way.\nif [ ! -f "$GIT_DIR/dropped" ]; then touch "$GIT_DIR/dropped"; kill -9 $PPID; fi\ncat >/dev/null\n',
    );
    await chmod(hook, 0o755);
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/pushing promote\/prod\/llama-3-1-8b-instruct failed \(.*(hung up|disconnect).*\); retrying in 1 s/);
    await expectConverged(repo, github);
  });

  test("a push a hook declines (branch protection) is not retried: exit 1 with git's message", async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    const hook = path.join(repo.origin, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "promotion branches are protected here" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`pushing ${BRANCH} failed after 1 attempt(s)`);
    expect(result.stderr).toContain('promotion branches are protected here');
    expect(github.pulls).toEqual([]);
    expectNoToken(result);
  });

  test('a remote that cannot be fetched stops before anything is edited: exit 1', async ({ onTestFinished }) => {
    const { repo, github, promote } = await promotionSetup(onTestFinished);
    await repo.git(['remote', 'set-url', 'origin', path.join(path.dirname(repo.origin), 'gone.git')]);
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', NOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot fetch main from origin \(check the remote, then rerun\): git fetch .*gone\.git/m);
    expect(github.requests).toEqual([]);
    expect(await repo.git(['status', '--porcelain'])).toBe('');
    expect(await repo.git(['worktree', 'list', '--porcelain'])).not.toContain('promote-');
  });

  test('two runs at once from two checkouts end with one PR and one branch', async ({ onTestFinished }) => {
    const { repo, github, env } = await promotionSetup(onTestFinished);
    const second = path.join(path.dirname(repo.work), 'second');
    await $({ quiet: true })`git clone --quiet ${repo.origin} ${second}`;
    // Both runs have read the branch (absent) and listed the PRs (none) before either pushes.
    let arrived = 0;
    let release: () => void = () => {};
    const together = new Promise<void>((resolve) => {
      release = resolve;
      setTimeout(resolve, 120_000);
    });
    github.beforeRequest(
      'GET',
      PULLS,
      async () => {
        if (++arrived === 2) release();
        await together;
      },
      2,
    );
    const args = ['--to', 'prod', '--model', SMALL, '--now', NOW];
    const [a, b] = await Promise.all([repo.promote(args, env), runScript('promote', args, second, env)]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(arrived).toBe(2);
    expect(github.pulls).toHaveLength(1);
    const outputs = `${a.stdout}\n${b.stdout}`;
    expect(outputs).toContain('opened PR #1');
    expect(outputs).toContain('adopted the open PR #1');
    // The second push either meets the first one's branch (same tree: kept, and logged) or, when
    // both runs committed within the same second, the very same commit (git: up to date).
    // Either way the branch ends one commit above main, which expectConverged asserts.
    await expectConverged(repo, github);
    expectNoToken(a, b);
  });
});
