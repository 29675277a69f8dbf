import { describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findKubeconform, kubeconformArgs, parseKubeconformOutput } from '../scripts/lib/validate/kubeconform-engine.js';
import { parseManifestFile } from '../scripts/lib/validate/manifest-documents.js';
import { REPO_ROOT, runScript } from './helpers/fixture-repo.js';
import { MIRROR_LOCATIONS } from './helpers/schema-mirror.js';

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
    expect(results[2]!.validationErrors).toEqual([{ path: '/spec/ports/0', msg: "additionalProperties 'targetPorts' not allowed", line: 25 }]);
  });

  test('refuses output that is not kubeconform JSON', () => {
    expect(() => parseKubeconformOutput('panic: runtime error', [])).toThrow(/not its JSON output/);
  });

  test('passes the equivalent flags', () => {
    expect(
      kubeconformArgs({ locations: ['a/{{.ResourceKind}}.json'], strict: true, skip: ['Secret'], reject: [], ignoreMissingSchemas: true, cacheDir: '/tmp/c' }, 'v1.32.0', ['x.yaml']),
    ).toEqual(['-output', 'json', '-summary', '-verbose', '-n', '2', '-kubernetes-version', '1.32.0', '-strict', '-schema-location', 'a/{{.ResourceKind}}.json', '-ignore-missing-schemas', '-skip', 'Secret', '-cache', '/tmp/c', 'x.yaml']);
  });

  test('runs the real binary when it is on PATH', async (context) => {
    const binary = await findKubeconform();
    if (!binary) {
      process.stderr.write('note: skipped the real kubeconform run: kubeconform is not on PATH (it is not in npm or Debian; the PR workflow installs it)\n');
      context.skip();
      return;
    }
    const result = await runScript('validate', ['--engine', 'kubeconform', '--format', 'json', FILE], REPO_ROOT, { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { resources: Array<{ name: string; line: number }> };
    expect(report.resources.find((r) => r.name === 'three')?.line).toBe(18);
  });

  test('without the binary, --engine kubeconform is a usage error, never a silent pass', async (context) => {
    if (await findKubeconform()) {
      context.skip();
      return;
    }
    const result = await runScript('validate', ['--engine', 'kubeconform', FILE], REPO_ROOT);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the kubeconform binary is not on PATH');
  });
});
