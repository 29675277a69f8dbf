import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DiffSummary } from '../scripts/lib/promote/diff-summary.js';
import type { ModelServerFacts } from '../scripts/lib/report/model-servers.js';
import { prReport, REPORT_MARKER, type EnvironmentReport } from '../scripts/lib/report/pr-report.js';
import { capacity, instanceFor, loadPriceTable, PRICES_FILE, type PriceTable } from '../scripts/lib/report/pricing.js';
import { GITHUB_BODY_LIMIT } from '../scripts/lib/text/markdown.js';
import { FakeGitHub } from './helpers/fake-github.js';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import { modelServers } from '../scripts/lib/report/model-servers.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { FLEET_ROOT, makeReportRepo, REPO_ROOT, runScript, type FixtureRepo } from './helpers/fixture-repo.js';

const prices = await loadPriceTable(REPO_ROOT);

const server = (overrides: Partial<ModelServerFacts> = {}): ModelServerFacts => ({
  model: 'llama-3-3-70b-instruct',
  version: 'v2026.11.1',
  image: 'docker.io/vllm/vllm-openai@sha256:aaaa',
  minReplicas: 1,
  maxReplicas: 2,
  gpusPerReplica: 8,
  nodesPerReplica: 1,
  families: ['g6e', 'p4d', 'p5'],
  timeToReady: { scaleUpSeconds: 875, firstReplicaSeconds: 1165, loadFrom: 'efs' },
  ...overrides,
});

function environment(before: ModelServerFacts[], after: ModelServerFacts[], diff: Partial<DiffSummary> = {}): EnvironmentReport {
  return {
    env: 'staging',
    region: 'us-west-2',
    diff: { byKind: [{ kind: 'Deployment', added: 0, changed: 1, removed: 0 }], images: [], modelVersions: [], ...diff },
    before: new Map(before.map((s) => [s.model, s])),
    after: new Map(after.map((s) => [s.model, s])),
    capacityBefore: capacity(before, prices),
    capacityAfter: capacity(after, prices),
  };
}

const gates = [
  {
    scope: 'staging',
    results: [
      { name: 'render drift', outcome: 'success' as const },
      { name: 'policy', outcome: 'failure' as const },
    ],
  },
  { scope: 'repository', results: [{ name: 'tests', outcome: 'success' as const }] },
];

describe('the price table and the estimate', () => {
  test('is dated, for one region, and prices every GPU family the catalogue allows for the sample fleet', () => {
    expect(prices.region).toBe('us-west-2');
    expect(prices.capturedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const family of ['g6', 'g6e', 'p4d', 'p5'])
      expect(
        Object.keys(prices.instances).some((t) => t.startsWith(`${family}.`)),
        family,
      ).toBe(true);
  });

  test('a replica gets the cheapest allowed instance that holds its GPUs', () => {
    const table: PriceTable = {
      ...prices,
      instances: {
        'g6e.xlarge': { gpus: 1, usdPerHour: 2 },
        'g6e.48xlarge': { gpus: 8, usdPerHour: 30 },
        'p4d.24xlarge': { gpus: 8, usdPerHour: 22 },
        'p5.48xlarge': { gpus: 8, usdPerHour: 55 },
      },
    };
    expect(instanceFor(server(), table)).toEqual({ type: 'p4d.24xlarge', usdPerHour: 22 });
    expect(instanceFor(server({ families: ['g6e', 'p5'] }), table)).toEqual({ type: 'g6e.48xlarge', usdPerHour: 30 });
    expect(instanceFor(server({ gpusPerReplica: 1, families: ['g6e'] }), table)).toEqual({ type: 'g6e.xlarge', usdPerHour: 2 });
    expect(capacity([server({ minReplicas: 2, maxReplicas: 4 }), server({ model: 'x', families: ['p6-b200'] })], table)).toEqual({
      gpusAtMin: 24,
      gpusAtMax: 48,
      usdPerHourAtMin: 44,
      usdPerHourAtMax: 88,
      unpriced: ['x'],
    });
  });
});

describe('the model servers of a render', () => {
  test('a multi-node replica counts the GPUs of all its nodes and costs a node each; the time-to-ready estimate comes along', async () => {
    const loaded = await loadFleet(FLEET_ROOT);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const servers = modelServers(renderEnvironment(loaded.fleet, 'prod').files);
    const huge = servers.get('llama-3-1-405b-instruct')!;
    expect(huge).toMatchObject({ gpusPerReplica: 16, nodesPerReplica: 2, minReplicas: 2, maxReplicas: 3, families: ['p5'] });
    expect(huge.timeToReady).toEqual({ scaleUpSeconds: 1007, firstReplicaSeconds: 1067, loadFrom: 's3' });
    expect(instanceFor(huge, prices)).toEqual({ type: 'p5.48xlarge', usdPerHour: 55.04 });
    expect(capacity([huge], prices)).toMatchObject({ gpusAtMin: 32, usdPerHourAtMin: 2 * 2 * 55.04 });
    expect(servers.get('llama-3-3-70b-instruct')).toMatchObject({ gpusPerReplica: 8, nodesPerReplica: 1 });
  });
});

describe('the report', () => {
  test('shows gates, objects, the model-server changes and the capacity delta', () => {
    const report = prReport({
      environments: [
        environment([server()], [server({ version: 'v2026.11.2', maxReplicas: 4 })]),
        { ...environment([], []), env: 'dev', diff: { byKind: [], images: [], modelVersions: [] } },
      ],
      gates,
      prices,
      base: 'origin/main',
      runUrl: 'https://github.example/acme/llm-fleet/actions/runs/42',
    });
    expect(report).toMatchSnapshot();
    expect(report.startsWith(REPORT_MARKER)).toBe(true);
    expect(report).toContain('this PR changes the rendered manifests of **staging**.');
    expect(report).not.toContain('### dev');
    expect(report).toContain('| staging | pass | **FAIL** |');
    expect(report).toContain('| repository | — | — | pass |');
    expect(report).toContain('[Workflow run](https://github.example/acme/llm-fleet/actions/runs/42)');
    expect(report).toContain(
      '| llama-3-3-70b-instruct | `v2026.11.1` → `v2026.11.2` | `docker.io/vllm/vllm-openai@sha256:aaaa` | `1-2` → `1-4` | `8` | `14m 35s (efs)` |',
    );
    // One p4d.24xlarge (8 x A100, the cheapest allowed 8-GPU type) per replica.
    expect(report).toContain('| GPUs | 8 | 16 → 32 (+16) |');
    expect(report).toContain('| $/hour | $21.96 | $43.92 → $87.83 (+$43.92) |');
    expect(report).toContain(`captured ${prices.capturedOn}`);
  });

  test("a huge diff is cut by whole rows and stays under GitHub's limit", () => {
    const byKind = Array.from({ length: 3000 }, (_, i) => ({
      kind: `Kind${String(i).padStart(4, '0')}WithAVeryLongNameToTakeSpace`,
      added: i,
      changed: 1,
      removed: 0,
    }));
    const servers = Array.from({ length: 400 }, (_, i) => server({ model: `model-${String(i).padStart(3, '0')}-with-a-long-name` }));
    const moved = servers.map((s) => ({ ...s, version: 'v2026.12.1', image: `${s.image}-but-newer-and-with-a-longer-reference` }));
    const report = prReport({ environments: [environment(servers, moved, { byKind })], gates, prices, base: 'origin/main' });
    expect(report.length).toBeLessThan(GITHUB_BODY_LIMIT);
    expect(report).toMatch(/\.\.\. and \d+ more rows, left out to keep this under GitHub's 65,536-character limit\./);
    for (const line of report.split('\n').filter((l) => l.startsWith('|'))) expect(line.endsWith('|'), line).toBe(true);
    expect(report).toContain('| GPUs |');
  });
});

describe('npm run pr-report on a pull request', () => {
  const TOKEN = 'test-token';
  let repo: FixtureRepo;
  let github: FakeGitHub;
  let gatesDir: string;
  beforeAll(async () => {
    repo = await makeReportRepo();
    // The PR: staging moves the 70B model to a new version and allows twice the replicas.
    await repo.edit(
      'clusters/staging/cluster.yaml',
      'version: v2026.11.1\n    replicas:\n      min: 1\n      max: 2',
      'version: v2026.11.2\n    replicas:\n      min: 1\n      max: 4',
    );
    const rendered = await runScript('render', ['--env', 'staging'], repo.root);
    expect(rendered.code, rendered.stderr).toBe(0);
    gatesDir = path.join(repo.root, '.gates');
    await mkdir(path.join(gatesDir, 'gates-staging'), { recursive: true });
    await writeFile(
      path.join(gatesDir, 'gates-staging', 'staging.json'),
      JSON.stringify({
        scope: 'staging',
        results: [
          { name: 'render drift', outcome: 'success' },
          { name: 'policy', outcome: 'success' },
        ],
      }),
    );
    github = await new FakeGitHub('acme', 'llm-fleet', TOKEN).start();
  });
  afterAll(async () => {
    await github.stop();
    await repo.dispose();
  });

  const env = () => ({
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: github.url,
    GITHUB_REPOSITORY: 'acme/llm-fleet',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '7',
  });

  test('posts one comment, then updates it in place on the next push', async () => {
    // Someone else's comments (and a person quoting our marker) come first, over two pages.
    for (let i = 0; i < 120; i++)
      github.comments.push({
        id: i + 1,
        issue_number: 5,
        body: i === 3 ? `quoting ${REPORT_MARKER}` : `comment ${i}`,
        user: { login: 'someone', type: 'User' },
        html_url: '',
      });
    const first = await runScript('pr-report', ['--base', 'HEAD', '--gates', gatesDir, '--pr', '5', '--root', repo.root], repo.root, env());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('posted the report');
    const ours = github.comments.filter((c) => c.user.type === 'Bot');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('| llama-3-3-70b-instruct | `v2026.11.1` → `v2026.11.2`');
    expect(ours[0]!.body).toContain('[Workflow run](https://github.example/acme/llm-fleet/actions/runs/7)');
    expect(ours[0]!.body).toContain('| staging | pass | pass |');

    // The next push: the same comment is edited, no new one appears.
    await repo.edit(
      'clusters/staging/cluster.yaml',
      'version: v2026.11.2\n    replicas:\n      min: 1\n      max: 4',
      'version: v2026.11.2\n    replicas:\n      min: 1\n      max: 3',
    );
    expect((await runScript('render', ['--env', 'staging'], repo.root)).code).toBe(0);
    const second = await runScript('pr-report', ['--base', 'HEAD', '--pr', '5', '--root', repo.root], repo.root, env());
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('updated the report');
    expect(github.comments.filter((c) => c.user.type === 'Bot')).toHaveLength(1);
    expect(github.comments.find((c) => c.user.type === 'Bot')!.body).toContain('`1-2` → `1-3`');
    expect(github.writes().filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(github.writes().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  test('a PR from a fork gets the report in the job summary, not a comment', async () => {
    const summary = path.join(repo.root, '.summary.md');
    const before = github.writes().length;
    const result = await runScript('pr-report', ['--base', 'HEAD', '--pr', '5', '--root', repo.root], repo.root, {
      ...env(),
      PR_FROM_FORK: 'true',
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(summary, 'utf8')).toContain('## Fleet report');
    expect(github.writes().length).toBe(before);
  });

  test('a token that may not comment falls back to the job summary', async () => {
    const summary = path.join(repo.root, '.summary-403.md');
    github.failNext('GET', /\/issues\/9\/comments$/, 403, { message: 'Resource not accessible by integration' });
    const result = await runScript('pr-report', ['--base', 'HEAD', '--pr', '9', '--root', repo.root], repo.root, {
      ...env(),
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('cannot comment on pull request #9 (HTTP 403');
    expect(await readFile(summary, 'utf8')).toContain(REPORT_MARKER);
  });
});

describe('npm run pr-report refuses a bad price table with file, line and field, exit 2', () => {
  test('missing, then a price that is no positive number', async () => {
    const repo = await makeReportRepo();
    try {
      const table = await repo.read(PRICES_FILE);
      await repo.write(PRICES_FILE, table.replace(/usdPerHour: [0-9.]+/, 'usdPerHour: -1'));
      const bad = await runScript('pr-report', ['--base', 'HEAD', '--output', 'stdout', '--root', repo.root], repo.root);
      expect(bad.code).toBe(2);
      const line = await repo.lineOf(PRICES_FILE, 'usdPerHour: -1');
      expect(bad.stderr).toMatch(new RegExp(`^${PRICES_FILE}:${line}: instances\\.[a-z0-9.-]+\\.usdPerHour: .*found number -1`, 'm'));
      expect(bad.stdout).toBe('');

      await rm(path.join(repo.root, PRICES_FILE));
      const missing = await runScript('pr-report', ['--base', 'HEAD', '--output', 'stdout', '--root', repo.root], repo.root);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`${PRICES_FILE}:1: not found in ${repo.root}: the report prices GPU capacity from this dated table`);
      expect(missing.stderr).not.toContain('internal error');
    } finally {
      await repo.dispose();
    }
  });
});
