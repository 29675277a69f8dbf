import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { clusterSchema } from '../platform/spec/cluster-spec.js';
import { loadCatalogue, POLICY_TOPICS, type PolicyRule } from '../scripts/lib/policy/catalogue.js';
import { runConftest } from '../scripts/lib/policy/conftest.js';
import { policyModules } from '../scripts/lib/policy/passes.js';
import { policyDocs } from '../scripts/lib/policy/docs.js';
import { parseConftestJson } from '../scripts/lib/policy/findings.js';
import { parseManifestFile } from '../scripts/lib/validate/manifest-documents.js';
import { strictValidator } from '../scripts/lib/validate/strict-validator.js';
import { FLEET_ROOT, REPO_ROOT, runScript } from './helpers/fixture-repo.js';
import { engineForTests } from './helpers/engines.js';

const rules = await loadCatalogue(REPO_ROOT);
const read = (file: string) => readFile(path.join(REPO_ROOT, file), 'utf8');

interface Sample {
  readonly rule: PolicyRule;
  readonly verdict: 'allowed' | 'denied';
  readonly file: string;
  readonly documents: unknown[];
}

async function samplesOf(rule: PolicyRule): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const verdict of ['allowed', 'denied'] as const) {
    const dir = `${rule.samplesDir}/${verdict}`;
    for (const name of (await readdir(path.join(REPO_ROOT, dir)).catch(() => [] as string[])).sort()) {
      if (!name.endsWith('.yaml')) continue;
      const file = `${dir}/${name}`;
      samples.push({ rule, verdict, file, documents: loadAll(await read(file)) });
    }
  }
  return samples;
}

const allSamples = (await Promise.all(rules.map(samplesOf))).flat();
const isConfig = (doc: unknown) => typeof doc === 'object' && doc !== null && !('kind' in doc) && 'models' in doc;

describe('the policy pack', () => {
  test('has the rules the issue asks for, each with a unique id named for its topic or its input', () => {
    expect(rules.length).toBe(51);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    const topicPrefix: Record<string, string> = {
      workload: 'WL',
      security: 'SEC',
      gpu: 'GPU',
      network: 'NET',
      aws: 'AWS',
      gitops: 'GITOPS',
      promotion: 'PRM',
    };
    const inputPrefix: Record<string, string> = { config: 'CFG', combined: 'CMB' };
    for (const rule of rules)
      expect([topicPrefix[rule.topic], inputPrefix[rule.input]], `${rule.file}: ${rule.id}`).toContain(rule.id.split('-')[0]);
    for (const topic of POLICY_TOPICS)
      expect(
        rules.some((r) => r.topic === topic),
        topic,
      ).toBe(true);
    expect(
      rules
        .filter((r) => r.input === 'combined')
        .map((r) => r.id)
        .sort(),
    ).toEqual([
      'AWS-003',
      'CMB-001',
      'CMB-002',
      'CMB-003',
      'CMB-004',
      'CMB-005',
      'CMB-006',
      'CMB-007',
      'CMB-008',
      'CMB-009',
      'CMB-010',
      'CMB-011',
    ]);
  });

  test.each(rules.map((r) => [r.id, r] as const))(
    '%s reports through the shared deny/warn rules and imports only what it uses',
    async (_id, rule) => {
      const text = await read(rule.file);
      expect(text).toContain('deny contains f if {\n\tsome f in policy.denied(problems, rego.metadata.chain())\n}');
      expect(text).toContain('warn contains w if {\n\tsome w in policy.excepted_warnings(problems, rego.metadata.chain())\n}');
      for (const [, imported] of text.matchAll(/^import data\.(?:[\w.]+\.)?(\w+)$/gm)) {
        expect(
          text
            .split('\n')
            .filter((l) => !l.startsWith('import '))
            .join('\n'),
          `${rule.file}: unused import ${imported}`,
        ).toMatch(new RegExp(`\\b${imported}\\.`));
      }
      // The whole `data` document includes every rule: reading it from a rule is a recursion error.
      expect(text).not.toMatch(/object\.get\(data,|[^.\w]data\)/);
    },
  );

  test('no rule negates a comparison with a function call in it', async () => {
    // OPA evaluates the call before the negation: `not f(x) == true` with f(x) undefined leaves
    // the whole body undefined, so the rule never fires on the very case it is written for
    // (SEC-001 passed containers that set runAsNonRoot nowhere). Name the condition as a rule
    // and negate that instead.
    const offenders: string[] = [];
    for (const file of [...(await policyModules(REPO_ROOT)), ...rules.map((r) => r.file.replace(/\.rego$/, '_test.rego'))]) {
      (await read(file)).split('\n').forEach((line, i) => {
        if (/^\s*not\s+[\w.]+\(.*\)\s*(==|!=|<=|>=|<|>)/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  test.each(rules.map((r) => [r.id, r] as const))('%s has a _test.rego beside it with allowed and denied cases', async (_id, rule) => {
    const testFile = rule.file.replace(/\.rego$/, '_test.rego');
    expect(existsSync(path.join(REPO_ROOT, testFile)), testFile).toBe(true);
    const text = await read(testFile);
    expect(text).toMatch(new RegExp(`^package ${rule.pkg.replace('.', '\\.')}_test$`, 'm'));
    expect(text).toContain(`import data.${rule.pkg}`);
    const tests = [...text.matchAll(/^test_\w+ if \{/gm)];
    expect(tests.length, testFile).toBeGreaterThanOrEqual(2);
    expect(text, `${testFile}: an allowed case`).toMatch(/\.deny\) == 0/);
    expect(text, `${testFile}: a denied case naming the policy`).toMatch(new RegExp(`f\\.policy == "${rule.id}"`));
  });

  test.each(rules.map((r) => [r.id, r] as const))('%s has allowed and denied samples', async (_id, rule) => {
    const samples = allSamples.filter((s) => s.rule.id === rule.id);
    expect(samples.filter((s) => s.verdict === 'allowed').length, `${rule.samplesDir}/allowed`).toBeGreaterThanOrEqual(1);
    expect(samples.filter((s) => s.verdict === 'denied').length, `${rule.samplesDir}/denied`).toBeGreaterThanOrEqual(1);
  });

  test('every sample is valid: manifests against their schemas, cluster configurations against the config schema', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'policy-samples-'));
    try {
      const validator = strictValidator(cache);
      const problems: string[] = [];
      for (const sample of allSamples) {
        expect(sample.documents.length, sample.file).toBeGreaterThan(0);
        const configs = sample.documents.filter(isConfig);
        // Configurations that a rule denies may break the config schema on purpose (CFG-004).
        if (sample.verdict === 'allowed') {
          for (const config of configs) {
            const parsed = clusterSchema.safeParse(config);
            if (!parsed.success)
              problems.push(`${sample.file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
          }
        }
        if (configs.length === sample.documents.length) continue;
        const text = await read(sample.file);
        const manifest = parseManifestFile(sample.file, configs.length > 0 ? stripConfigs(text) : text);
        const results = await validator.validateGroup({ files: [manifest], kubernetesVersion: '1.32.0' });
        for (const r of results) {
          if (r.status === 'valid') continue;
          // The duplicate is the point of the CMB-005 denied sample.
          if (sample.rule.id === 'CMB-005' && sample.verdict === 'denied' && r.msg.includes('duplicate object')) continue;
          problems.push(`${sample.file}:${r.line}: ${r.status} ${r.msg}`);
        }
      }
      expect(problems).toEqual([]);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  test('no rule or helper is named like a conftest query, or hides a built-in namespace', async () => {
    // conftest queries every rule named deny/violation/warn(_x) in every package it loads, test
    // packages included; a helper function of that name is a type error that stops the run.
    const BUILTIN_ROOTS = new Set([
      'internal',
      'time',
      'json',
      'regex',
      'object',
      'array',
      'strings',
      'units',
      'net',
      'io',
      'crypto',
      'http',
      'rego',
      'opa',
      'glob',
      'graph',
      'semver',
      'base64',
      'yaml',
      'urlquery',
      'count',
      'sum',
      'max',
      'min',
      'sort',
      'concat',
      'contains',
      'split',
      'sprintf',
      'startswith',
      'endswith',
      'lower',
      'upper',
      'trim',
      'replace',
      'print',
    ]);
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<string[]> => {
      const out: string[] = [];
      for (const entry of await readdir(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
        const child = `${dir}/${entry.name}`;
        if (entry.isDirectory()) out.push(...(await walk(child)));
        else if (entry.name.endsWith('.rego')) out.push(child);
      }
      return out;
    };
    for (const file of await walk('policies')) {
      const lines = (await read(file)).split('\n');
      lines.forEach((line, i) => {
        const head = /^(?:default\s+)?([a-z_][\w]*)(?=[\s([:]|$)/.exec(line)?.[1];
        if (!head || ['package', 'import', 'default', 'some', 'every', 'not'].includes(head)) return;
        const standard = (head === 'deny' && line === 'deny contains f if {') || (head === 'warn' && line === 'warn contains w if {');
        if (/^(deny|violation|warn)(_[a-zA-Z0-9]+)*$/.test(head) && !standard)
          offenders.push(`${file}:${i + 1}: ${head} is queried by conftest`);
        if (BUILTIN_ROOTS.has(head)) offenders.push(`${file}:${i + 1}: ${head} hides the built-in ${head}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  test('policies/README.md is generated from the METADATA and up to date', async () => {
    expect(await read('policies/README.md')).toBe(policyDocs(rules));
  });

  test('the vLLM metric names GPU-006 knows are those of the engine every model pins', async () => {
    const data = loadAll(await read('policies/data/model-serving.yaml'))[0] as { model_serving: { vllm_version: string } };
    const models = (await readdir(path.join(FLEET_ROOT, 'apps/models'))).filter((f) => f.endsWith('.yaml'));
    expect(models.length).toBeGreaterThan(0);
    const upstream = new Map<string, string>();
    const engines: Array<{ file: string; engine: { image: string; tag: string; digest: string } }> = [];
    for (const file of models) {
      const model = loadAll(await readFile(path.join(FLEET_ROOT, 'apps/models', file), 'utf8'))[0] as {
        engine: { image: string; tag: string; digest: string };
      };
      engines.push({ file, engine: model.engine });
      if (model.engine.image === 'docker.io/vllm/vllm-openai') upstream.set(model.engine.digest, model.engine.tag);
      expect(model.engine.tag, `${file}: bump policies/data/model-serving.yaml's vllm_metrics with the engine`).toBe(
        data.model_serving.vllm_version,
      );
    }
    // Any other engine is one of apps/models/images/, built FROM the upstream image at a pinned digest.
    const dockerfile = await read('apps/models/images/vllm-efa/Dockerfile');
    const base = /^FROM docker\.io\/vllm\/vllm-openai@(sha256:[a-f0-9]{64})$/m.exec(dockerfile)?.[1];
    for (const { file, engine } of engines) {
      if (engine.image === 'docker.io/vllm/vllm-openai') continue;
      expect(engine.image, file).toMatch(/\/vllm-openai-efa$/);
      expect(base && upstream.get(base), `${file}: built from the upstream image of the same tag`).toBe(engine.tag);
    }
  });
});

/** A promotion sample holds a cluster.yaml document first; the manifests follow it. */
function stripConfigs(text: string): string {
  return text
    .split(/^---$/m)
    .filter((part) => !/^name: /m.test(part) || /^kind: /m.test(part))
    .join('---');
}

// On the real conftest (npm run tools): the pack judges its samples and the fleet as it claims to.
const { located: conftest, skipReason } = await engineForTests('conftest');
const modules = (await policyModules(REPO_ROOT)).flatMap((f) => ['--policy', f]);

describe.skipIf(!conftest)(`the policy pack under conftest${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  async function run(args: string[], data: object, packData = 'policies/data'): Promise<ReturnType<typeof parseConftestJson>> {
    const dir = await mkdtemp(path.join(tmpdir(), 'policy-data-'));
    try {
      await writeFile(path.join(dir, 'llm.json'), JSON.stringify(data));
      const result = await runConftest(
        conftest!.binary,
        ['test', ...modules, '--data', packData, '--data', dir, '--output', 'json', '--no-color', ...args],
        REPO_ROOT,
      );
      expect([0, 1], result.stderr).toContain(result.exitCode);
      return parseConftestJson(result.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const prod = { llm: { environment: 'prod', baseline: {} } };
  const policiesOf = (results: ReturnType<typeof parseConftestJson>) =>
    [...new Set(results.flatMap((r) => (r.failures ?? []).map((f) => String(f.metadata?.policy ?? f.metadata?.query))))].sort();

  test('npm run policy:test: conftest verify passes every Rego unit test, and opa check --strict and opa fmt are clean', async () => {
    const result = await runScript('policy-test', [], REPO_ROOT);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const [, total, passed] = /(\d+) tests, (\d+) passed, 0 warnings, 0 failures/.exec(result.stdout) ?? [];
    expect(Number(total)).toBeGreaterThan(200);
    expect(passed).toBe(total);
    expect(result.stdout).toContain('opa check --strict: ok');
    expect(result.stdout).toContain('opa fmt: ok');
  });

  test('npm run policy:test fails on a failing Rego test, naming it', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'policy-test-'));
    try {
      await cp(path.join(REPO_ROOT, 'policies'), path.join(root, 'policies'), { recursive: true });
      const file = path.join(root, 'policies/security/run_as_non_root/run_as_non_root.rego');
      // The SEC-001 defect the real engine found: a negated comparison over an undefined call.
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace(
          'not runs_as_non_root(input, container)',
          'not k8s.effective_security(input, container, "runAsNonRoot") == true',
        ),
      );
      const result = await runScript('policy-test', ['--root', root], REPO_ROOT);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('FAIL - policies/security/run_as_non_root/run_as_non_root_test.rego');
      expect(result.stdout).toContain('test_no_setting_anywhere_is_denied');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('the canned conftest reports the runner tests use have the shape the real conftest prints', async () => {
    const sample = 'policies/workload/requests_limits/samples/denied/no-memory-limit.yaml';
    const denied = await run(['--all-namespaces', sample], prod);
    const finding = denied.flatMap((r) => r.failures ?? []).find((f) => f.metadata?.policy === 'WL-001')?.metadata as Record<
      string,
      string
    >;
    expect(finding).toBeDefined();
    // Except that finding: the real report then carries it as a warning marked excepted.
    const packData = await mkdtemp(path.join(tmpdir(), 'policy-pack-data-'));
    try {
      await cp(path.join(REPO_ROOT, 'policies/data'), packData, { recursive: true });
      const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      const { policy, kind, namespace, name, container } = finding;
      await writeFile(
        path.join(packData, 'exceptions.yaml'),
        `exceptions:\n  - ${JSON.stringify({ policy, env: 'prod', kind, namespace, name, container, reason: 'shape test', owner: 't@example.com', expires })}\n`,
      );
      const excepted = await run(['--all-namespaces', sample], prod, packData);
      const canned = [
        ...parseConftestJson(await read('test/fixtures/policy/objects.json')),
        ...parseConftestJson(await read('test/fixtures/policy/combined.json')),
      ];
      const keys = (values: object[]) => [...new Set(values.flatMap((v) => Object.keys(v)))].sort();
      const shape = (results: ReturnType<typeof parseConftestJson>) => ({
        result: keys(results),
        failure: keys(results.flatMap((r) => r.failures ?? [])),
        failureMetadata: keys(results.flatMap((r) => (r.failures ?? []).map((f) => f.metadata ?? {}))),
        warningMetadata: keys(results.flatMap((r) => (r.warnings ?? []).map((w) => w.metadata ?? {}))),
      });
      expect(shape(canned)).toEqual(shape([...denied, ...excepted]));
      expect(excepted.flatMap((r) => r.warnings ?? []).find((w) => w.metadata?.policy === 'WL-001')?.metadata).toMatchObject({
        excepted: true,
        container,
      });
      expect(denied.some((r) => r.namespace.endsWith('_test'))).toBe(false);
    } finally {
      await rm(packData, { recursive: true, force: true });
    }
  });

  // Samples judged one document at a time (object and config rules) go to conftest in one run:
  // without --combine it evaluates each file on its own and names it in each result, so a
  // sample's results are those of a run over it alone. A combined sample is a run of its own.
  const alone = (sample: Sample) => sample.rule.input === 'object' || sample.rule.input === 'config';
  let perDocument: Promise<ReturnType<typeof parseConftestJson>> | undefined;
  const judged = async (sample: Sample) => {
    if (alone(sample)) {
      perDocument ??= run(['--all-namespaces', ...allSamples.filter(alone).map((s) => s.file)], prod);
      const results = (await perDocument).filter((r) => r.filename === sample.file);
      expect(results.length, `conftest judged ${sample.file}`).toBeGreaterThan(0);
      return policiesOf(results);
    }
    const flags = sample.rule.input === 'combined' ? ['--all-namespaces', '--combine'] : ['--combine', '--namespace', sample.rule.pkg];
    return policiesOf(await run([...flags, sample.file], prod));
  };
  test.each(allSamples.map((s) => [s.file, s] as const))('%s', async (_file, sample) => {
    expect(await judged(sample)).toEqual(sample.verdict === 'denied' ? [sample.rule.id] : []);
  });

  test('the rendered sample fleet passes with no exceptions', async () => {
    const result = await runScript('policy', ['--format', 'json'], FLEET_ROOT);
    const report = JSON.parse(result.stdout) as { ok: boolean; summary: { failures: number; excepted: number }; findings: unknown[] };
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ failures: 0, excepted: 0 });
    expect(result.code).toBe(0);
    // Four conftest passes over three environments of about a thousand objects.
  }, 180_000);
});
