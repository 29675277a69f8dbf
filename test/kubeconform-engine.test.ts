import { describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KUSTOMIZE_BUILD_KINDS, kubeconformArgs, parseKubeconformOutput } from '../scripts/lib/validate/kubeconform-engine.js';
import { parseManifestFile } from '../scripts/lib/validate/manifest-documents.js';
import { FLEET_ROOT, REPO_ROOT, runScript } from './helpers/fixture-repo.js';
import { MIRROR_LOCATIONS, MIRROR_SKIP_REASON } from './helpers/schema-mirror.js';
import { engineForTests, withoutEngines } from './helpers/engines.js';

const kubeconform = await engineForTests('kubeconform');
const realSkip = kubeconform.skipReason || (MIRROR_LOCATIONS === '' ? MIRROR_SKIP_REASON : '');

const FILE = 'test/fixtures/validate/invalid/deep-document.yaml';

/** kubeconform's documented `-output json -summary -verbose` for that file (status names, field order). */
const KUBECONFORM_OUTPUT = JSON.stringify(
  {
    resources: [
      { filename: FILE, kind: 'ConfigMap', name: 'one', version: 'v1', status: 'statusValid', msg: '' },
      { filename: FILE, kind: 'ConfigMap', name: 'two', version: 'v1', status: 'statusValid', msg: '' },
      {
        filename: FILE,
        kind: 'Service',
        name: 'three',
        version: 'v1',
        status: 'statusInvalid',
        msg: "problem validating schema. Check JSON formatting: jsonschema: '/spec/ports/0' does not validate with file:///schemas/service-v1.json#/properties/spec/properties/ports/items/additionalProperties: additionalProperties 'targetPorts' not allowed",
        validationErrors: [{ path: '/spec/ports/0', msg: "additionalProperties 'targetPorts' not allowed" }],
      },
    ],
    summary: { valid: 2, invalid: 1, errors: 0, skipped: 0 },
  },
  null,
  2,
);

describe('--engine kubeconform', () => {
  test('maps kubeconform JSON to results with file-absolute lines', async () => {
    const file = parseManifestFile(FILE, await readFile(path.join(REPO_ROOT, FILE), 'utf8'));
    const results = parseKubeconformOutput(KUBECONFORM_OUTPUT, [file]);
    expect(results.map((r) => [r.kind, r.name, r.status, r.line])).toEqual([
      ['ConfigMap', 'one', 'valid', 2],
      ['ConfigMap', 'two', 'valid', 10],
      ['Service', 'three', 'invalid', 18],
    ]);
    expect(results[2]!.validationErrors).toEqual([
      { path: '/spec/ports/0', msg: "additionalProperties 'targetPorts' not allowed", line: 25 },
    ]);
  });

  test('refuses output that is not kubeconform JSON', () => {
    expect(() => parseKubeconformOutput('panic: runtime error', [])).toThrow(/not its JSON output/);
  });

  test('passes the equivalent flags', () => {
    expect(
      kubeconformArgs(
        {
          locations: ['a/{{.ResourceKind}}.json'],
          strict: true,
          skip: ['Secret'],
          reject: [],
          ignoreMissingSchemas: true,
          cacheDir: '/tmp/c',
        },
        'v1.32.0',
        ['x.yaml'],
      ),
    ).toEqual([
      '-output',
      'json',
      '-summary',
      '-verbose',
      '-n',
      '2',
      '-kubernetes-version',
      '1.32.0',
      '-strict',
      '-schema-location',
      'a/{{.ResourceKind}}.json',
      '-ignore-missing-schemas',
      '-skip',
      `${KUSTOMIZE_BUILD_KINDS.join(',')},Secret`,
      '-cache',
      '/tmp/c',
      'x.yaml',
    ]);
  });

  test.skipIf(realSkip !== '')(`runs the real binary and locates its findings${realSkip ? ` — skipped: ${realSkip}` : ''}`, async () => {
    const result = await runScript('validate', ['--engine', 'kubeconform', '--format', 'json', FILE], REPO_ROOT, {
      VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS,
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^using kubeconform v\d+\.\d+\.\d+ \(.*, from npm run tools\)$/m);
    const report = JSON.parse(result.stdout) as {
      resources: Array<{ name: string; line: number; validationErrors?: Array<{ msg: string }> }>;
    };
    const three = report.resources.find((r) => r.name === 'three');
    expect(three?.line).toBe(18);
    expect(three?.validationErrors?.map((e) => e.msg).join()).toMatch(/targetPorts/);
  });

  test.skipIf(realSkip !== '')(
    `over the whole sample fleet, kubeconform and our validator agree: same objects, same verdicts${realSkip ? ` — skipped: ${realSkip}` : ''}`,
    async () => {
      const env = { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS };
      const [theirs, ours] = await Promise.all([
        runScript('validate', ['--engine', 'kubeconform', '--format', 'json', '--verbose'], FLEET_ROOT, env),
        runScript('validate', ['--format', 'json', '--verbose'], FLEET_ROOT, env),
      ]);
      expect(theirs.code, theirs.stdout.slice(0, 2000)).toBe(0);
      expect(ours.code, ours.stdout.slice(0, 2000)).toBe(0);
      type Report = { resources: Array<{ filename: string; kind: string; name: string; status: string }>; summary: Record<string, number> };
      const verdicts = (report: Report) => report.resources.map((r) => `${r.filename} ${r.kind} ${r.name} ${r.status}`).sort();
      const [a, b] = [JSON.parse(theirs.stdout) as Report, JSON.parse(ours.stdout) as Report];
      expect(a.summary).toEqual(b.summary);
      // Every environment's documents: about 600 objects in the sample fleet.
      expect(a.summary.valid).toBeGreaterThan(500);
      expect(verdicts(a)).toEqual(verdicts(b));
    },
  );

  test('without the binary, --engine kubeconform is a usage error that says how to get it, never a silent pass', async () => {
    const result = await runScript('validate', ['--engine', 'kubeconform', FILE], REPO_ROOT, await withoutEngines());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--engine kubeconform: kubeconform not found: run npm run tools');
  });
});
