import { afterEach, describe, expect, test } from 'vitest';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { ConftestOutputError, parseConftestJson, toFindings } from '../scripts/lib/policy/findings.js';
import { checkExceptions } from '../scripts/lib/policy/exceptions.js';
import { FLEET_ROOT, makeFixtureRepo, REPO_ROOT, runScript, type FixtureRepo } from './helpers/fixture-repo.js';
import { makeFakeConftest, type FakeConftest } from './helpers/fake-conftest.js';
import { engineForTests, withoutEngines } from './helpers/engines.js';
import { engineNamed } from '../scripts/lib/tools/engines.js';
import { enginePin } from '../scripts/lib/tools/locate-engine.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/policy');
const conftest = await engineForTests('conftest');
const fixture = (name: string) => readFile(path.join(FIXTURES, name), 'utf8');
const DEPLOYMENT = 'clusters/dev/manifests/apps/llm-llama-3-1-8b-instruct/deployment-llama-3-1-8b-instruct.yaml';

interface JsonPolicyReport {
  ok: boolean;
  environments: string[];
  summary: { rules: number; failures: number; excepted: number; warnings: number; exceptionProblems: number };
  findings: Array<{
    env: string;
    pass: string;
    level: string;
    policy: string;
    kind: string;
    namespace: string;
    name: string;
    container?: string;
    msg: string;
    file: string;
    line?: number;
  }>;
  exceptionProblems: Array<{ file: string; line: number | null; message: string }>;
  matrix: Array<{ policy: string; environments: Record<string, { failures: number; excepted: number }> }>;
}

describe('conftest JSON output', () => {
  test('failures, excepted warnings and plain-string rules become findings that name the object', async () => {
    const results = parseConftestJson(await fixture('objects.json'));
    const findings = toFindings(results, { env: 'dev', pass: 'objects', locate: (file) => ({ file, line: 2 }) });
    expect(findings).toHaveLength(3);
    const failure = findings.find((f) => f.level === 'failure' && f.policy === 'WL-001')!;
    expect(failure).toMatchObject({
      env: 'dev',
      pass: 'objects',
      kind: 'Deployment',
      namespace: 'llm-llama-3-1-8b-instruct',
      name: 'llama-3-1-8b-instruct',
      container: 'vllm',
      severity: 'high',
      file: DEPLOYMENT,
      line: 2,
    });
    expect(findings.find((f) => f.level === 'excepted')).toMatchObject({ policy: 'WL-001', container: 'model-cache-fill' });
    // A rule outside the pack that returns a plain string is still a failure, named by its query.
    expect(findings.find((f) => f.policy === 'data.main.deny')).toMatchObject({
      level: 'failure',
      msg: 'a team rule that returns a plain string',
    });
  });

  test("conftest's own whole-document exceptions are shown as warnings, never dropped", () => {
    const results = parseConftestJson(
      '[{"filename":"a.yaml","namespace":"main","successes":0,"exceptions":[{"msg":"data.main.exception[_][_] == \\"run_as_root\\""}]}]',
    );
    const findings = toFindings(results, { env: 'dev', pass: 'objects', locate: (file) => ({ file }) });
    expect(findings).toEqual([
      expect.objectContaining({
        level: 'warning',
        policy: 'main',
        file: 'a.yaml',
        msg: 'conftest exception suppressed main for the whole document: data.main.exception[_][_] == "run_as_root"',
      }),
    ]);
  });

  test('a missing failures or warnings key means none', () => {
    expect(
      toFindings(parseConftestJson('[{"filename":"a.yaml","namespace":"x","successes":2}]'), {
        env: 'dev',
        pass: 'objects',
        locate: (file) => ({ file }),
      }),
    ).toEqual([]);
  });

  test('anything but a JSON report is an error, never an empty pass', () => {
    expect(() => parseConftestJson('')).toThrow(ConftestOutputError);
    expect(() => parseConftestJson('1 error occurred: policies/x.rego:3: rego_parse_error: unexpected }')).toThrow(
      /did not print a JSON report/,
    );
    expect(() => parseConftestJson('[{"filename": 3}]')).toThrow(/unexpected conftest JSON report/);
  });
});

describe('exceptions file', () => {
  const context = {
    policyIds: new Set(['WL-001', 'SEC-005']),
    environments: new Set(['dev', 'prod']),
    today: new Date('2026-11-27T00:00:00Z'),
  };
  const entry = (overrides: string) => `exceptions:
  - policy: SEC-005
    env: dev
    kind: Deployment
    namespace: llm-experiments
    name: notebook
    container: jupyter
    reason: Jupyter writes kernels under its home; tracked in PLAT-123.
    owner: ml-platform@example.com
    expires: "2027-01-31"
${overrides}`;

  test('the committed file is valid', async () => {
    const text = await readFile(path.join(REPO_ROOT, 'policies/data/exceptions.yaml'), 'utf8');
    const { problems } = checkExceptions(text, 'policies/data/exceptions.yaml', context);
    expect(problems).toEqual([]);
  });

  test('a complete entry loads with its line', () => {
    const { exceptions, problems } = checkExceptions(entry(''), 'exceptions.yaml', context);
    expect(problems).toEqual([]);
    expect(exceptions).toEqual([expect.objectContaining({ policy: 'SEC-005', container: 'jupyter', expires: '2027-01-31', line: 2 })]);
  });

  test('a missing reason and unknown names are located problems', () => {
    const text = `exceptions:
  - policy: SEC-05
    env: qa
    kind: Deployment
    name: notebook
    owner: ml-platform@example.com
    expires: 2027-01-31
`;
    const { problems } = checkExceptions(text, 'exceptions.yaml', context);
    const messages = problems.map((p) => `${p.line}: ${p.message}`);
    expect(messages).toEqual(['2: required field is missing (expected why the exception is needed)']);
    const second = checkExceptions(
      text.replace('owner:', 'reason: the notebook needs a writable home\n    owner:'),
      'exceptions.yaml',
      context,
    );
    expect(second.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '2: unknown policy "SEC-05" (did you mean "SEC-005"?); see policies/README.md',
      '3: unknown environment "qa"; expected one of: dev, prod',
    ]);
  });

  test('impossible dates, far expiries and duplicates are refused', () => {
    expect(checkExceptions(entry('').replace('2027-01-31', '2027-02-30'), 'e.yaml', context).problems[0]?.message).toMatch(
      /real calendar date/,
    );
    expect(checkExceptions(entry('').replace('2027-01-31', '2028-06-01'), 'e.yaml', context).problems[0]?.message).toMatch(
      /more than 366 days ahead/,
    );
    const twice = entry('') + entry('').replace('exceptions:\n', '');
    expect(checkExceptions(twice, 'e.yaml', context).problems.map((p) => p.message)).toEqual(['duplicates the exception at line 2']);
  });

  test('unknown keys are named', () => {
    const { problems } = checkExceptions(entry('').replace('    owner:', '    ticket: PLAT-1\n    owner:'), 'e.yaml', context);
    expect(problems[0]).toMatchObject({ line: 9, message: expect.stringMatching(/^unknown key; expected one of: policy, env, kind/) });
  });
});

describe('npm run policy with a stand-in conftest', () => {
  let repo: FixtureRepo | undefined;
  let fake: (FakeConftest & { env: Record<string, string> }) | undefined;
  afterEach(async () => {
    await repo?.dispose();
    await fake?.dispose();
    repo = undefined;
    fake = undefined;
  });

  async function setUp(answers: Parameters<typeof makeFakeConftest>[0], exceptions?: string, version?: string) {
    repo = await makeFixtureRepo();
    await cp(path.join(REPO_ROOT, 'policies'), path.join(repo.root, 'policies'), { recursive: true });
    if (exceptions !== undefined) await repo.write('policies/data/exceptions.yaml', exceptions);
    await $({
      cwd: repo.root,
      quiet: true,
    })`git init -q -b main && git add -A && git -c user.name=t -c user.email=t@example.com commit -q -m fixture`;
    fake = await makeFakeConftest(answers, version);
    return { repo, fake };
  }

  const exception = (name: string, container: string, expires: string) => `  - policy: WL-001
    env: dev
    kind: Deployment
    namespace: llm-${name}
    name: ${name}
    container: ${container}
    reason: the cache fill's peak memory is being measured first
    owner: ml-platform@example.com
    expires: "${expires}"
`;

  test('runs four passes per environment and merges them into one located report', async () => {
    const { repo, fake } = await setUp(
      {
        objects: { exitCode: 1, stdout: await fixture('objects.json') },
        combined: { exitCode: 1, stdout: await fixture('combined.json') },
        config: { stdout: await fixture('config.json') },
      },
      `exceptions:\n${exception('llama-3-1-8b-instruct', 'model-cache-fill', '2027-06-30')}`,
    );
    const result = await runScript('policy', ['--env', 'dev', '--format', 'json', '--root', repo.root], repo.root, fake.env);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as JsonPolicyReport;
    expect(report.ok).toBe(false);
    expect(report.summary).toMatchObject({ rules: 51, failures: 3, excepted: 1, exceptionProblems: 0 });
    const deployment = report.findings.find((f) => f.policy === 'WL-001' && f.level === 'failure')!;
    expect(deployment).toMatchObject({ file: DEPLOYMENT, line: 2, container: 'vllm' });
    // conftest names combined results "Combined"; the report points at the object's file.
    expect(report.findings.find((f) => f.policy === 'CMB-002')).toMatchObject({
      file: 'clusters/dev/manifests/apps/gateway/namespace-gateway.yaml',
      line: 2,
    });
    expect(report.matrix.find((row) => row.policy === 'WL-001')?.environments.dev).toEqual({ failures: 1, excepted: 1 });

    // The passes run concurrently, so they reach conftest in any order.
    const calls = await fake.calls();
    expect(calls.map((c) => c.pass).sort()).toEqual(['combined', 'config', 'objects']);
    const objects = calls.find((c) => c.pass === 'objects')!;
    expect(objects.args).toEqual(
      expect.arrayContaining([
        'test',
        '--namespace',
        'workload.probes',
        '--policy',
        'policies/workload/probes/probes.rego',
        '--policy',
        'policies/lib/k8s.rego',
        '--data',
        'policies/data',
        '--output',
        'json',
        DEPLOYMENT,
      ]),
    );
    // The pack's unit tests are not loaded: --all-namespaces would evaluate them against every object.
    expect(objects.args.filter((a) => a.endsWith('_test.rego'))).toEqual([]);
    expect(objects.args).not.toContain('policies');
    expect(objects.args.some((a) => a.endsWith('kustomization.yaml'))).toBe(false);
    // Each pass evaluates only the rules written for its input (and packages outside the catalogue).
    const namespaces = (args: readonly string[]) => args.flatMap((a, i) => (args[i - 1] === '--namespace' ? [a] : []));
    const combined = calls.find((c) => c.pass === 'combined')!;
    const config = calls.find((c) => c.pass === 'config')!;
    expect(combined.args).toContain('--combine');
    expect(config.args.at(-1)).toBe('clusters/dev/cluster.yaml');
    for (const call of [objects, combined, config]) expect(call.args).not.toContain('--all-namespaces');
    expect(namespaces(objects.args)).not.toContain('gitops.unique_identity');
    expect(namespaces(objects.args)).not.toContain('gpu.gpu_limits');
    expect(namespaces(combined.args)).toContain('gitops.unique_identity');
    expect(namespaces(combined.args)).not.toContain('workload.probes');
    expect(namespaces(config.args)).toEqual(expect.arrayContaining(['gpu.gpu_limits', 'lib.k8s']));
    expect(namespaces(config.args)).not.toContain('workload.probes');
    expect(objects.llm).toEqual({
      llm: {
        environment: 'dev',
        baseline: {
          dev: { 'llama-3-1-405b-instruct': 'v2026.11.1', 'llama-3-1-8b-instruct': 'v2026.11.2', 'llama-3-3-70b-instruct': 'v2026.11.1' },
        },
        // No staged canary runs in dev on the base revision.
        canary_baseline: { dev: {} },
      },
    });
  });

  test('the promotion pass combines the cluster.yaml with the source render, for the promotion rules only', async () => {
    const { repo, fake } = await setUp({});
    const result = await runScript('policy', ['--env', 'prod', '--root', repo.root], repo.root, fake.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/policy gate passed: 51 rules over prod; 0 failure\(s\)/);
    const promotion = (await fake.calls()).find((c) => c.pass === 'promotion')!;
    expect(promotion.args).toEqual(
      expect.arrayContaining([
        '--combine',
        '--namespace',
        'promotion.versions',
        'clusters/prod/cluster.yaml',
        'clusters/staging/manifests/apps/llm-llama-3-3-70b-instruct/rollout-llama-3-3-70b-instruct.yaml',
      ]),
    );
    expect(promotion.args).not.toContain('--all-namespaces');
    expect(promotion.args.some((a) => a.startsWith('clusters/staging/manifests/platform/'))).toBe(false);
  });

  test('expired exceptions and exceptions that match nothing fail the gate', async () => {
    const { repo, fake } = await setUp(
      { objects: { exitCode: 1, stdout: await fixture('objects.json') } },
      `exceptions:\n${exception('llama-3-1-8b-instruct', 'model-cache-fill', '2026-01-31')}${exception('llama-3-3-70b-instruct', 'vllm', '2027-06-30')}`,
    );
    const result = await runScript('policy', ['--env', 'dev', '--format', 'json', '--root', repo.root], repo.root, fake.env);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonPolicyReport;
    expect(report.exceptionProblems).toEqual([
      {
        file: 'policies/data/exceptions.yaml',
        line: 2,
        message: expect.stringMatching(/expired on 2026-01-31; fix the finding, or renew/),
      },
      {
        file: 'policies/data/exceptions.yaml',
        line: 11,
        message: expect.stringMatching(/llama-3-3-70b-instruct container vllm in dev matches no finding; remove it/),
      },
    ]);
  });

  test('github format annotates failures on their file and line', async () => {
    const { repo, fake } = await setUp({ objects: { exitCode: 1, stdout: await fixture('objects.json') } });
    const result = await runScript('policy', ['--env', 'dev', '--format', 'github', '--root', repo.root], repo.root, fake.env);
    expect(result.stdout).toContain(
      `::error file=${DEPLOYMENT},line=2,title=WL-001 (dev)%3A Containers request and limit CPU and memory::Deployment llm-llama-3-1-8b-instruct/llama-3-1-8b-instruct: container "vllm"`,
    );
    expect(result.stdout).toMatch(/^WL-001\s+high\s+1 fail, 1 exc\s+Containers request/m);
  });

  test('without conftest the gate says it did not run, how to get it, and exits 2', async () => {
    const result = await runScript('policy', ['--env', 'dev'], FLEET_ROOT, await withoutEngines());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `policy gate NOT run: conftest not found: run npm run tools (builds ${await enginePin(engineNamed('conftest'))} into .tools/bin/ with Go)`,
    );
  });

  test('a conftest of another version is used, and the command says it is not the pinned one', async () => {
    const { repo, fake } = await setUp({}, undefined, '0.60.0');
    const result = await runScript('policy', ['--env', 'dev', '--root', repo.root], repo.root, fake.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `^warning: using conftest v0\\.60\\.0 \\(.*, from \\$CONFTEST\\) is NOT the pinned ${(await enginePin(engineNamed('conftest'))).replace(/\./g, '\\.')}; run npm run tools`,
        'm',
      ),
    );
  });

  test('junit output has a suite per environment and a case per rule', async () => {
    const { repo, fake } = await setUp({ objects: { exitCode: 1, stdout: await fixture('objects.json') } });
    const result = await runScript('policy', ['--env', 'dev', '--format', 'junit', '--root', repo.root], repo.root, fake.env);
    expect(result.stdout).toContain('<testsuite name="dev" id="0" tests="52" failures="2">');
    expect(result.stdout).toContain(
      '<failure message="1 finding(s)" type="PolicyFailure">clusters/dev/manifests/apps/llm-llama-3-1-8b-instruct/deployment-llama-3-1-8b-instruct.yaml:2: Deployment',
    );
  });
});

describe('npm run check and its engines', () => {
  test('without engines the check says loudly which gates did not run, and fails only where they are required', async () => {
    const env = { ...(await withoutEngines()), CI: '' };
    const results = path.join(await mkdtemp(path.join(tmpdir(), 'gates-')), 'dev.json');
    const relaxed = await runScript('check', ['--env', 'dev', '--gate-results', results], FLEET_ROOT, env);
    expect(relaxed.code, relaxed.stderr).toBe(0);
    expect(relaxed.stderr).toContain('!! kubeconform gate NOT run: kubeconform not found: run npm run tools');
    expect(relaxed.stderr).toContain('!! policy gate NOT run: conftest not found: run npm run tools');
    expect(relaxed.stderr).toContain('!! sync-test gate NOT run: kube-apiserver not found: run npm run tools');
    expect(relaxed.stderr).toContain('!! netpol gate NOT run: netpol-analyzer not found: run npm run tools');
    expect(relaxed.stderr).toContain('(--require-engines or CI=true makes this fail)');
    // What the PR report shows for this environment.
    expect(JSON.parse(await readFile(results, 'utf8'))).toEqual({
      scope: 'dev',
      results: [
        { name: 'render drift', outcome: 'success' },
        { name: 'schemas', outcome: 'success' },
        { name: 'kubeconform', outcome: 'skipped' },
        { name: 'sync replay', outcome: 'skipped' },
        { name: 'network flows', outcome: 'skipped' },
        { name: 'policy', outcome: 'skipped' },
      ],
    });
    for (const [args, extra] of [
      [['--require-engines'], {}],
      [[], { CI: 'true' }],
    ] as const) {
      const required = await runScript('check', ['--env', 'dev', '--gate-results', results, ...args], FLEET_ROOT, { ...env, ...extra });
      expect(required.code, args.join(' ')).toBe(2);
      expect(required.stderr).toContain('policy gate NOT run: conftest not found');
      expect(JSON.parse(await readFile(results, 'utf8')).results.slice(2)).toEqual([
        { name: 'kubeconform', outcome: 'failure' },
        { name: 'sync replay', outcome: 'failure' },
        { name: 'network flows', outcome: 'failure' },
        { name: 'policy', outcome: 'failure' },
      ]);
    }
  });

  // npm run check with every engine, over a whole fleet: the trial runs it on a fork's grown
  // fleet and asserts each gate's outcome (test/trial.test.ts), one run of the gates, not two.
});

describe.skipIf(!conftest.located)(
  `npm run policy on the real conftest${conftest.skipReason ? ` — skipped: ${conftest.skipReason}` : ''}`,
  () => {
    test("a team's own rule outside the catalogue's topics still runs on every object", async () => {
      const repo = await makeFixtureRepo();
      try {
        await cp(path.join(REPO_ROOT, 'policies'), path.join(repo.root, 'policies'), { recursive: true });
        await repo.write(
          'policies/team/no_service_accounts/no_service_accounts.rego',
          'package team.no_service_accounts\n\ndeny contains msg if {\n\tinput.kind == "ServiceAccount"\n\tmsg := sprintf("team rule: %s", [input.metadata.name])\n}\n',
        );
        await $({
          cwd: repo.root,
          quiet: true,
        })`git init -q -b main && git add -A && git -c user.name=t -c user.email=t@example.com commit -q -m fixture`;
        const result = await runScript('policy', ['--env', 'dev', '--format', 'json', '--root', repo.root], repo.root);
        expect(result.code, result.stderr).toBe(1);
        const report = JSON.parse(result.stdout) as JsonPolicyReport;
        const team = report.findings.filter((f) => f.policy === 'data.team.no_service_accounts.deny');
        expect(team.length).toBeGreaterThan(0);
        expect(team.every((f) => f.level === 'failure' && f.msg.startsWith('team rule: '))).toBe(true);
        // Only that rule fails: the pack itself passes on the sample fleet.
        expect(report.findings.filter((f) => f.level === 'failure' && f.policy !== 'data.team.no_service_accounts.deny')).toEqual([]);
      } finally {
        await repo.dispose();
      }
    }, 120_000);

    test("a policy that does not load is exit 2 with conftest's own message", async () => {
      const repo = await makeFixtureRepo();
      try {
        await cp(path.join(REPO_ROOT, 'policies'), path.join(repo.root, 'policies'), { recursive: true });
        await repo.edit('policies/workload/probes/probes.rego', 'package workload.probes', 'package workload.probes\n\nbroken if {');
        await $({
          cwd: repo.root,
          quiet: true,
        })`git init -q -b main && git add -A && git -c user.name=t -c user.email=t@example.com commit -q -m fixture`;
        const result = await runScript('policy', ['--env', 'dev', '--root', repo.root], repo.root);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(
          /conftest failed on the dev \w+ pass.*: policies\/workload\/probes\/probes\.rego:\d+: rego_parse_error/s,
        );
      } finally {
        await repo.dispose();
      }
    });
  },
);
