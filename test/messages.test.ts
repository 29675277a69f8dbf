import { describe, expect, test, type TestContext } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAll, YAMLException } from 'js-yaml';
import type { z } from 'zod';
import { clusterSchema } from '../platform/spec/cluster-spec.js';
import { modelSchema } from '../apps/models/model-spec.js';
import { describeYamlError } from '../scripts/lib/yaml/syntax-error.js';
import { FakeGitHub } from './helpers/fake-github.js';
import { FLEET_ROOT, makeFixtureRepo, makeReportRepo, REPO_ROOT, runScript, type FixtureRepo } from './helpers/fixture-repo.js';
import { at, promotionSetup, SMALL as SMALL_MODEL } from './helpers/promotion-repo.js';
import { MIRROR_LOCATIONS, MIRROR_SKIP_REASON } from './helpers/schema-mirror.js';
import { engineForTests } from './helpers/engines.js';

/*
 * The messages a person sees when something is wrong (or right), asserted whole, through the
 * commands that print them.
 */

const kubeconform = await engineForTests('kubeconform');
const kubeconformSkip = kubeconform.skipReason || (MIRROR_LOCATIONS === '' ? MIRROR_SKIP_REASON : '');

const DEV = 'clusters/dev/cluster.yaml';
const SMALL = 'apps/models/llama-3-1-8b-instruct.yaml';

async function fixture(onTestFinished: TestContext['onTestFinished']): Promise<FixtureRepo> {
  const repo = await makeFixtureRepo();
  onTestFinished(() => repo.dispose());
  return repo;
}

/** The problem lines `render --check` prints (without the closing count), after it refused with exit 2. */
async function renderProblems(repo: FixtureRepo): Promise<string[]> {
  const result = await runScript('render', ['--check'], repo.root);
  expect(result.code, result.stderr).toBe(2);
  return result.stderr.split('\n').filter((line) => line !== '' && !line.includes('nothing was written'));
}

/** 1-based column of `needle` in the first line of `file` that contains `lineNeedle`. */
async function columnOf(repo: FixtureRepo, file: string, lineNeedle: string, needle: string): Promise<number> {
  const line = (await repo.read(file)).split('\n')[(await repo.lineOf(file, lineNeedle)) - 1]!;
  return line.indexOf(needle) + 1;
}

describe.concurrent('YAML syntax errors name line and column, say why, and show the place', () => {
  test('an unclosed [ in cluster.yaml points at the bracket, not at the next line', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(DEV, 'instanceFamilies: [g6, g6e, p5]', 'instanceFamilies: [g6, g6e, p5');
    const line = await repo.lineOf(DEV, 'instanceFamilies: [g6, g6e');
    const column = await columnOf(repo, DEV, 'instanceFamilies: [g6, g6e', '[');
    const stop = await repo.lineOf(DEV, 'capacityTypes:');
    const source = (await repo.read(DEV)).split('\n');
    const width = String(line + 2).length;
    const numbered = (n: number) => `${String(n).padStart(width)} | ${source[n - 1]}`.trimEnd();
    expect(await renderProblems(repo)).toEqual([
      `${DEV}:${line}:${column}: YAML syntax error: unclosed [ opened at line ${line}; expected a closing ] (js-yaml stopped at line ${stop}, column 3: deficient indentation)`,
      `    ${numbered(line - 2)}`,
      `    ${numbered(line - 1)}`,
      `    ${numbered(line)}`,
      `    ${' '.repeat(width)} | ${' '.repeat(column - 1)}^`,
      `    ${numbered(line + 1)}`,
      `    ${numbered(line + 2)}`,
    ]);
  });

  test('a bad indentation in a model file gives js-yaml reason at line and column, with a caret', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(SMALL, '  memory: 40Gi', '   memory: 40Gi');
    const line = await repo.lineOf(SMALL, '   memory: 40Gi');
    // js-yaml points at the key that is indented one space too deep.
    const column = await columnOf(repo, SMALL, '   memory: 40Gi', 'memory');
    const problems = await renderProblems(repo);
    expect(problems[0]).toBe(`${SMALL}:${line}:${column}: YAML syntax error: bad indentation of a mapping entry`);
    expect(problems).toContain(`    ${line} |    memory: 40Gi`);
    expect(problems).toContain(`    ${' '.repeat(String(line).length)} | ${' '.repeat(column - 1)}^`);
  });

  test('--format json and github carry the column', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(DEV, 'instanceFamilies: [g6, g6e, p5]', 'instanceFamilies: [g6, g6e, p5');
    const line = await repo.lineOf(DEV, 'instanceFamilies');
    const column = await columnOf(repo, DEV, 'instanceFamilies', '[');
    const json = await runScript('render', ['--check', '--format', 'json'], repo.root);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      problems: [{ file: DEV, line, column, field: '', message: expect.stringMatching(/^YAML syntax error: unclosed \[ opened at line/) }],
    });
    const github = await runScript('render', ['--check', '--format', 'github'], repo.root);
    expect(github.stdout).toMatch(
      new RegExp(`^::error file=${DEV},line=${line},col=${column},title=invalid input::YAML syntax error: unclosed \\[`),
    );
  });

  test('validate: a rendered manifest that is not YAML is an error at line and column, with the snippet', async () => {
    const file = 'test/fixtures/validate/invalid/yaml-syntax.yaml';
    const text = await runScript('validate', [file], REPO_ROOT);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe(
      [
        `${file}:18:13: document failed validation: YAML syntax error: bad indentation of a mapping entry`,
        '    16 | metadata:',
        '    17 |   name: third',
        '    18 |    namespace: shop',
        '       |             ^',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await runScript('validate', [file, '--format', 'json'], REPO_ROOT)).stdout) as { resources: unknown[] };
    expect(json.resources).toEqual([
      expect.objectContaining({ line: 18, column: 13, msg: 'YAML syntax error: bad indentation of a mapping entry' }),
    ]);
  });

  test('an unclosed collection is told apart from an error inside one that goes on, and from brackets in text', () => {
    const describe = (text: string) => {
      try {
        loadAll(text);
      } catch (error) {
        const { line, column, reason } = describeYamlError(error as YAMLException, text);
        return `${line}:${column}: ${reason}`;
      }
      throw new Error(`loads: ${text}`);
    };
    // At the end of the file.
    expect(describe('aws:\n  zones: [us-east-1a, us-east-1b\n')).toBe(
      '2:10: unclosed [ opened at line 2; expected a closing ] (js-yaml stopped at line 3, column 1: deficient indentation)',
    );
    // A collection over several lines with a missing comma inside is js-yaml's reason, at its place.
    expect(describe('a: [\n  1,\n  2 3: x: y\n]\n')).toBe('3:9: missed comma between flow collection entries');
    // Brackets in a plain scalar, a quoted one, a comment and a block scalar open nothing.
    expect(describe('note: see [docs\nurl: "[x" # [y\nscript: |\n  echo {\nzones: {a: 1\nnext: 2\n')).toBe(
      '5:8: unclosed { opened at line 5; expected a closing } (js-yaml stopped at line 6, column 1: deficient indentation)',
    );
  });
});

describe.concurrent('one problem for one mistake', () => {
  test('a typo of a required key is one problem at the typo, not a missing key and an unknown one', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(
      DEV,
      '  llama-3-3-70b-instruct:\n    version: v2026.11.1\n    replicas:',
      '  llama-3-3-70b-instruct:\n    version: v2026.11.1\n    replicaz:',
    );
    expect(await renderProblems(repo)).toEqual([
      `${DEV}:${await repo.lineOf(DEV, 'replicaz')}: models.llama-3-3-70b-instruct.replicaz: unknown key "replicaz"; did you mean "replicas"? (replicas is required)`,
    ]);
  });

  test('an unknown key that resembles no missing one still lists what is allowed', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(DEV, '    version: v2026.11.1\n', '    version: v2026.11.1\n    replica: 2\n');
    expect(await renderProblems(repo)).toEqual([
      `${DEV}:${await repo.lineOf(DEV, 'replica: 2')}: models.llama-3-3-70b-instruct.replica: unknown key (did you mean "replicas"?); expected one of: version, replicas, autoscaling, canary`,
    ]);
  });
});

describe.concurrent('value errors describe the value wanted and say what was found', () => {
  test('a version with a character it may not hold: a description and an example, not a pattern', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(DEV, '  llama-3-3-70b-instruct:\n    version: v2026.11.1', '  llama-3-3-70b-instruct:\n    version: v2026/11');
    expect(await renderProblems(repo)).toEqual([
      `${DEV}:${await repo.lineOf(DEV, 'v2026/11')}: models.llama-3-3-70b-instruct.version: expected a version of at most 63 letters, digits, ".", "_" and "-", starting with a letter or digit, such as "v2026.11.1" (it names an S3 prefix, a cache directory and a label value), found "v2026/11"`,
    ]);
  });

  test('no pattern check of the input schemas falls back to showing its regular expression', () => {
    const checks = regexChecks(clusterSchema).concat(regexChecks(modelSchema));
    expect(checks.length).toBeGreaterThan(20);
    for (const { pattern, message } of checks) {
      expect(message, String(pattern)).toMatch(/^expected /);
      expect(message, String(pattern)).not.toContain(pattern.source);
    }
  });

  test('a memory quantity that is none says what was found', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(SMALL, 'memory: 40Gi', 'memory: 40GB');
    expect(await renderProblems(repo)).toEqual([
      `${SMALL}:${await repo.lineOf(SMALL, 'memory: 40GB')}: resources.memory: expected a byte quantity such as "512Mi", "40Gi" or "1Ti", found "40GB"`,
    ]);
  });

  test('an unsupported Kubernetes version says what was found', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(DEV, 'kubernetesVersion: "1.32"', 'kubernetesVersion: "1.28"');
    expect(await renderProblems(repo)).toEqual([
      `${DEV}:${await repo.lineOf(DEV, 'kubernetesVersion')}: aws.kubernetesVersion: expected a supported Kubernetes minor version (1.29, 1.30, 1.31, 1.32, 1.33, 1.34), found "1.28"`,
    ]);
  });

  test('a GPU limit below the minimum replicas names the models that need the GPUs', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(
      DEV,
      '  llama-3-3-70b-instruct:\n    version: v2026.11.1\n    replicas:\n      min: 1\n      max: 1',
      '  llama-3-3-70b-instruct:\n    version: v2026.11.1\n    replicas:\n      min: 2\n      max: 2',
    );
    const limit = /gpus: (\d+)/.exec(await repo.read(DEV))![0];
    await repo.edit(DEV, limit, 'gpus: 16');
    expect(await renderProblems(repo)).toEqual([
      `${DEV}:${await repo.lineOf(DEV, 'gpus: 16')}: gpu.limits.gpus: expected at least 32 GPUs, what the models' minimum replicas need together (llama-3-1-405b-instruct: 1 replica x 16 GPUs = 16, llama-3-3-70b-instruct: 2 replicas x 8 GPUs = 16); found 16`,
    ]);
  });
});

describe.concurrent('a token GitHub rejects is our one message, nothing of the client library', { timeout: 120_000 }, () => {
  const TOKEN = 'ghs_report_token_never_printed';
  /** GitHub's answer to a bad token, with a deprecation notice as GitHub adds to endpoints it retires. */
  const rejected = (github: FakeGitHub, method: string, at: RegExp) =>
    github.failNext(
      method,
      at,
      401,
      { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      {
        deprecation: 'Sat, 01 Nov 2025 00:00:00 GMT',
        sunset: 'Mon, 01 Feb 2027 00:00:00 GMT',
        link: '<https://github.blog/changelog/>; rel="deprecation"',
      },
    );

  async function report(onTestFinished: TestContext['onTestFinished'], token: string, fault?: (github: FakeGitHub) => void) {
    const repo = await makeReportRepo();
    const github = await new FakeGitHub('acme', 'llm-fleet', TOKEN).start();
    onTestFinished(async () => {
      await github.stop();
      await repo.dispose();
    });
    fault?.(github);
    return runScript('pr-report', ['--base', 'HEAD', '--pr', '5', '--output', 'comment', '--root', repo.root], repo.root, {
      GITHUB_TOKEN: token,
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: 'acme/llm-fleet',
      GITHUB_STEP_SUMMARY: '',
    });
  }

  const REPORT_401 =
    'error: the report comment was not written: GitHub API GET /repos/acme/llm-fleet/issues/5/comments failed: 401 Bad credentials: GITHUB_TOKEN is not valid for this API\n';

  test('pr-report with a wrong token', async ({ onTestFinished }) => {
    const result = await report(onTestFinished, 'ghs_wrong_token_value');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(REPORT_401);
  });

  test('pr-report when the 401 carries a deprecation notice Octokit would log', async ({ onTestFinished }) => {
    const result = await report(onTestFinished, TOKEN, (github) => rejected(github, 'GET', /\/issues\/5\/comments$/));
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(REPORT_401);
  });

  test('promote when the 401 carries a deprecation notice Octokit would log', async ({ onTestFinished }) => {
    const { github, promote } = await promotionSetup(onTestFinished);
    rejected(github, 'GET', /\/pulls$/);
    const result = await promote('--to', 'prod', '--model', SMALL_MODEL, '--now', at(100).toISOString());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: GitHub API GET /repos/acme/llm-fleet/pulls failed: 401 Bad credentials: GITHUB_TOKEN is not valid for this API\n',
    );
  });
});

interface JsonReport {
  resources: Array<{ filename: string; status: string }>;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

describe.concurrent('validate says what it did', () => {
  const env = { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS };

  test('a valid fleet ends with one line: how many objects in how many environments, and what was skipped', async () => {
    const [text, json] = await Promise.all([
      runScript('validate', [], FLEET_ROOT, env),
      runScript('validate', ['--format', 'json'], FLEET_ROOT, env),
    ]);
    expect(text.code, text.stdout).toBe(0);
    const { summary } = JSON.parse(json.stdout) as JsonReport;
    expect(summary.skipped).toBeGreaterThan(0);
    expect(text.stdout).toBe(
      `validate: ${summary.valid} objects in 3 environments valid (${summary.skipped} skipped: ${summary.skipped} kustomization.yaml build files, not Kubernetes objects)\n`,
    );
    // The formats tools read are as they were: no closing line.
    expect(Object.keys(JSON.parse(json.stdout) as object)).toEqual(['resources', 'summary']);
    const tap = await runScript('validate', ['--env', 'dev', '--format', 'tap'], FLEET_ROOT, env);
    expect(tap.stdout).not.toContain('validate:');
    const github = await runScript('validate', ['--env', 'dev', '--format', 'github'], FLEET_ROOT, env);
    expect(github.stdout).toBe('');
  });

  async function skipCorpus(onTestFinished: TestContext['onTestFinished']): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'validate-skips-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - service.yaml\n',
    );
    await writeFile(
      path.join(dir, 'service.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  ports:\n    - port: 80\n',
    );
    await writeFile(path.join(dir, 'settings.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n');
    await writeFile(
      path.join(dir, 'widget.yaml'),
      await readFile(path.join(REPO_ROOT, 'test/fixtures/validate/invalid/unknown-kind.yaml'), 'utf8'),
    );
    return dir;
  }

  const SKIPS =
    '1 kustomization.yaml build file, not a Kubernetes object; 1 of kinds given to --skip: v1/ConfigMap; 1 with no schema, passed unchecked by --ignore-missing-schemas: widgets.example.com/v1/Widget';
  const args = ['--skip', 'ConfigMap', '--ignore-missing-schemas', 'kustomization.yaml', 'service.yaml', 'settings.yaml', 'widget.yaml'];

  test('the summary counts the skipped objects by reason', async ({ onTestFinished }) => {
    const dir = await skipCorpus(onTestFinished);
    const summary = await runScript('validate', [...args, '--summary'], dir, env);
    expect(summary.code, summary.stdout).toBe(0);
    expect(summary.stdout).toBe(`Summary: 4 resources found in 4 files - Valid: 1, Invalid: 0, Errors: 0, Skipped: 3 (${SKIPS})\n`);
    const closing = await runScript('validate', args, dir, env);
    expect(closing.stdout).toBe(`validate: 1 object in 4 files valid (3 skipped: ${SKIPS})\n`);
  });

  test.skipIf(kubeconformSkip !== '')(
    `kubeconform's skips are explained the same way${kubeconformSkip ? ` — skipped: ${kubeconformSkip}` : ''}`,
    async ({ onTestFinished }) => {
      const dir = await skipCorpus(onTestFinished);
      const result = await runScript('validate', ['--engine', 'kubeconform', ...args, '--summary'], dir, env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(`Summary: 4 resources found in 4 files - Valid: 1, Invalid: 0, Errors: 0, Skipped: 3 (${SKIPS})\n`);
    },
  );
});

/** Every regular-expression check in a zod schema, with the message a person would get. */
function regexChecks(schema: z.ZodType): Array<{ pattern: RegExp; message: string }> {
  const found: Array<{ pattern: RegExp; message: string }> = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    const def = (node as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def || seen.has(node)) return;
    seen.add(node);
    for (const check of (def.checks as unknown[] | undefined) ?? []) {
      const checkDef = (check as { _zod: { def: { format?: string; pattern?: RegExp; error?: (issue: unknown) => unknown } } })._zod.def;
      if (checkDef.format !== 'regex' || !checkDef.pattern) continue;
      const message = checkDef.error?.({}) ?? `(zod's default) must match pattern ${String(checkDef.pattern)}`;
      found.push({ pattern: checkDef.pattern, message: String(message) });
    }
    for (const key of ['innerType', 'in', 'out', 'element', 'keyType', 'valueType', 'left', 'right']) visit(def[key]);
    for (const option of (def.options as unknown[] | undefined) ?? []) visit(option);
    for (const child of Object.values((def.shape as Record<string, unknown> | undefined) ?? {})) visit(child);
  };
  visit(schema);
  return found;
}
