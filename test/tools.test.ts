import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { ENGINES, engineNamed } from '../scripts/lib/tools/engines.js';
import { readGoMod } from '../scripts/lib/tools/go-module.js';
import {
  describeEngine,
  engineModuleDir,
  enginePin,
  findOnPath,
  locateEngine,
  TOOLS_BIN_VARIABLE,
} from '../scripts/lib/tools/locate-engine.js';
import { engineForTests } from './helpers/engines.js';
import { REPO_ROOT, runScript } from './helpers/fixture-repo.js';

/*
 * The gate engines are Go programs built from pinned modules (tools/<name>/go.mod + go.sum) by
 * npm run tools. These tests check the pins themselves, that what is built is what is pinned, and
 * that the build is idempotent and says what to do without Go.
 */

const located = Object.fromEntries(await Promise.all(ENGINES.map(async (e) => [e.name, await engineForTests(e.name as never)] as const)));
const go = (await $({ nothrow: true, quiet: true })`command -v go`).stdout.trim();

describe('the tools modules', () => {
  test.each(ENGINES.map((e) => [e.name, e] as const))(
    '%s is pinned to a release by a module of its own, with go.sum',
    async (_name, engine) => {
      const dir = engineModuleDir(engine);
      const mod = await readGoMod(dir);
      if (engine.pkg === '.') {
        // A wrapper main in the folder, built against the engine's module as a library.
        expect(mod.tools).toEqual([]);
        expect(await readFile(path.join(dir, 'main.go'), 'utf8')).toContain(`"${engine.module}/`);
      } else expect(mod.tools).toEqual([engine.pkg]);
      const version = mod.requires.get(engine.module);
      // A release tag, never a branch, a pseudo-version or a range.
      expect(version).toMatch(/^v\d+\.\d+\.\d+$/);
      const sums = await readFile(path.join(dir, 'go.sum'), 'utf8');
      expect(sums).toContain(`${engine.module} ${version} h1:`);
      expect(sums).toContain(`${engine.module} ${version}/go.mod h1:`);
      expect(existsSync(path.join(dir, 'vendor'))).toBe(false);
    },
  );

  test('opa is pinned at the version conftest embeds, so both evaluate the pack alike', async () => {
    const conftestDeps = await readGoMod(engineModuleDir(engineNamed('conftest')));
    expect(conftestDeps.requires.get('github.com/open-policy-agent/opa')).toBe(await enginePin(engineNamed('opa')));
  });
});

describe.each(ENGINES.map((e) => [e.name] as const))('%s as the commands find it', (name) => {
  const { located: engine, skipReason } = located[name]!;
  test.skipIf(!engine)(`is the pinned version, built by npm run tools${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
    expect(engine!.source).toBe('tools');
    expect(engine!.version).toBe(engine!.pinned);
    expect(describeEngine(engine!)).toMatch(new RegExp(`^${name} v\\d+\\.\\d+\\.\\d+ \\(.*\\.tools/bin/${name}, from npm run tools\\)$`));
  });
});

test.skipIf(!located.conftest!.located || !located.opa!.located)('conftest reports the OPA version opa is', async () => {
  const conftest = await $({ quiet: true })`${located.conftest!.located!.binary} --version`;
  expect(`v${/^OPA: (\S+)$/m.exec(conftest.stdout)?.[1]}`).toBe(located.opa!.located!.version);
});

describe('finding an engine', () => {
  /** A stand-in binary that prints `version` as kubeconform does. */
  async function fakeKubeconform(dir: string, version: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'kubeconform');
    await writeFile(file, `#!/bin/sh\necho ${version}\n`);
    await chmod(file, 0o755);
    return file;
  }

  test('looks in the tools folder first, then the variable, then PATH, and says when the version is not the pinned one', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'find-engine-'));
    try {
      const pinned = await enginePin(engineNamed('kubeconform'));
      const tools = await fakeKubeconform(path.join(root, 'tools'), pinned);
      const variable = await fakeKubeconform(path.join(root, 'variable'), 'v0.6.0');
      const onPath = await fakeKubeconform(path.join(root, 'path'), 'v0.5.0');
      const env = { [TOOLS_BIN_VARIABLE]: path.dirname(tools), KUBECONFORM: variable, PATH: path.dirname(onPath) };
      expect(await locateEngine('kubeconform', env)).toMatchObject({ binary: tools, source: 'tools', version: pinned, pinned });
      const fromVariable = await locateEngine('kubeconform', { ...env, [TOOLS_BIN_VARIABLE]: path.join(root, 'none') });
      expect(fromVariable).toMatchObject({ binary: variable, source: 'variable', version: 'v0.6.0' });
      expect(describeEngine(fromVariable!)).toMatch(
        new RegExp(
          `^kubeconform v0\\.6\\.0 \\(.*, from \\$KUBECONFORM\\) is NOT the pinned ${pinned.replace(/\./g, '\\.')}; run npm run tools`,
        ),
      );
      expect(await locateEngine('kubeconform', { ...env, [TOOLS_BIN_VARIABLE]: path.join(root, 'none'), KUBECONFORM: '' })).toMatchObject({
        binary: onPath,
        source: 'path',
      });
      expect(
        await locateEngine('kubeconform', { [TOOLS_BIN_VARIABLE]: path.join(root, 'none'), PATH: path.join(root, 'none') }),
      ).toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('npm run tools', () => {
  test.skipIf(!ENGINES.every((e) => located[e.name]!.located))('--check finds every engine current after npm run tools', async () => {
    const result = await runScript('tools', ['--check'], REPO_ROOT);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const engine of ENGINES) expect(result.stdout).toContain(`${engine.name} ${await enginePin(engine)}: current`);
  });

  test.skipIf(go === '')(
    'builds into its folder, keeps a current binary, rebuilds one that changed, and never leaves a partial file',
    async () => {
      // The two small engines keep this quick; the build cache makes a rebuild a link step.
      const bin = await mkdtemp(path.join(tmpdir(), 'tools-bin-'));
      try {
        const env = { [TOOLS_BIN_VARIABLE]: bin };
        const first = await runScript('tools', ['kubeconform', 'actionlint'], REPO_ROOT, env);
        expect(first.code, first.stderr).toBe(0);
        const kubeconform = await enginePin(engineNamed('kubeconform'));
        expect(first.stdout).toMatch(new RegExp(`^kubeconform ${kubeconform.replace(/\./g, '\\.')} built in \\d+\\.\\d s \\(`, 'm'));
        const built = await stat(path.join(bin, 'kubeconform'));

        const second = await runScript('tools', ['kubeconform', 'actionlint'], REPO_ROOT, env);
        expect(second.code, second.stderr).toBe(0);
        expect(second.stdout).toContain(`kubeconform ${kubeconform} current`);
        expect(second.stdout).toContain(`actionlint ${await enginePin(engineNamed('actionlint'))} current`);
        expect((await stat(path.join(bin, 'kubeconform'))).mtimeMs).toBe(built.mtimeMs);

        // A binary that is not the one the stamp records is rebuilt.
        await appendFile(path.join(bin, 'kubeconform'), 'tampered');
        const check = await runScript('tools', ['--check', 'kubeconform'], REPO_ROOT, env);
        expect(check.code).toBe(1);
        expect(check.stdout).toContain(`kubeconform ${kubeconform}: NOT built from the pinned module (run npm run tools)`);
        const third = await runScript('tools', ['kubeconform'], REPO_ROOT, env);
        expect(third.stdout).toMatch(/^kubeconform v\S+ built in/m);
        expect((await $({ quiet: true })`${path.join(bin, 'kubeconform')} -v`).stdout.trim()).toBe(kubeconform);
        const leftovers = (await $({ quiet: true })`ls -A ${bin}`).stdout.split('\n').filter((f) => f.includes('partial'));
        expect(leftovers).toEqual([]);
      } finally {
        await rm(bin, { recursive: true, force: true });
      }
    },
  );

  test('without Go it exits 2, says what to install, and which engines the gates will use meanwhile', async () => {
    // Only what the script runs by name (bash for zx, node), from directories that hold no go.
    const wanted = [path.dirname(process.execPath), '/usr/bin', '/bin'];
    const dirs = wanted.filter((dir, i) => wanted.indexOf(dir) === i && !existsSync(path.join(dir, 'go')));
    expect(await findOnPath('go', { PATH: dirs.join(path.delimiter) })).toBeUndefined();
    const result = await runScript('tools', [], REPO_ROOT, { PATH: dirs.join(path.delimiter), GO: '' });
    expect(result.code, `PATH=${dirs.join(path.delimiter)}\n${result.stdout}${result.stderr}`).toBe(2);
    const goLine = (await readGoMod(engineModuleDir(engineNamed('conftest')))).goVersion;
    expect(result.stderr).toContain(`error: Go not found ($GO, or go on PATH): install Go ${goLine} or newer`);
    if (located.conftest!.located) expect(result.stderr).toMatch(/^ {2}conftest v\S+ \(.*from npm run tools\)$/m);
  });

  test('an unknown tool is a usage error', async () => {
    const result = await runScript('tools', ['kubectl'], REPO_ROOT);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'unknown tool "kubectl"; expected one of: conftest, opa, kubeconform, actionlint, kube-apiserver, etcd, netpol-analyzer, epp, ext-proc-client, prometheus, promtool, crds',
    );
  });
});
