import { describe, expect, test } from 'vitest';
import { $ } from 'zx';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandLine } from '../scripts/lib/cli/command-line.js';
import { FLEET_ROOT, REPO_ROOT, runScript } from './helpers/fixture-repo.js';
import { MIRROR_LOCATIONS, MIRROR_SKIP_REASON } from './helpers/schema-mirror.js';

const CORPUS = 'test/fixtures/validate/invalid';
const hasMirror = MIRROR_LOCATIONS !== '';

interface JsonReport {
  resources: Array<{
    filename: string;
    kind: string;
    name: string;
    version: string;
    status: string;
    msg: string;
    line: number;
    validationErrors?: Array<{ path: string; msg: string; line: number }>;
  }>;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/** Runs `npm run validate` in `root` (the test corpus's, or a fixture fleet's) with the given schema locations. */
async function validate(
  args: string[],
  locations: string,
  root = REPO_ROOT,
): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const result = await runScript('validate', ['--format', 'json', '--verbose', ...args], root, {
    VALIDATE_SCHEMA_LOCATIONS: locations,
  });
  return { code: result.code, report: JSON.parse(result.stdout) as JsonReport, stderr: result.stderr };
}

function errorsOf(report: JsonReport, file: string) {
  return report.resources.filter((r) => r.filename === `${CORPUS}/${file}` && r.status !== 'statusValid');
}

/** Expected findings of the invalid corpus: JSON path, message and the line in the file. */
const corpus: Array<{ file: string; needsMirror?: boolean; expected: Array<{ path: string; msg: string | RegExp; line: number }> }> = [
  { file: 'wrong-type.yaml', expected: [{ path: '/spec/replicas', msg: 'expected integer, found string "three"', line: 8 }] },
  {
    file: 'unknown-field-core.yaml',
    expected: [{ path: '/spec/containers/0/imagePullPolicey', msg: 'unknown field "imagePullPolicey"', line: 11 }],
  },
  {
    file: 'unknown-field-nodepool.yaml',
    needsMirror: true,
    expected: [{ path: '/spec/template/spec/taint', msg: 'unknown field "taint"', line: 17 }],
  },
  {
    file: 'unknown-field-ack.yaml',
    needsMirror: true,
    expected: [
      { path: '/spec/assumeRolePolicyDocument', msg: 'missing required field "assumeRolePolicyDocument"', line: 7 },
      { path: '/spec/assumeRolePolicyDocumnt', msg: 'unknown field "assumeRolePolicyDocumnt"', line: 9 },
    ],
  },
  { file: 'missing-required.yaml', expected: [{ path: '/spec/selector', msg: 'missing required field "selector"', line: 7 }] },
  {
    file: 'bad-enum.yaml',
    expected: [
      {
        path: '/spec/disruption/consolidationPolicy',
        msg: /^expected one of "WhenEmpty", "WhenEmptyOrUnderutilized".*, found string "WhenIdle"$/,
        line: 18,
      },
    ],
  },
  {
    file: 'bad-quantity.yaml',
    expected: [
      {
        path: '/spec/containers/0/resources/limits/memory',
        msg: /^expected a Kubernetes quantity such as "500m" or "4Gi", found (string )?"4 GiB"$/,
        line: 13,
      },
    ],
  },
  {
    file: 'invalid-name.yaml',
    expected: [{ path: '/metadata/name', msg: /^invalid name "Model_Config": expected a DNS-1123 subdomain/, line: 5 }],
  },
  {
    file: 'duplicate.yaml',
    expected: [
      { path: '/metadata/name', msg: `duplicate object: ConfigMap shop/settings is also defined in ${CORPUS}/duplicate.yaml:2`, line: 13 },
    ],
  },
  {
    file: 'gpu-mismatch.yaml',
    expected: [
      {
        path: '/spec/containers/0/resources/requests/nvidia.com~1gpu',
        msg: /^nvidia.com\/gpu request \(1\) differs from its limit \(2\)/,
        line: 13,
      },
    ],
  },
  {
    file: 'pod-spec-repeats.yaml',
    expected: [
      { path: '/spec/template/spec/containers/0/env/1/name', msg: /^duplicate environment variable "MODE"/, line: 25 },
      { path: '/spec/template/spec/containers/1/ports/0/name', msg: /^duplicate port name "http" \(also on container "api"\)/, line: 30 },
    ],
  },
  {
    file: 'missing-namespace.yaml',
    expected: [{ path: '/metadata', msg: /^Service is namespaced but has no metadata.namespace/, line: 4 }],
  },
  {
    file: 'bad-label.yaml',
    expected: [{ path: '/metadata/labels/team', msg: /^invalid value "platform engineering" for label "team"/, line: 8 }],
  },
  { file: 'deep-document.yaml', expected: [{ path: '/spec/ports/0/targetPorts', msg: 'unknown field "targetPorts"', line: 27 }] },
];

describe.concurrent('the invalid corpus', () => {
  for (const source of ['mirror', 'built-in'] as const) {
    const locations = source === 'mirror' ? MIRROR_LOCATIONS : '';
    const skip = source === 'mirror' && !hasMirror;
    test.skipIf(skip)(
      `is caught with the right paths, messages and file lines (${source} schemas)${skip ? ` — skipped: ${MIRROR_SKIP_REASON}` : ''}`,
      async () => {
        const { code, report } = await validate([CORPUS], locations);
        expect(code).toBe(1);
        for (const entry of corpus) {
          if (entry.needsMirror && source !== 'mirror') continue;
          const failures = errorsOf(report, entry.file);
          expect(
            failures.map((f) => f.status),
            entry.file,
          ).toEqual(['statusInvalid']);
          const errors = failures[0]!.validationErrors ?? [];
          expect(errors.length, `${entry.file}: ${JSON.stringify(errors)}`).toBe(entry.expected.length);
          entry.expected.forEach((expected, i) => {
            expect(errors[i]!.path, entry.file).toBe(expected.path);
            if (typeof expected.msg === 'string') expect(errors[i]!.msg, entry.file).toBe(expected.msg);
            else expect(errors[i]!.msg, entry.file).toMatch(expected.msg);
            expect(errors[i]!.line, `${entry.file} line`).toBe(expected.line);
          });
        }
        // The first copy of a duplicated object is fine; only the repeat is reported.
        expect(report.resources.find((r) => r.filename.endsWith('duplicate.yaml') && r.line === 2)?.status).toBe('statusValid');
      },
    );
  }

  test('a YAML syntax error is an error at the line of the FILE, after the documents before it', async () => {
    const { report } = await validate([`${CORPUS}/yaml-syntax.yaml`], MIRROR_LOCATIONS);
    expect(report.resources).toEqual([
      expect.objectContaining({
        filename: `${CORPUS}/yaml-syntax.yaml`,
        status: 'statusError',
        line: 18,
        msg: 'YAML syntax error: bad indentation of a mapping entry',
      }),
    ]);
  });

  test('an unknown kind is an error, and skipped with --ignore-missing-schemas', async () => {
    const missing = await validate([`${CORPUS}/unknown-kind.yaml`], MIRROR_LOCATIONS);
    expect(missing.code).toBe(1);
    expect(missing.report.resources[0]).toMatchObject({
      status: 'statusError',
      kind: 'Widget',
      msg: expect.stringMatching(/^could not find schema for widgets.example.com\/v1\/Widget \(Kubernetes 1.32.0\)/),
    });

    const ignored = await validate([`${CORPUS}/unknown-kind.yaml`, '--ignore-missing-schemas'], MIRROR_LOCATIONS);
    expect(ignored.code).toBe(0);
    expect(ignored.report.resources[0]).toMatchObject({ status: 'statusSkipped', kind: 'Widget' });
    expect(ignored.report.summary).toEqual({ valid: 0, invalid: 0, errors: 0, skipped: 1 });
  });

  test('--skip and --reject act on kinds and apiVersion/Kind', async () => {
    const skipped = await validate([`${CORPUS}/wrong-type.yaml`, '--skip', 'apps/v1/Deployment'], MIRROR_LOCATIONS);
    expect(skipped.code).toBe(0);
    expect(skipped.report.summary.skipped).toBe(1);
    const rejected = await validate([`${CORPUS}/duplicate.yaml`, '--reject', 'ConfigMap'], MIRROR_LOCATIONS);
    expect(rejected.code).toBe(1);
    expect(rejected.report.resources.map((r) => r.msg)).toEqual([
      'prohibited resource kind ConfigMap',
      'prohibited resource kind ConfigMap',
    ]);
  });

  test('--no-strict lets unknown fields through', async () => {
    const lenient = await validate([`${CORPUS}/unknown-field-core.yaml`, '--no-strict'], MIRROR_LOCATIONS);
    expect(lenient.code).toBe(0);
  });
});

describe('the rendered sample fleet', () => {
  test.skipIf(!hasMirror)(
    `validates with zero findings against the strict mirror${hasMirror ? '' : ` — skipped: ${MIRROR_SKIP_REASON}`}`,
    async () => {
      const { code, report } = await validate(['--no-builtin'], MIRROR_LOCATIONS, FLEET_ROOT);
      expect(report.resources.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped')).toEqual([]);
      expect(code).toBe(0);
      expect(report.summary.valid).toBeGreaterThanOrEqual(36);
      expect(report.resources.filter((r) => r.status === 'statusSkipped').every((r) => r.kind === 'Kustomization')).toBe(true);
    },
  );

  test('validates with zero findings against the built-in validators', async () => {
    const { code, report } = await validate([], '', FLEET_ROOT);
    expect(report.resources.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped')).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('schema locations', () => {
  const servers: Server[] = [];

  async function serve(files: Record<string, string>, failWith?: number): Promise<{ url: string; hits: string[] }> {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (failWith) {
        res.writeHead(failWith).end();
        return;
      }
      const body = files[req.url ?? ''];
      if (body === undefined) res.writeHead(404).end('not found');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    return { url: `http://127.0.0.1:${address.port}`, hits };
  }

  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  };

  const configMapSchema = JSON.stringify({
    type: 'object',
    additionalProperties: false,
    required: ['apiVersion', 'kind', 'metadata'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      data: { type: 'object', additionalProperties: { type: 'string' } },
    },
  });

  test('over http: a 404 falls through to the next location, the schema is cached on disk, and a server error is an error', async ({
    onTestFinished,
  }) => {
    onTestFinished(closeAll);
    const cache = await mkdtemp(path.join(tmpdir(), 'validate-cache-'));
    onTestFinished(() => rm(cache, { recursive: true, force: true }));
    const empty = await serve({});
    const registry = await serve({ '/v1.32.0/configmap-v1.json': configMapSchema });
    const file = `${CORPUS}/duplicate.yaml`;
    const locations = `${empty.url}/{{.NormalizedKubernetesVersion}}/{{.ResourceKind}}{{.KindSuffix}}.json,${registry.url}/{{.NormalizedKubernetesVersion}}/{{.ResourceKind}}{{.KindSuffix}}.json`;

    const first = await validate([file, '--no-builtin', '--cache', cache], locations);
    expect(first.report.resources.map((r) => r.status)).toEqual(['statusValid', 'statusInvalid']);
    expect(empty.hits).toEqual(['/v1.32.0/configmap-v1.json']);
    expect(registry.hits).toEqual(['/v1.32.0/configmap-v1.json']);

    await closeAll();
    const offline = await validate(
      [file, '--no-builtin', '--cache', cache],
      `${registry.url}/{{.NormalizedKubernetesVersion}}/{{.ResourceKind}}{{.KindSuffix}}.json`,
    );
    expect(offline.report.resources.map((r) => r.status)).toEqual(['statusValid', 'statusInvalid']);

    const broken = await serve({}, 500);
    const failed = await validate([file, '--no-builtin', '--cache', cache], `${broken.url}/{{.ResourceKind}}.json`);
    expect(failed.code).toBe(1);
    expect(failed.report.resources[0]).toMatchObject({ status: 'statusError', msg: expect.stringContaining('HTTP 500') });
  });

  test('$VALIDATE_CACHE_DIR keeps the downloads and compiled validators of every run; --cache wins over it', async ({ onTestFinished }) => {
    onTestFinished(closeAll);
    const shared = await mkdtemp(path.join(tmpdir(), 'validate-shared-'));
    const own = await mkdtemp(path.join(tmpdir(), 'validate-own-'));
    for (const dir of [shared, own]) onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const registry = await serve({ '/v1.32.0/configmap-v1.json': configMapSchema });
    const locations = `${registry.url}/{{.NormalizedKubernetesVersion}}/{{.ResourceKind}}{{.KindSuffix}}.json`;
    const run = async (extra: string[]) => {
      const result = await runScript(
        'validate',
        ['--format', 'json', '--verbose', `${CORPUS}/duplicate.yaml`, '--no-builtin', ...extra],
        REPO_ROOT,
        {
          VALIDATE_SCHEMA_LOCATIONS: locations,
          VALIDATE_CACHE_DIR: shared,
        },
      );
      return { code: result.code, report: JSON.parse(result.stdout) as JsonReport };
    };

    expect((await run([])).report.resources.map((r) => r.status)).toEqual(['statusValid', 'statusInvalid']);
    expect(registry.hits).toEqual(['/v1.32.0/configmap-v1.json']);
    expect((await readdir(path.join(shared, 'http'))).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect((await readdir(path.join(shared, 'validators'))).filter((f) => f.endsWith('.cjs'))).toHaveLength(1);

    // The registry gone: the shared directory answers, unless --cache names another.
    await closeAll();
    expect((await run([])).report.resources.map((r) => r.status)).toEqual(['statusValid', 'statusInvalid']);
    const elsewhere = await run(['--cache', own]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.report.resources[0]).toMatchObject({ status: 'statusError' });
  });

  test("a location without variables gets kubeconform's standard layout; unknown variables are usage errors", async ({
    onTestFinished,
  }) => {
    onTestFinished(closeAll);
    const registry = await serve({ '/schemas/v1.32.0-standalone-strict/configmap-v1.json': configMapSchema });
    const ok = await validate([`${CORPUS}/invalid-name.yaml`, '--no-builtin', '--schema-location', `${registry.url}/schemas`], '');
    expect(ok.report.resources[0]!.validationErrors?.map((e) => e.path)).toEqual(['/metadata/name']);

    const bad = await runScript('validate', ['--schema-location', '{{.Kind}}.json', CORPUS], REPO_ROOT);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('uses unknown variable {{ .Kind }}');
  });
});

describe('report formats', () => {
  test("json is kubeconform's shape; text, tap, junit and github name file and line", async () => {
    const file = `${CORPUS}/deep-document.yaml`;
    const { report } = await validate([file], MIRROR_LOCATIONS);
    expect(Object.keys(report)).toEqual(['resources', 'summary']);
    expect(report.resources[2]).toEqual({
      filename: file,
      kind: 'Service',
      name: 'three',
      version: 'v1',
      status: 'statusInvalid',
      msg: '/spec/ports/0/targetPorts: unknown field "targetPorts"',
      line: 18,
      validationErrors: [{ path: '/spec/ports/0/targetPorts', msg: 'unknown field "targetPorts"', line: 27 }],
    });

    const text = await runScript('validate', [file, '--summary'], REPO_ROOT, { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS });
    expect(text.stdout).toBe(
      `${file}:27: Service shop/three is invalid: /spec/ports/0/targetPorts: unknown field "targetPorts"\nSummary: 3 resources found in 1 files - Valid: 2, Invalid: 1, Errors: 0, Skipped: 0\n`,
    );
    const github = await runScript('validate', [file, '--format', 'github'], REPO_ROOT, { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS });
    expect(github.stdout).toContain(
      `::error file=${file},line=27,title=Kubernetes schema::Service shop/three: /spec/ports/0/targetPorts: unknown field "targetPorts"`,
    );
    const tap = await runScript('validate', [file, '--format', 'tap'], REPO_ROOT, { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS });
    expect(tap.stdout.split('\n')).toEqual([
      'TAP version 13',
      `ok 1 - ${file}:2 (ConfigMap shop/one)`,
      `ok 2 - ${file}:10 (ConfigMap shop/two)`,
      `not ok 3 - ${file}:18 (Service shop/three) - /spec/ports/0/targetPorts: unknown field "targetPorts"`,
      '1..3',
      '',
    ]);
    const junit = await runScript('validate', [file, '--format', 'junit'], REPO_ROOT, { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS });
    expect(junit.stdout).toContain('<testsuites name="validate" tests="3" failures="1" errors="0" disabled="0">');
    expect(junit.stdout).toContain(
      `<failure message="/spec/ports/0/targetPorts: unknown field &quot;targetPorts&quot;" type="ValidationFailure">${file}:27: /spec/ports/0/targetPorts: unknown field &quot;targetPorts&quot;</failure>`,
    );
  });

  test('reads standard input with -', async ({ onTestFinished }) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'validate-stdin-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const input = path.join(dir, 'in.yaml');
    await writeFile(input, await readFile(path.join(REPO_ROOT, CORPUS, 'wrong-type.yaml'), 'utf8'));
    const result = await $({
      nothrow: true,
      quiet: true,
      cwd: REPO_ROOT,
      input: await readFile(input, 'utf8'),
    })`${commandLine('validate')} -`;
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'stdin:8: Deployment shop/web-typed is invalid: /spec/replicas: expected integer, found string "three"',
    );
  });

  test('usage errors exit 2', async () => {
    expect((await runScript('validate', ['--format', 'xml'], REPO_ROOT)).code).toBe(2);
    expect((await runScript('validate', ['--env', 'qa'], FLEET_ROOT)).code).toBe(2);
    expect((await runScript('validate', ['no/such/file.yaml'], REPO_ROOT)).code).toBe(2);
    expect((await runScript('validate', ['--help'], REPO_ROOT)).stdout).toContain('Usage: npm run validate');
  });
});
