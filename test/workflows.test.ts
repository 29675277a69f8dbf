import { describe, expect, test } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { ENGINES } from '../scripts/lib/tools/engines.js';
import { engineModuleDir } from '../scripts/lib/tools/locate-engine.js';
import { readGoMod } from '../scripts/lib/tools/go-module.js';
import { lintWorkflow } from './helpers/actionlint.js';
import { engineForTests } from './helpers/engines.js';
import { REPO_ROOT } from './helpers/fixture-repo.js';
import {
  credentialProblems,
  injectionProblems,
  permissionProblems,
  pinningProblems,
  triggerAndTimeoutProblems,
} from './helpers/workflow-rules.js';

/*
 * The workflows are what every pull request meets first: they must lint cleanly and follow the
 * rules that keep a CI token and its runner safe. actionlint is the pinned binary npm run tools
 * builds.
 */

const actionlint = await engineForTests('actionlint');
const runLint = (text: string, file: string) => lintWorkflow(actionlint.located!.binary, text, file);

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

  test.skipIf(!actionlint.located).each(workflows.map((w) => [w.file, w] as const))(
    `%s passes actionlint${actionlint.skipReason ? ` — skipped: ${actionlint.skipReason}` : ''}`,
    async (_file, workflow) => {
      expect(await runLint(workflow.text, workflow.file)).toEqual([]);
    },
  );

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
    for (const flag of ['--require-engines', '--format github', '--gate-results']) expect(check).toContain(flag);
    expect(runs).toEqual(
      expect.arrayContaining(['npm run tools', 'npm run policy:test', 'npm run typecheck', 'npm test', '.tools/bin/actionlint -color']),
    );
    expect(doc.jobs.gates.strategy.matrix.env).toBe('${{ fromJSON(needs.environments.outputs.names) }}');
    expect(doc.jobs.gates.strategy['fail-fast']).toBe(false);
    // The report runs after the gates whatever their outcome, and never fails them.
    expect(doc.jobs.report.needs).toEqual(['gates', 'tests']);
    expect(doc.jobs.report.if).toBe('${{ !cancelled() }}');
    expect(runs.some((r) => r.startsWith('npm run pr-report'))).toBe(true);
    expect(doc.concurrency['cancel-in-progress']).toBe(true);
  });

  test('the engines are built from the pinned tools modules in every job that runs them, never downloaded', async () => {
    const goLines = await Promise.all(ENGINES.map(async (e) => (await readGoMod(engineModuleDir(e))).goVersion));
    for (const { file, doc, text } of workflows) {
      // No release binary is fetched: curl, wget or a release URL would bypass the pinned modules.
      expect(text, file).not.toMatch(/\b(curl|wget)\b|releases\/download/);
      for (const [name, job] of jobsOf(doc)) {
        const steps = stepsOf(job);
        const runs = steps.map((s) => String(s.run ?? ''));
        const needsEngines = runs.some((r) => /^npm (run (check|policy|policy:test)\b|test\b)/.test(r));
        if (!needsEngines) continue;
        const where = `${file} job ${name}`;
        const setupGo = steps.findIndex((s) => String(s.uses ?? '').startsWith('actions/setup-go@'));
        const tools = runs.indexOf('npm run tools');
        const first = runs.findIndex((r) => /^npm (run (check|policy|policy:test)\b|test\b)/.test(r));
        expect(setupGo, `${where}: sets up Go`).toBeGreaterThanOrEqual(0);
        expect(tools, `${where}: runs npm run tools`).toBeGreaterThan(setupGo);
        expect(tools, `${where}: before the gates`).toBeLessThan(first);
        const goVersionFile = steps[setupGo]!.with?.['go-version-file'] as string;
        expect(goVersionFile, where).toMatch(/^tools\/[a-z]+\/go\.mod$/);
        // The file it reads asks for the newest Go any tools module needs.
        expect((await readGoMod(path.join(REPO_ROOT, path.dirname(goVersionFile)))).goVersion).toBe(
          [...goLines].sort((x, y) => x.localeCompare(y, 'en', { numeric: true })).at(-1),
        );
        expect(steps[setupGo]!.with?.['cache-dependency-path'], where).toBe('tools/*/go.sum');
      }
    }
  });

  test('promotion runs hourly and on demand, one environment at a time', () => {
    const { doc } = byName('promote.yaml');
    expect(doc.on.schedule).toEqual([{ cron: '23 * * * *' }]);
    expect(Object.keys(doc.on.workflow_dispatch.inputs)).toEqual(['target', 'model', 'version', 'rollback']);
    const job = doc.jobs.promote;
    expect(job.concurrency).toEqual({ group: 'promote-${{ matrix.target }}', 'cancel-in-progress': false });
    expect(job.strategy.matrix.target).toBe('${{ fromJSON(needs.targets.outputs.names) }}');
    const run = stepsOf(job)
      .map((s) => String(s.run ?? ''))
      .find((r) => r.includes('npm run promote'))!;
    expect(run).toContain('--to "$TARGET"');
    // A rollback names its environment and model: never every promotion target at once.
    expect(run).toMatch(
      /if \[ "\$ROLLBACK" = "true" \]; then\n\s+.*\n\s+if \[ -z "\$REQUESTED_TARGET" \] \|\| \[ -z "\$MODEL" \]; then\n\s+echo "::error::.*"\n\s+exit 2/,
    );
    // The SLO evidence's token comes from a secret, into the environment, never the command line.
    const promoteStep = stepsOf(job).find((s) => String(s.run ?? '').includes('npm run promote'))!;
    expect(promoteStep.env.PROMETHEUS_TOKEN).toBe('${{ secrets.PROMETHEUS_TOKEN }}');
    const targets = stepsOf(doc.jobs.targets)
      .map((s) => String(s.run ?? ''))
      .join('\n');
    expect(targets).toContain('npm run --silent promote -- --list-targets');
  });

  test('CODEOWNERS puts platform owners on the platform, the policies and production', async () => {
    const owners = await readFile(path.join(REPO_ROOT, '.github/CODEOWNERS'), 'utf8');
    for (const dir of ['/platform/', '/policies/', '/clusters/prod/', '/.github/'])
      expect(owners).toMatch(new RegExp(`^${dir.replace(/\//g, '\\/')}\\s+.*@acme/platform-owners`, 'm'));
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
    expect(permissionProblems(workflow, {})).toEqual([
      'bad.yaml: top-level permissions must be { contents: read }',
      'bad.yaml: job build may not write',
    ]);
    expect(pinningProblems(workflow)).toEqual([
      'bad.yaml: actions/checkout@v4 is not pinned to a full commit SHA',
      'bad.yaml: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 has no "# vX.Y.Z" comment',
    ]);
    expect(injectionProblems(workflow)).toEqual([
      'bad.yaml: job build step "echo "${{ github.event.pull_request.title }}"" interpolates an expression into run:; pass it through env:',
    ]);
    expect(triggerAndTimeoutProblems(workflow)).toEqual([
      'bad.yaml: pull_request_target runs fork code with a write token; use pull_request',
      'bad.yaml: job build needs timeout-minutes between 1 and 60',
    ]);
    expect(credentialProblems(workflow, [])).toEqual(['bad.yaml: job build checks out with persist-credentials left on']);
  });

  test.skipIf(!actionlint.located)('actionlint reports a broken expression and an unknown job property', async () => {
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    timout-minutes: 5\n    steps:\n      - run: echo "${{ github.event.pull_request.title "\n';
    const findings = await runLint(broken, '.github/workflows/broken.yaml');
    expect(findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['syntax-check', 'expression']));
  });
});
