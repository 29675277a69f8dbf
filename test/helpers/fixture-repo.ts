import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { $ } from 'zx';
import { commandLine } from '../../scripts/lib/cli/command-line.js';
import { readTree } from '../../scripts/lib/render/rendered-tree.js';
import { PRICES_FILE } from '../../scripts/lib/report/pricing.js';
import { removeTopLevelKey } from '../../scripts/lib/yaml/remove-key.js';

/** The toolkit under test: its code, policies, docs and workflows. Its clusters/ and apps/models/ are the fork's fleet, which no test reads. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The fleets the suite owns (test/fixtures/fleets/<name>/), rendered once per run by
 * test/setup/fixture-fleets.ts: inputs, manifests and bootstrap, with the toolkit's policies/,
 * platform/ and scripts/ linked beside them. Read-only: copy one with makeFixtureRepo to change it.
 */
export const FLEET_ROOTS = inject('fleetRoots');
/** The sample fleet the suite owns: three environments (dev, staging, prod), two models. */
export const FLEET_ROOT = FLEET_ROOTS.sample!;

/** A throwaway copy of a fixture fleet's inputs and rendered manifests. */
export interface FixtureRepo {
  readonly root: string;
  read(file: string): Promise<string>;
  write(file: string, text: string): Promise<void>;
  /** Replaces one exact occurrence of `from`; fails the test if it is not there. */
  edit(file: string, from: string, to: string): Promise<void>;
  /** 1-based line of the first line containing `needle`. */
  lineOf(file: string, needle: string): Promise<number>;
  /** Every file under clusters/, by repository-relative path. */
  clustersTree(): Promise<Map<string, string>>;
  dispose(): Promise<void>;
}

export async function makeFixtureRepo(fleet = 'sample'): Promise<FixtureRepo> {
  const source = FLEET_ROOTS[fleet];
  if (!source) throw new Error(`no fixture fleet ${fleet} under test/fixtures/fleets/`);
  const root = await mkdtemp(path.join(tmpdir(), 'eks-llm-gitops-'));
  await cp(path.join(source, 'apps/models'), path.join(root, 'apps/models'), { recursive: true });
  await cp(path.join(source, 'clusters'), path.join(root, 'clusters'), {
    recursive: true,
    filter: (source) => !path.basename(source).startsWith('.render-'),
  });
  const read = (file: string) => readFile(path.join(root, file), 'utf8');
  return {
    root,
    read,
    async write(file, text) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), text);
    },
    async edit(file, from, to) {
      const text = await read(file);
      if (!text.includes(from)) throw new Error(`fixture edit: ${file} does not contain ${JSON.stringify(from)}`);
      await writeFile(path.join(root, file), text.replace(from, to));
    },
    async lineOf(file, needle) {
      const index = (await read(file)).split('\n').findIndex((line) => line.includes(needle));
      if (index === -1) throw new Error(`fixture: ${file} has no line containing ${JSON.stringify(needle)}`);
      return index + 1;
    },
    clustersTree: () => readTree(root, 'clusters'),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * A fixture repository as the PR report reads one: a git repository whose one commit (the base)
 * holds the inputs, the committed manifests and the repository's reviewed price table.
 */
export async function makeReportRepo(): Promise<FixtureRepo> {
  const repo = await makeFixtureRepo();
  await repo.write(PRICES_FILE, await readFile(path.join(REPO_ROOT, PRICES_FILE), 'utf8'));
  await $({
    cwd: repo.root,
    quiet: true,
  })`git init -q -b main && git add -A && git -c user.name=t -c user.email=t@example.com commit -q -m base`;
  return repo;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `scripts/<script>.ts` as `npm run` would, against `root`, with extra environment variables. */
export async function runScript(
  script: string,
  args: readonly string[],
  root: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  // As the npm scripts run it: the launcher, which runs the command from its bundle.
  const result = await $({
    nothrow: true,
    quiet: true,
    cwd: root,
    env: { ...process.env, ...env },
  })`${commandLine(script)} ${args}`;
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Switches every environment of a fixture repository to `engine`. Flux runs no canaries (a
 * cluster.yaml with `canary` is refused under Flux), so switching to it drops their blocks.
 */
export async function useEngine(repo: FixtureRepo, engine: 'argocd' | 'flux'): Promise<void> {
  for (const env of ['dev', 'staging', 'prod']) {
    const file = `clusters/${env}/cluster.yaml`;
    const text = (await repo.read(file)).replace(/engine: (argocd|flux)/, `engine: ${engine}`);
    await repo.write(file, engine === 'flux' ? removeTopLevelKey(text, 'canary') : text);
  }
}
