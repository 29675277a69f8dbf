/**
 * Vitest global setup: renders the fleets the suite owns (test/fixtures/fleets/<name>/) into a
 * temporary root each, once per run, and hands their paths to the tests. The suite tests the
 * toolkit against these; the repository's own clusters/ and apps/models/ are the fork's fleet,
 * which `npm run check` gates, and no test reads them.
 */
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { $ } from 'zx';
import { commandLine } from '../../scripts/lib/cli/command-line.js';
import { CACHE_VARIABLE } from '../../scripts/lib/validate/cache-dir.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FLEETS = path.join(REPO_ROOT, 'test/fixtures/fleets');
/** Toolkit files a command reads from the repository root beside the fleet (linked, not copied). */
const TOOLKIT_PATHS = ['policies', 'platform', 'scripts'];

declare module 'vitest' {
  export interface ProvidedContext {
    fleetRoots: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'eks-llm-gitops-fleets-'));
  // One schema cache for every command the suite runs (content-addressed: sharing is what it is
  // for), so that each fixture checkout does not compile the same validators again. A test of the
  // cache itself names its own directory.
  process.env[CACHE_VARIABLE] = path.join(scratch, 'validate-cache');
  const roots: Record<string, string> = {};
  const fleets = (await readdir(FLEETS, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const name of fleets.sort()) {
    const root = path.join(scratch, name);
    await mkdir(root);
    await cp(path.join(FLEETS, name), root, { recursive: true });
    for (const entry of TOOLKIT_PATHS) await symlink(path.join(REPO_ROOT, entry), path.join(root, entry));
    const render = await $({ nothrow: true, quiet: true, cwd: root })`${commandLine('render')} --root ${root}`;
    if (render.exitCode !== 0) throw new Error(`rendering the fixture fleet ${name} failed:\n${render.stdout}${render.stderr}`);
    // One commit, as a fork's checkout has: the policy gate takes each environment's versions at
    // HEAD as its baseline (PRM-001), and promotion reads history. The linked toolkit stays out.
    await $({ quiet: true, cwd: root })`git init -q -b main`;
    await writeFile(path.join(root, '.git', 'info', 'exclude'), `${TOOLKIT_PATHS.map((p) => `/${p}`).join('\n')}\n`);
    await $({ quiet: true, cwd: root })`git add -A`;
    await $({ quiet: true, cwd: root })`git -c user.name=fixture -c user.email=fixture@example.com commit -q -m ${`the ${name} fleet`}`;
    roots[name] = root;
  }
  project.provide('fleetRoots', roots);
  return () => rm(scratch, { recursive: true, force: true });
}
