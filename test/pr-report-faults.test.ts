import { afterAll, beforeAll, describe, expect, test, type TestContext } from 'vitest';
import { REPORT_MARKER } from '../scripts/lib/report/pr-report.js';
import { FakeGitHub } from './helpers/fake-github.js';
import { makeReportRepo, runScript, type CliResult, type FixtureRepo } from './helpers/fixture-repo.js';

/*
 * The fault matrix of `npm run pr-report -- --output comment`: whatever GitHub does, a PR ends
 * with exactly one report comment holding the current report, or the run exits 1 saying what it
 * saw, and a rerun converges. The token never reaches output.
 */

const TOKEN = 'ghs_report_token_never_printed';
const COMMENTS = /\/issues\/5\/comments$/;
let repo: FixtureRepo;

beforeAll(async () => {
  repo = await makeReportRepo();
});
afterAll(() => repo.dispose());

async function stand(onTestFinished: TestContext['onTestFinished']): Promise<FakeGitHub> {
  const github = await new FakeGitHub('acme', 'llm-fleet', TOKEN).start();
  onTestFinished(() => github.stop());
  return github;
}

function report(github: FakeGitHub, env: Record<string, string> = {}, token = TOKEN): Promise<CliResult> {
  return runScript('pr-report', ['--base', 'HEAD', '--pr', '5', '--output', 'comment', '--root', repo.root], repo.root, {
    GITHUB_TOKEN: token,
    GITHUB_API_URL: github.url,
    GITHUB_REPOSITORY: 'acme/llm-fleet',
    GITHUB_STEP_SUMMARY: '',
    ...env,
  });
}

const ours = (github: FakeGitHub) => github.comments.filter((c) => c.issue_number === 5 && c.user.type === 'Bot');
const posts = (github: FakeGitHub) => github.requests.filter((r) => r.method === 'POST' && COMMENTS.test(r.path)).length;

function expectOneReport(github: FakeGitHub, result: CliResult): void {
  expect(result.code, result.stderr).toBe(0);
  expect(ours(github)).toHaveLength(1);
  expect(ours(github)[0]!.body).toContain(REPORT_MARKER);
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
}

describe.concurrent('npm run pr-report under GitHub faults', { timeout: 120_000 }, () => {
  test('a comment posted on the server whose answer is a 502 is adopted, not posted twice', async ({ onTestFinished }) => {
    const github = await stand(onTestFinished);
    github.fault({ method: 'POST', path: COMMENTS, status: 502, body: { message: 'Bad Gateway' }, afterSuccess: true });
    const result = await report(github);
    expectOneReport(github, result);
    expect(result.stderr).toContain('the comment was posted, adopting it');
    expect(posts(github)).toBe(1);
  });

  test('a comment post whose answer never comes (timeout) is looked up, not posted twice', async ({ onTestFinished }) => {
    const github = await stand(onTestFinished);
    github.fault({ method: 'POST', path: COMMENTS, delayMs: 2500, afterSuccess: true });
    const result = await report(github, { GITHUB_API_TIMEOUT: '1' });
    expectOneReport(github, result);
    expect(posts(github)).toBe(1);
  });

  test('a post that failed on the server is sent again once nothing is found', async ({ onTestFinished }) => {
    const github = await stand(onTestFinished);
    github.fault({ method: 'POST', path: COMMENTS, status: 500, body: { message: 'Server Error' } });
    const result = await report(github);
    expectOneReport(github, result);
    expect(result.stderr).toContain('no report comment exists, posting it again');
    expect(posts(github)).toBe(2);
  });

  test('our comment deleted between the lookup and the update (404) is posted again', async ({ onTestFinished }) => {
    const github = await stand(onTestFinished);
    github.comments.push({
      id: 7,
      issue_number: 5,
      body: `${REPORT_MARKER}\nold report`,
      user: { login: 'github-actions[bot]', type: 'Bot' },
      html_url: '',
    });
    github.beforeRequest('PATCH', /\/issues\/comments\/7$/, () => void github.comments.splice(0));
    const result = await report(github);
    expectOneReport(github, result);
    expect(result.stderr).toContain('the report comment was deleted, posting it again');
    expect(ours(github)[0]!.body).not.toContain('old report');
  });

  test('GitHub failing every attempt stops at the deadline, exit 1, then a rerun converges', async ({ onTestFinished }) => {
    const github = await stand(onTestFinished);
    github.fault({ method: 'GET', path: COMMENTS, status: 503, body: { message: 'Service Unavailable' }, times: 50 });
    const failed = await report(github, { GITHUB_API_DEADLINE: '3' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /error: the report comment was not written: GitHub API GET \/repos\/acme\/llm-fleet\/issues\/5\/comments failed: .*ran out \(after 2 attempts: 503 at/,
    );
    expect(ours(github)).toEqual([]);
    expect(failed.stdout + failed.stderr).not.toContain(TOKEN);

    github.clearFaults();
    expectOneReport(github, await report(github));
  });

  test('every post failing gives up after three, and the rerun posts exactly one', async ({ onTestFinished }) => {
    const github = await stand(onTestFinished);
    github.fault({ method: 'POST', path: COMMENTS, status: 502, body: { message: 'Bad Gateway' }, times: 3 });
    const failed = await report(github);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('POST /repos/acme/llm-fleet/issues/5/comments failed: 502 Bad Gateway');
    expect(posts(github)).toBe(3);
    expectOneReport(github, await report(github));
  });

  test('a token GitHub rejects is bad input (exit 2), reported without the token', async ({ onTestFinished }) => {
    const github = await stand(onTestFinished);
    const result = await report(github, {}, 'ghs_wrong_token_value');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('401 Bad credentials: GITHUB_TOKEN is not valid for this API');
    expect(result.stdout + result.stderr).not.toContain('ghs_wrong_token_value');
  });
});
