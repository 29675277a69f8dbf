import { describe, expect, test } from 'vitest';
import { at, BRANCH, promotionSetup, SMALL, type PromotionRepo } from './helpers/promotion-repo.js';

/*
 * Promotion against real git (a bare repository as origin) and a local server answering the
 * GitHub REST endpoints. The sample fleet starts with staging ahead of prod on both models.
 */

const setup = promotionSetup;

/** Every ref of the clone and of origin, to prove that nothing moved. */
async function allRefs(repo: PromotionRepo): Promise<string> {
  return `${await repo.git(['for-each-ref'])}\n--\n${await repo.originGit(['for-each-ref'])}\n--\n${await repo.git(['worktree', 'list', '--porcelain'])}`;
}

// The tests run concurrently and each runs the CLI several times (render + strict validation with
// a cold schema cache, real git): on a 2-core machine one test can take a minute of wall time.
describe.concurrent('npm run promote', { timeout: 180_000 }, () => {
  test('first promotion opens one PR with the title, labels, body and branch content', async ({ onTestFinished }) => {
    const { repo, github, promote } = await setup(onTestFinished);
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', at(100).toISOString());

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`prod: ${SMALL} v2026.10.3 -> v2026.11.1`);
    expect(github.pulls).toHaveLength(1);
    const pull = github.pulls[0]!;
    expect(pull.title).toBe(`promote ${SMALL} v2026.10.3 -> v2026.11.1 to prod`);
    expect(pull.head.ref).toBe(BRANCH);
    expect(pull.base.ref).toBe('main');
    expect(pull.labels.map((l) => l.name)).toEqual(['promotion', 'env:prod']);
    expect(pull.body).toContain(`| ${SMALL} | \`v2026.10.3\` | \`v2026.11.1\` | 2026-11-01T00:00:00.000Z in staging |`);
    // Prod upgrades by canary: the model server is a Rollout.
    expect(pull.body).toContain('| Rollout | 0 | 1 | 0 |');
    expect(pull.body).toMatch(/passed: schema validation \(strict\): \d+ valid, 0 invalid, 0 errors/);
    expect(pull.body.length).toBeLessThan(65_536);
    expect(github.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/acme/llm-fleet/pulls',
      'POST /repos/acme/llm-fleet/issues/1/labels',
    ]);

    // The branch is main plus one commit that changes the version line and the re-rendered Deployment.
    await repo.git(['fetch', '--quiet', 'origin']);
    expect(await repo.git(['rev-parse', `origin/${BRANCH}~1`])).toBe(await repo.git(['rev-parse', 'origin/main']));
    expect((await repo.git(['diff', '--name-only', 'origin/main', `origin/${BRANCH}`])).split('\n')).toEqual([
      'clusters/prod/cluster.yaml',
      `clusters/prod/manifests/apps/llm-${SMALL}/rollout-${SMALL}.yaml`,
    ]);
    expect(await repo.git(['log', '-1', '--format=%s', `origin/${BRANCH}`])).toBe(pull.title);
    // No local branch was created in the clone.
    expect(await repo.git(['branch', '--list'])).toBe('* main');
  });

  test("a model's first rollout: the PR adds it with the source's settings, or the replica bounds given", async ({ onTestFinished }) => {
    const { repo, github, promote } = await setup(onTestFinished);
    const LARGE = 'llama-3-3-70b-instruct';
    const entry = `  ${LARGE}:\n    version: v2026.10.1\n    replicas:\n      min: 2\n      max: 4\n`;
    await repo.commitEdit('clusters/prod/cluster.yaml', entry, '', at(0), `remove ${LARGE} from prod`);

    // --all does not add models: it says how.
    const all = await promote('--to', 'prod', '--now', at(100).toISOString(), '--dry-run');
    expect(all.stdout).toContain(
      `prod: ${LARGE}: runs in staging only; its first rollout is explicit: npm run promote -- --to prod --model ${LARGE}`,
    );

    const bad = await promote('--to', 'prod', '--model', SMALL, '--min-replicas', '1', '--max-replicas', '2');
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining(`prod runs ${SMALL} already`)]);
    const inverted = await promote('--to', 'prod', '--model', LARGE, '--min-replicas', '3', '--max-replicas', '2');
    expect([inverted.code, inverted.stderr]).toEqual([2, expect.stringContaining('--min-replicas (3) must not exceed --max-replicas (2)')]);

    const result = await promote('--to', 'prod', '--model', LARGE, '--now', at(100).toISOString());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`prod: ${LARGE} not running -> v2026.11.1`);
    const pull = github.pulls[0]!;
    expect(pull.title).toBe(`add ${LARGE} v2026.11.1 to prod (first rollout)`);
    expect(pull.head.ref).toBe(`promote/prod/${LARGE}`);
    expect(pull.body).toContain(`## First rollout of \`${LARGE}\` to **prod**`);
    expect(pull.body).toContain(`does not run in prod yet: this PR adds it`);
    await repo.git(['fetch', '--quiet', 'origin']);
    const added = await repo.git(['show', `origin/promote/prod/${LARGE}:clusters/prod/cluster.yaml`]);
    expect(added).toContain(`  ${LARGE}:\n    version: v2026.11.1\n    replicas:\n      min: 1\n      max: 2\npromotion:`);
    const files = (await repo.git(['diff', '--name-only', 'origin/main', `origin/promote/prod/${LARGE}`])).split('\n');
    expect(files).toContain(`clusters/prod/manifests/apps/llm-${LARGE}/rollout-${LARGE}.yaml`);

    // With bounds: the same PR is refreshed with them.
    const bounded = await promote(
      '--to',
      'prod',
      '--model',
      LARGE,
      '--min-replicas',
      '2',
      '--max-replicas',
      '3',
      '--now',
      at(101).toISOString(),
    );
    expect(bounded.code, bounded.stderr).toBe(0);
    expect(github.pulls).toHaveLength(1);
    await repo.git(['fetch', '--quiet', 'origin']);
    expect(await repo.git(['show', `origin/promote/prod/${LARGE}:clusters/prod/cluster.yaml`])).toContain(
      `  ${LARGE}:\n    version: v2026.11.1\n    replicas:\n      min: 2\n      max: 3\n`,
    );
  });

  test('cluster.yaml keeps its comments and formatting byte for byte except the version', async ({ onTestFinished }) => {
    const { repo, promote } = await setup(onTestFinished);
    expect((await promote('--to', 'prod', '--model', SMALL, '--now', at(100).toISOString())).code).toBe(0);
    await repo.git(['fetch', '--quiet', 'origin']);
    const before = (await repo.git(['show', 'origin/main:clusters/prod/cluster.yaml'])).split('\n');
    const after = (await repo.git(['show', `origin/${BRANCH}:clusters/prod/cluster.yaml`])).split('\n');
    expect(after).toHaveLength(before.length);
    const changed = before.map((line, i) => [line, after[i]]).filter(([a, b]) => a !== b);
    expect(changed).toEqual([['    version: v2026.10.3', '    version: v2026.11.1']]);
    expect(after.filter((l) => l.startsWith('#'))).toEqual(before.filter((l) => l.startsWith('#')));
  });

  test('a second run with no change opens nothing and changes nothing', async ({ onTestFinished }) => {
    const { repo, github, promote } = await setup(onTestFinished);
    expect((await promote('--to', 'prod', '--model', SMALL, '--now', at(100).toISOString())).code).toBe(0);
    const refs = await allRefs(repo);
    const writes = github.writes().length;

    const again = await promote('--to', 'prod', '--model', SMALL, '--now', at(101).toISOString());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('PR #1 is up to date');
    expect(github.writes()).toHaveLength(writes);
    expect(github.pulls).toHaveLength(1);
    expect(await allRefs(repo)).toBe(refs);
  });

  test('a newer soaked staging version refreshes the same PR (branch and body), opening no other', async ({ onTestFinished }) => {
    const { repo, github, promote } = await setup(onTestFinished);
    expect((await promote('--to', 'prod', '--model', SMALL, '--now', at(100).toISOString())).code).toBe(0);
    const newer = await repo.commitEdit(
      'clusters/staging/cluster.yaml',
      'version: v2026.11.1\n    replicas:\n      min: 1\n      max: 4',
      'version: v2026.11.2\n    replicas:\n      min: 1\n      max: 4',
      at(110),
      'staging: llama 8b v2026.11.2',
    );

    const early = await promote('--to', 'prod', '--model', SMALL, '--now', at(120).toISOString());
    expect(early.stdout).toContain('v2026.11.2 has soaked in staging for 10h 00m of 72h');
    expect(github.pulls[0]!.title).toContain('v2026.11.1');

    const result = await promote('--to', 'prod', '--model', SMALL, '--now', at(190).toISOString());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('refreshed PR #1');
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]!.title).toBe(`promote ${SMALL} v2026.10.3 -> v2026.11.2 to prod`);
    expect(github.pulls[0]!.body).toContain(newer.slice(0, 12));
    expect(github.writes().map((r) => r.method)).toEqual(['POST', 'POST', 'PATCH']);
    await repo.git(['fetch', '--quiet', 'origin']);
    expect(await repo.git(['show', `origin/${BRANCH}:clusters/prod/cluster.yaml`])).toContain('version: v2026.11.2');
  });

  test('soak not elapsed: no PR, and the time left is printed', async ({ onTestFinished }) => {
    const { github, promote } = await setup(onTestFinished);
    const result = await promote('--to', 'prod', '--now', at(10).toISOString());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `prod: ${SMALL}: v2026.11.1 has soaked in staging for 10h 00m of 72h (since 2026-11-01T00:00:00.000Z); 62h 00m left, no PR yet`,
    );
    expect(github.requests).toEqual([]);
  });

  test('a target already at the source version is a no-op', async ({ onTestFinished }) => {
    const { github, promote } = await setup(onTestFinished);
    const result = await promote('--to', 'staging', '--model', 'llama-3-3-70b-instruct', '--now', at(100).toISOString());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('staging: llama-3-3-70b-instruct: already at v2026.11.1; nothing to do');
    expect(github.requests).toEqual([]);
  });

  test('--dry-run prints the plan and changes nothing: no refs, no POST or PATCH', async ({ onTestFinished }) => {
    const { repo, github, promote } = await setup(onTestFinished);
    const refs = await allRefs(repo);
    const result = await promote('--to', 'prod', '--all', '--dry-run', '--now', at(100).toISOString());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`would push ${BRANCH} and open a PR titled "promote ${SMALL} v2026.10.3 -> v2026.11.1 to prod"`);
    expect(result.stdout).toContain('would push promote/prod/llama-3-3-70b-instruct');
    expect(github.writes()).toEqual([]);
    expect(await allRefs(repo)).toBe(refs);
    expect(await repo.git(['status', '--porcelain'])).toBe('');
  });

  test('a PR closed without merging is not reopened for the same version', async ({ onTestFinished }) => {
    const { github, promote } = await setup(onTestFinished);
    expect((await promote('--to', 'prod', '--model', SMALL, '--now', at(100).toISOString())).code).toBe(0);
    github.pulls[0]!.state = 'closed';
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', at(101).toISOString());
    expect(result.stdout).toContain('PR #1 proposing this version was closed without merging; not reopening');
    expect(github.pulls).toHaveLength(1);
  });

  test('a branch pushed without its PR (a failed run) is repaired by the next run', async ({ onTestFinished }) => {
    const { repo, github, promote } = await setup(onTestFinished);
    github.failNext('POST', /\/pulls$/, 422, { message: 'Validation Failed' });
    const failed = await promote('--to', 'prod', '--model', SMALL, '--now', at(100).toISOString());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('GitHub API POST /repos/acme/llm-fleet/pulls failed: 422');
    expect(await repo.originGit(['for-each-ref', '--format=%(refname)'])).toContain(`refs/heads/${BRANCH}`);
    expect(github.pulls).toEqual([]);

    const repaired = await promote('--to', 'prod', '--model', SMALL, '--now', at(101).toISOString());
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('opened PR #1');
  });

  test('server errors are retried: 502 then 200', async ({ onTestFinished }) => {
    const { github, promote } = await setup(onTestFinished);
    github.failNext('POST', /\/pulls$/, 502, { message: 'Bad Gateway' });
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', at(100).toISOString());
    expect(result.code).toBe(0);
    expect(github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls'))).toHaveLength(2);
    expect(github.pulls).toHaveLength(1);
  });

  test('a 403 secondary rate limit waits for retry-after and retries', async ({ onTestFinished }) => {
    const { github, promote } = await setup(onTestFinished);
    github.failNext(
      'GET',
      /\/pulls$/,
      403,
      { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
      { 'retry-after': '1' },
    );
    const started = Date.now();
    const result = await promote('--to', 'prod', '--model', SMALL, '--now', at(100).toISOString());
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('GitHub secondary rate limit for GET /repos/{owner}/{repo}/pulls; waiting 1 s');
    expect(github.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(github.pulls).toHaveLength(1);
  });

  test('a rollback promotes a specific earlier version from the source history', async ({ onTestFinished }) => {
    const { repo, github, promote } = await setup(onTestFinished);
    await repo.commitEdit(
      'clusters/staging/cluster.yaml',
      'version: v2026.11.1\n    replicas:\n      min: 1\n      max: 4',
      'version: v2026.11.2\n    replicas:\n      min: 1\n      max: 4',
      at(100),
      'staging: llama 8b v2026.11.2',
    );
    const result = await promote('--to', 'prod', '--model', SMALL, '--version', 'v2026.11.1', '--now', at(101).toISOString());
    expect(result.code).toBe(0);
    expect(github.pulls[0]!.title).toBe(`promote ${SMALL} v2026.10.3 -> v2026.11.1 to prod`);
    expect(github.pulls[0]!.body).toContain('## Roll back');

    const never = await promote('--to', 'prod', '--model', SMALL, '--version', 'v1999.1.1', '--now', at(101).toISOString());
    expect(never.code).toBe(2);
    expect(never.stderr).toContain('version v1999.1.1 never ran in staging on main');
  });
});

describe.concurrent('npm run promote refuses bad input with exit 2 and a clear message', () => {
  test('missing token (and the token never appears in output)', async ({ onTestFinished }) => {
    const { repo, github } = await setup(onTestFinished);
    const result = await repo.promote(['--to', 'prod'], {
      GITHUB_TOKEN: '',
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: 'acme/llm-fleet',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GITHUB_TOKEN is not set');
  });

  test('unknown environment, unknown model, no promotion source, dirty tree', async ({ onTestFinished }) => {
    const { repo, promote } = await setup(onTestFinished);
    const unknownEnv = await promote('--to', 'qa');
    expect([unknownEnv.code, unknownEnv.stderr]).toEqual([2, 'error: unknown environment "qa"; expected one of: dev, prod, staging\n']);
    const unknownModel = await promote('--to', 'prod', '--model', 'gpt-9');
    expect(unknownModel.code).toBe(2);
    expect(unknownModel.stderr).toContain('unknown model "gpt-9": neither prod nor its promotion source staging runs it');
    const noSource = await promote('--to', 'dev');
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain('dev has no promotion source');

    await repo.commitEdit('clusters/dev/cluster.yaml', 'max: 2', 'max: 2', at(1), 'noop').catch(() => undefined);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${repo.work}/clusters/dev/cluster.yaml`, `${await repo.read('clusters/dev/cluster.yaml')}# local edit\n`);
    const dirty = await promote('--to', 'prod');
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toContain('the working tree has uncommitted changes');
  });

  test('GitHub rejecting the token is reported without the token', async ({ onTestFinished }) => {
    const { repo, github } = await setup(onTestFinished);
    const result = await repo.promote(['--to', 'prod', '--model', SMALL, '--now', at(100).toISOString()], {
      GITHUB_TOKEN: 'wrong-token-value',
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: 'acme/llm-fleet',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('failed: 401');
    expect(result.stdout + result.stderr).not.toContain('wrong-token-value');
  });
});
