import { describe, expect, test } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { $ } from 'zx';
import { ensureBundle, fingerprint } from '../scripts/launch.mjs';
import { LAUNCHER } from '../scripts/lib/cli/command-line.js';
import { FLEET_ROOT, REPO_ROOT } from './helpers/fixture-repo.js';

/*
 * Every npm script runs its command from a bundle (scripts/launch.mjs): built when the sources
 * change, never stale, never half-written, and doing what the TypeScript does under tsx.
 */

async function tinyRepo(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'launch-'));
  await mkdir(path.join(root, 'scripts', 'lib'), { recursive: true });
  await writeFile(path.join(root, 'package-lock.json'), '{}\n');
  await writeFile(path.join(root, 'scripts', 'lib', 'word.ts'), "export const WORD: string = 'first';\n");
  await writeFile(
    path.join(root, 'scripts', 'hello.ts'),
    "import { WORD } from './lib/word.js';\nprocess.stdout.write(`${WORD} ${process.argv.slice(2).join(' ')}\\n`);\n",
  );
  return root;
}

const run = (dir: string, args: string[] = []) => $({ quiet: true })`${process.execPath} ${path.join(dir, 'hello.mjs')} ${args}`;

describe('the launcher', () => {
  test('builds a bundle once, reuses it, and builds a new one when a source changes', async ({ onTestFinished }) => {
    const root = await tinyRepo();
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    const first = await ensureBundle(root);
    expect(path.dirname(first)).toBe(path.join(root, '.build'));
    expect((await run(first, ['a', 'b'])).stdout).toBe('first a b\n');
    const marker = await readFile(path.join(first, 'fingerprint'), 'utf8');
    expect(await ensureBundle(root)).toBe(first);
    expect(await readFile(path.join(first, 'fingerprint'), 'utf8')).toBe(marker);

    // An edit to an imported file, not to the entry: still a new bundle.
    await writeFile(path.join(root, 'scripts', 'lib', 'word.ts'), "export const WORD: string = 'second';\n");
    const second = await ensureBundle(root);
    expect(second).not.toBe(first);
    expect((await run(second)).stdout).toBe('second \n');
    // The lockfile (node_modules) is part of the fingerprint too.
    const before = await fingerprint(root);
    await writeFile(path.join(root, 'package-lock.json'), '{"lockfileVersion": 3}\n');
    expect(await fingerprint(root)).not.toBe(before);
    // No scratch folder is left behind.
    expect((await readdir(path.join(root, '.build'))).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    // A source that does not compile fails the build; the bundles already built stay as they were.
    await writeFile(path.join(root, 'scripts', 'lib', 'word.ts'), 'export const WORD: string = ;\n');
    await expect(ensureBundle(root)).rejects.toThrow(/Build failed/);
    expect((await readdir(path.join(root, '.build'))).sort()).toEqual([path.basename(first), path.basename(second)].sort());
    expect((await run(second)).stdout).toBe('second \n');
  });

  test('runs that start together build the same bundle and all succeed', async ({ onTestFinished }) => {
    const root = await tinyRepo();
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    const launcher = pathToFileURL(LAUNCHER).href;
    const script = `const { ensureBundle } = await import(${JSON.stringify(launcher)}); process.stdout.write(await ensureBundle(${JSON.stringify(root)}));`;
    const runs = await Promise.all([1, 2, 3, 4].map(() => $({ quiet: true })`${process.execPath} --input-type=module -e ${script}`));
    const dirs = new Set(runs.map((r) => r.stdout));
    expect(dirs.size).toBe(1);
    expect((await run([...dirs][0]!)).stdout).toBe('first \n');
    expect((await readdir(path.join(root, '.build'))).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  test('an unknown command or no command is a usage error (exit 2)', async () => {
    const unknown = await $({ nothrow: true, quiet: true, cwd: REPO_ROOT })`${process.execPath} ${LAUNCHER} nosuch`;
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no command "nosuch": there is no scripts/nosuch.ts');
    const none = await $({ nothrow: true, quiet: true, cwd: REPO_ROOT })`${process.execPath} ${LAUNCHER}`;
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('Usage: node scripts/launch.mjs <command>');
    const outside = await $({ nothrow: true, quiet: true, cwd: REPO_ROOT })`${process.execPath} ${LAUNCHER} ../package`;
    expect([outside.exitCode, outside.stderr]).toEqual([2, expect.stringContaining('Usage: node scripts/launch.mjs <command>')]);
  });

  test('every npm script that runs a command goes through the launcher', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const commands = (await readdir(path.join(REPO_ROOT, 'scripts'))).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    const launched = Object.values(pkg.scripts)
      .map((s) => /^node scripts\/launch\.mjs ([a-z-]+)$/.exec(s)?.[1])
      .filter((s): s is string => s !== undefined);
    expect(Object.values(pkg.scripts).filter((s) => s.includes('tsx'))).toEqual([]);
    expect([...launched].sort()).toEqual([...commands].sort());
  });

  test('the bundle does what the sources do under tsx: validate, render --check, netpol', async () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const env = process.env;
    for (const [name, args] of [
      ['validate', ['--format', 'json']],
      ['render', ['--check']],
      ['netpol', ['--format', 'json']],
    ] as const) {
      const bundled = await $({ nothrow: true, quiet: true, cwd: FLEET_ROOT, env })`${process.execPath} ${LAUNCHER} ${name} ${args}`;
      const source = await $({
        nothrow: true,
        quiet: true,
        cwd: FLEET_ROOT,
        env,
      })`${process.execPath} --import ${pathToFileURL(tsx).href} ${path.join(REPO_ROOT, 'scripts', `${name}.ts`)} ${args}`;
      expect({ name, code: bundled.exitCode, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual({
        name,
        code: source.exitCode,
        stdout: source.stdout,
        stderr: source.stderr,
      });
    }
  });
});
