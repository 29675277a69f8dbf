import { describe, expect, test } from 'vitest';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { redactUrlCredentials } from '../scripts/lib/cli/redact.js';
import { satisfiesRange } from '../scripts/lib/doctor/node-range.js';
import { ENGINES } from '../scripts/lib/tools/engines.js';
import { REPO_ROOT, runScript } from './helpers/fixture-repo.js';

/*
 * npm run doctor in throwaway folders: no engines built (an empty $TOOLS_BIN_DIR, no engine on
 * PATH, no Go), a token that must never be printed, an origin whose URL holds a token, and
 * workflows whose gate jobs are the checks branch protection must require.
 */

const SECRET = 'ghp_doctorS3cretValue0123456789';

async function scratch(onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'doctor-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'bin'));
  await mkdir(path.join(dir, 'repo'));
  return dir;
}

/** Runs the doctor in `dir`/repo with nothing of this machine's tools in reach. */
function doctor(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  return runScript('doctor', args, path.join(dir, 'repo'), {
    TOOLS_BIN_DIR: path.join(dir, 'bin'),
    // node and git only: no Go, and no engine found on PATH instead of .tools/bin.
    PATH: [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
    GO: '',
    ...Object.fromEntries(ENGINES.map((e) => [e.variable, ''])),
    VALIDATE_SCHEMA_LOCATIONS: '',
    GITHUB_TOKEN: '',
    ...env,
  });
}

const git = (cwd: string, args: string[]) => $({ cwd, quiet: true })`git ${args}`;

describe('npm run doctor', () => {
  test('missing engines fail, naming npm run tools; warnings alone do not fail', async ({ onTestFinished }) => {
    const dir = await scratch(onTestFinished);
    const result = await doctor(dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    for (const engine of ENGINES)
      expect(result.stdout).toMatch(new RegExp(`^fail ${engine.name} v\\S+: not in .*: run npm run tools`, 'm'));
    expect(result.stdout).toMatch(/^ok {3}node: v\d+\.\d+\.\d+ satisfies ">=20\.19" \(package\.json engines\)$/m);
    expect(result.stdout).toMatch(/^warn go: not found \(\$GO, or go on PATH\): npm run tools needs Go \S+ or newer/m);
    expect(result.stdout).toMatch(
      /^warn schemas: \$VALIDATE_SCHEMA_LOCATIONS is not set: .*the kubeconform gate of npm run check does NOT run/m,
    );
    expect(result.stdout).toMatch(/^warn origin: .* is not a git checkout/m);
    expect(result.stdout).toMatch(/^warn GITHUB_TOKEN: not set/m);
    expect(result.stdout).toMatch(/^warn required checks: no workflow under \.github\/workflows\/ runs a gate/m);
    expect(result.stdout).toMatch(new RegExp(`^\\d+ ok, \\d+ warn, ${ENGINES.length} fail$`, 'm'));

    // The same in JSON, for tools.
    const json = await doctor(dir, ['--format', 'json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.findings.filter((f: any) => f.status === 'fail').map((f: any) => f.check.split(' ')[0])).toEqual(
      ENGINES.map((e) => e.name),
    );
    expect(report.requiredChecks).toEqual([]);
  });

  test('GITHUB_TOKEN is reported as set, and no part of it is ever printed', async ({ onTestFinished }) => {
    const dir = await scratch(onTestFinished);
    // Even where the token is in a URL the doctor shows (a schema location, origin).
    await git(path.join(dir, 'repo'), ['init', '--quiet']);
    await git(path.join(dir, 'repo'), ['remote', 'add', 'origin', `https://github.com/acme/${SECRET}.git`]);
    const env = { GITHUB_TOKEN: SECRET, VALIDATE_SCHEMA_LOCATIONS: `https://${SECRET}@mirror.example/{{.Group}}.json` };
    for (const format of ['text', 'json']) {
      const result = await doctor(dir, ['--format', format], env);
      const output = result.stdout + result.stderr;
      expect(output).toMatch(/GITHUB_TOKEN/);
      for (let i = 0; i + 8 <= SECRET.length; i++) expect(output).not.toContain(SECRET.slice(i, i + 8));
    }
    const text = await doctor(dir, [], env);
    expect(text.stdout).toContain('ok   GITHUB_TOKEN: set (its value is never printed)');
    expect(text.stdout).toContain('ok   schemas: https://***@mirror.example/{{.Group}}.json: remote');
  });

  test("origin's URL is shown with its credentials redacted", async ({ onTestFinished }) => {
    const dir = await scratch(onTestFinished);
    const repo = path.join(dir, 'repo');
    await git(repo, ['init', '--quiet']);
    await git(repo, ['remote', 'add', 'origin', 'https://x-access-token:ghs_inTheUrl42@github.com/acme/llm-fleet.git']);
    const result = await doctor(dir);
    expect(result.stdout).toContain(
      'warn origin: https://***@github.com/acme/llm-fleet.git: the URL holds credentials (shown as ***), stored in .git/config',
    );
    expect(result.stdout).not.toContain('ghs_inTheUrl42');
    expect(result.stdout).not.toContain('x-access-token');

    await git(repo, ['remote', 'set-url', 'origin', 'git@github.com:acme/llm-fleet.git']);
    expect((await doctor(dir)).stdout).toContain('ok   origin: git@github.com:acme/llm-fleet.git\n');
  });

  test('the required checks are the gate jobs of the pull-request workflows, one per matrix value', async ({ onTestFinished }) => {
    const dir = await scratch(onTestFinished);
    const repo = path.join(dir, 'repo');
    await cp(path.join(REPO_ROOT, '.github/workflows'), path.join(repo, '.github/workflows'), { recursive: true });
    for (const env of ['qa', 'live']) await mkdir(path.join(repo, 'clusters', env), { recursive: true });
    for (const env of ['qa', 'live']) await writeFile(path.join(repo, 'clusters', env, 'cluster.yaml'), `name: ${env}\n`);
    // A nameless job with a literal matrix, and a workflow that never runs on pull requests.
    await writeFile(
      path.join(repo, '.github/workflows/lint.yaml'),
      'on: [pull_request]\njobs:\n  lint:\n    strategy:\n      matrix:\n        node: [20, 22]\n    runs-on: ubuntu-24.04\n    steps:\n      - run: npm run lint\n',
    );
    await writeFile(
      path.join(repo, '.github/workflows/nightly.yaml'),
      'on:\n  schedule:\n    - cron: "0 3 * * *"\njobs:\n  all:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: npm test\n',
    );

    const result = await doctor(dir, ['--format', 'json']);
    expect(JSON.parse(result.stdout).requiredChecks).toEqual(['lint (20)', 'lint (22)', 'gates (live)', 'gates (qa)', 'tests']);
    const text = await doctor(dir);
    expect(text.stdout).toContain(
      'ok   required checks: lint (20), lint (22), gates (live), gates (qa), tests (the gate jobs of .github/workflows/lint.yaml, .github/workflows/pr.yaml)',
    );
    expect(text.stdout).toContain(
      'Branch protection on main: require these status checks (and branches to be up to date):\n  lint (20)\n  lint (22)\n  gates (live)\n  gates (qa)\n  tests\n',
    );
  });

  test('schema locations: the ones validate resolves, and whether local folders exist', async ({ onTestFinished }) => {
    const dir = await scratch(onTestFinished);
    await mkdir(path.join(dir, 'schemas'));
    const result = await doctor(dir, [], {
      VALIDATE_SCHEMA_LOCATIONS: `default,${path.join(dir, 'schemas')},${path.join(dir, 'missing')}/{{.Group}}/{{.ResourceKind}}.json`,
      // The default cache, not the one the suite shares (test/setup/fixture-fleets.ts).
      VALIDATE_CACHE_DIR: '',
    });
    expect(result.stdout).toMatch(/^ok {3}schemas: the vendored CRD schemas \(platform\/schemas\/crds\/\), tried first$/m);
    expect(result.stdout).toContain("ok   schemas: default (kubeconform's registry): remote, downloads cached in .cache/validate/");
    expect(result.stdout).toContain(`the local folder ${path.join(dir, 'schemas')} exists`);
    expect(result.stdout).toContain(
      `fail schemas: ${path.join(dir, 'missing')}/{{.Group}}/{{.ResourceKind}}.json: the local folder ${path.join(dir, 'missing')} does NOT exist`,
    );

    const bad = await doctor(dir, [], { VALIDATE_SCHEMA_LOCATIONS: '/x/{{ .Nope }}.json' });
    expect(bad.stdout).toMatch(/^fail schemas: \$VALIDATE_SCHEMA_LOCATIONS: schema location .* uses unknown variable/m);
  });

  test('usage: --help, and a bad flag exits 2 with the hint', async ({ onTestFinished }) => {
    const dir = await scratch(onTestFinished);
    const help = await doctor(dir, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run doctor/);
    const bad = await doctor(dir, ['--format', 'yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --format must be one of text, json, found "yaml"\n(npm run doctor -- --help lists the options)\n');
  });
});

describe('the pieces', () => {
  test('engines ranges', () => {
    const cases: Array<[string, string, boolean | undefined]> = [
      ['v20.20.2', '>=20.19', true],
      ['v20.18.9', '>=20.19', false],
      ['v22.0.0', '>=20.19 <21', false],
      ['v20.19.0', '^20.19.0', true],
      ['v21.0.0', '^20.19.0', false],
      ['v18.1.0', '^18 || ^20', true],
      ['v19.1.0', '^18 || ^20', false],
      ['v20.1.0', '20.x', true],
      ['v20.9.0', '>20', false],
      ['v21.0.0', '>20', true],
      ['v20.19.9', '<=20.19', true],
      ['v20.20.0', '<=20.19', false],
      ['v20.19.3', '~20.19.1', true],
      ['v20.20.0', '~20.19.1', false],
      ['v20.0.0', '*', true],
      ['v20.0.0', 'latest', undefined],
      ['v20.0.0', '1.2.3 - 2.3.4', undefined],
    ];
    expect(cases.map(([version, range]) => [version, range, satisfiesRange(version, range)])).toEqual(cases);
  });

  test('credentials in URLs', () => {
    expect(redactUrlCredentials('https://x-access-token:ghs_abc@github.com/a/b.git')).toBe('https://***@github.com/a/b.git');
    expect(redactUrlCredentials('https://ghp_abc@github.com/a/b.git')).toBe('https://***@github.com/a/b.git');
    expect(redactUrlCredentials('https://github.com/a/b@c.git')).toBe('https://github.com/a/b@c.git');
    expect(redactUrlCredentials('ssh://git@github.com/a/b.git')).toBe('ssh://git@github.com/a/b.git');
    expect(redactUrlCredentials('ssh://git:pw@host/a/b.git')).toBe('ssh://git:***@host/a/b.git');
    expect(redactUrlCredentials('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
  });
});
