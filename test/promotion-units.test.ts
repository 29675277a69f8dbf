import { describe, expect, test } from 'vitest';
import { setModelVersion } from '../scripts/lib/promote/edit-version.js';
import { summarizeDiff } from '../scripts/lib/promote/diff-summary.js';
import { GITHUB_BODY_LIMIT, pullRequestBody, type PromotionFacts } from '../scripts/lib/promote/pr-body.js';
import { formatDuration, lastRun, runDuration, type VersionRecord } from '../scripts/lib/promote/version-history.js';

const facts: PromotionFacts = {
  model: 'm',
  environment: 'prod',
  source: 'staging',
  from: 'v1',
  to: 'v2',
  soakedSince: new Date('2026-11-01T00:00:00Z'),
  sourceCommit: '0123456789abcdef0123',
  soakHours: 72,
  rollback: false,
};

describe('PR body', () => {
  test("a huge diff is summarised by whole table rows and stays under GitHub's limit", () => {
    const byKind = Array.from({ length: 5000 }, (_, i) => ({
      kind: `Kind${i}WithAFairlyLongNameToFillTheTable`,
      added: 1,
      changed: 2,
      removed: 3,
    }));
    const images = Array.from({ length: 3000 }, (_, i) => ({
      workload: `Deployment ns/w${i}`,
      container: 'c',
      from: `repo@sha256:${'a'.repeat(64)}`,
      to: `repo@sha256:${'b'.repeat(64)}`,
    }));
    const body = pullRequestBody(facts, { byKind, images, modelVersions: [] }, []);
    expect(body.length).toBeLessThan(GITHUB_BODY_LIMIT);
    expect(body).toMatch(/\.\.\. and \d+ more rows, left out to keep this under GitHub's 65,536-character limit\./);
    // Never cut mid-table: every table line is a whole row.
    for (const line of body.split('\n').filter((l) => l.startsWith('|'))) expect(line.endsWith('|')).toBe(true);
    expect(body).toContain('| m | `v1` | `v2` |');
  });

  test('a small diff is shown whole', () => {
    const body = pullRequestBody(
      facts,
      {
        byKind: [{ kind: 'Deployment', added: 0, changed: 1, removed: 0 }],
        images: [],
        modelVersions: [{ model: 'm', from: 'v1', to: 'v2' }],
      },
      [{ name: 'schema validation', passed: true, detail: '19 valid' }],
    );
    expect(body).not.toContain('more rows');
    expect(body).toContain('No images changed.');
    expect(body).toContain('- passed: schema validation: 19 valid');
  });
});

describe('diff summary', () => {
  test('counts objects per kind and lists model versions and images that change', () => {
    const deployment = (version: string, image: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\n  namespace: llm-m\n  labels:\n    app.kubernetes.io/component: model-server\n    app.kubernetes.io/instance: m\n    app.kubernetes.io/version: ${version}\nspec:\n  template:\n    spec:\n      containers:\n        - name: vllm\n          image: ${image}\n`;
    const before = new Map([
      ['manifests/apps/llm-m/deployment-m.yaml', deployment('v1', 'img@sha256:1')],
      ['manifests/apps/llm-m/service-old.yaml', 'kind: Service\n'],
    ]);
    const after = new Map([
      ['manifests/apps/llm-m/deployment-m.yaml', deployment('v2', 'img@sha256:2')],
      ['manifests/apps/llm-m/configmap-new.yaml', 'kind: ConfigMap\n'],
    ]);
    expect(summarizeDiff(before, after)).toEqual({
      byKind: [
        { kind: 'ConfigMap', added: 1, changed: 0, removed: 0 },
        { kind: 'Deployment', added: 0, changed: 1, removed: 0 },
        { kind: 'Service', added: 0, changed: 0, removed: 1 },
      ],
      images: [{ workload: 'Deployment llm-m/m', container: 'vllm', from: 'img@sha256:1', to: 'img@sha256:2' }],
      modelVersions: [{ model: 'm', from: 'v1', to: 'v2' }],
    });
  });
});

describe('soak from version history', () => {
  const record = (hours: number, version: string | undefined): VersionRecord => ({
    commit: `c${hours}`,
    time: new Date(Date.UTC(2026, 10, 1) + hours * 3_600_000),
    version,
  });

  test('counts from the commit that started the latest stretch of the version', () => {
    const history = [record(0, 'v1'), record(5, 'v2'), record(9, 'v2'), record(20, 'v1'), record(30, 'v2')];
    const run = lastRun(history, 'v2')!;
    expect(run.since.commit).toBe('c30');
    expect(run.until).toBeUndefined();
    expect(lastRun(history, 'v1')).toMatchObject({ since: { commit: 'c20' }, until: history[4]!.time });
    expect(formatDuration(runDuration(lastRun(history, 'v1')!, new Date()))).toBe('10h 00m');
    expect(lastRun(history, 'v9')).toBeUndefined();
  });
});

describe('editing a version in place', () => {
  test('replaces only the scalar, keeping comments and quoting; quotes what YAML would misread', () => {
    const text = '# header\nmodels:\n  a:\n    version: "v1" # pinned\n    replicas: {min: 1, max: 2}\n  b:\n    version: v7\n';
    expect(setModelVersion(text, 'f', 'a', 'v2')).toBe(text.replace('"v1"', '"v2"'));
    expect(setModelVersion(text, 'f', 'b', '1.10')).toBe(text.replace('version: v7', 'version: "1.10"'));
    expect(() => setModelVersion(text, 'f', 'c', 'v1')).toThrow('models.c.version not found');
  });
});
