import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TOOL_ROOT } from '../cli/tool-root.js';
import { CLUSTER_FILE, CLUSTERS_DIR, MODELS_DIR } from '../config/load-fleet.js';
import { removeTopLevelKey } from '../yaml/remove-key.js';
import { Git } from '../promote/git.js';
import { PRICES_FILE } from '../report/pricing.js';

/**
 * The sandbox's two repositories: a clone holding a snapshot of a fleet, committed once to
 * main, and a bare repository as its `origin`, where promote pushes its branches.
 */
export interface SandboxRepositories {
  /** The working clone (promote and pr-report run here). */
  readonly work: string;
  /** The bare repository, the clone's origin. */
  readonly origin: string;
  /** The one commit on main. */
  readonly commit: string;
  /** Its committer date: when every version in it starts to soak. */
  readonly committedAt: Date;
  /** Where the snapshot came from, in words. */
  readonly source: string;
}

/** The folders of the fleet the sandbox copies: the inputs and their committed renders. */
export const FLEET_DIRS = [CLUSTERS_DIR, MODELS_DIR];

const IDENTITY = { name: 'eks-llm-gitops sandbox', email: 'sandbox@example.invalid' };

/**
 * Creates both repositories under `dir`. The snapshot is the fleet as it is on disk at `root`:
 * in a git checkout, its committed HEAD plus every uncommitted change (tracked or untracked, not
 * ignored) under clusters/ and apps/models/, so an edit can be tried before it is committed;
 * elsewhere, those two folders as they are. The price table the PR report reads comes from
 * `root` when it has one, else from the toolkit.
 */
export async function createSandboxRepositories(root: string, dir: string, committedAt: Date): Promise<SandboxRepositories> {
  const work = path.join(dir, 'fleet');
  const origin = path.join(dir, 'origin.git');
  await mkdir(work, { recursive: true });
  const source = `${await copyFleet(root, work)}; ${await withoutEvidence(work)}`;
  const prices = (await exists(path.join(root, PRICES_FILE))) ? root : TOOL_ROOT;
  await copyFile(path.join(prices, PRICES_FILE), path.join(work, PRICES_FILE));
  // promote keeps its schema cache in .cache/ of the checkout; a dirty tree would stop it.
  await writeFile(path.join(work, '.gitignore'), 'node_modules/\n.cache/\n');

  await new Git(dir).run(['init', '--quiet', '--bare', '--initial-branch=main', origin]);
  const git = new Git(work);
  await git.run(['init', '--quiet', '--initial-branch=main']);
  // Local settings (worktrees share them): promote's commits get this identity, and a signing
  // or hook setup of the user's global configuration does not apply to throwaway commits.
  for (const [key, value] of [
    ['user.name', IDENTITY.name],
    ['user.email', IDENTITY.email],
    ['commit.gpgsign', 'false'],
    ['core.hooksPath', '/dev/null'],
  ] as const)
    await git.run(['config', key, value]);
  await git.run(['add', '--all']);
  const date = committedAt.toISOString();
  await git.run(['commit', '--quiet', '--no-verify', '-m', `sandbox: the fleet of ${root}`], {
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
  await git.run(['remote', 'add', 'origin', origin]);
  await git.run(['push', '--quiet', 'origin', 'main']);
  return { work, origin, commit: await git.run(['rev-parse', 'HEAD']), committedAt, source };
}

/** Copies clusters/ and apps/models/ of `root` into `work`; returns what was copied, in words. */
async function copyFleet(root: string, work: string): Promise<string> {
  const git = new Git(root);
  const inGit = await git.run(['rev-parse', '--is-inside-work-tree']).then(
    (answer) => answer === 'true',
    () => false,
  );
  if (!inGit) {
    for (const folder of FLEET_DIRS) {
      if (!(await exists(path.join(root, folder)))) continue;
      await cp(path.join(root, folder), path.join(work, folder), {
        recursive: true,
        // Staging folders of an interrupted render are not part of the fleet.
        filter: (file) => !path.basename(file).startsWith('.render-'),
      });
    }
    return `${FLEET_DIRS.map((f) => `${f}/`).join(' and ')} of ${root} as they are on disk (not a git checkout)`;
  }
  const listed = await git.raw(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...FLEET_DIRS]);
  // A tracked file deleted in the working tree is listed but not copied: the snapshot is the disk.
  for (const file of new Set(listed.split('\0').filter((f) => f !== ''))) {
    if (await exists(path.join(root, file))) await copyFile(path.join(root, file), path.join(work, file));
  }
  const head = await git.run(['rev-parse', '--short=12', 'HEAD']).catch(() => undefined);
  const changes = (await git.run(['status', '--porcelain', '--untracked-files=all', '--', ...FLEET_DIRS]))
    .split('\n')
    .filter((l) => l !== '');
  const where = head === undefined ? `${root} (no commit yet)` : `${root} at HEAD ${head}`;
  const changed =
    changes.length === 0 ? 'no uncommitted changes' : `${changes.length} uncommitted change${changes.length === 1 ? '' : 's'}`;
  return `${where}, ${changed} under ${FLEET_DIRS.map((f) => `${f}/`).join(' and ')}`;
}

/**
 * No Prometheus holds the fleet's metrics here: the snapshot's environments lose
 * monitoring.queryUrl, so promotion judges soak time alone (and says so in each PR).
 */
async function withoutEvidence(work: string): Promise<string> {
  const dir = path.join(work, CLUSTERS_DIR);
  const envs = await readdir(dir).catch(() => [] as string[]);
  for (const env of envs) {
    const file = path.join(dir, env, CLUSTER_FILE);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) await writeFile(file, removeTopLevelKey(text, 'monitoring'));
  }
  return 'monitoring.queryUrl removed (no Prometheus here: soak time alone decides)';
}

async function copyFile(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await cp(from, to);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
