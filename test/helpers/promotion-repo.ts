import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import type { TestContext } from 'vitest';
import { FakeGitHub } from './fake-github.js';
import { removeTopLevelKey } from '../../scripts/lib/yaml/remove-key.js';
import { setScalars } from '../../scripts/lib/yaml/edit-scalars.js';
import { FLEET_ROOT, runScript, type CliResult } from './fixture-repo.js';

/**
 * A real git repository for promotion tests: a bare repository as `origin` and a clone holding
 * the suite's sample fleet, with commits dated on purpose so soak times are known.
 */
export interface PromotionRepo {
  readonly work: string;
  readonly origin: string;
  /** git in the working clone. */
  git(args: string[], env?: Record<string, string>): Promise<string>;
  /** git in the bare origin. */
  originGit(args: string[]): Promise<string>;
  /** Commits an edit of one file (exact text replacement) at `date` and pushes it to origin/main. */
  commitEdit(file: string, from: string, to: string, date: Date, message: string): Promise<string>;
  /** Runs `npm run promote` in the clone. */
  promote(args: string[], env: Record<string, string>): Promise<CliResult>;
  read(file: string): Promise<string>;
  dispose(): Promise<void>;
}

const IDENTITY = ['-c', 'user.name=Fleet Maintainer', '-c', 'user.email=maintainer@example.com'];

/**
 * `queryUrl`: every environment's monitoring.queryUrl (a test's Prometheus); without it the
 * copies have none, and promotion judges soak time alone.
 */
export async function promotionRepo(initialDate: Date, options: { queryUrl?: string } = {}): Promise<PromotionRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'promotion-'));
  const origin = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  const dated = (date: Date) => ({ GIT_AUTHOR_DATE: date.toISOString(), GIT_COMMITTER_DATE: date.toISOString() });
  const git = async (args: string[], env: Record<string, string> = {}, cwd = work) =>
    (await $({ cwd, quiet: true, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', ...env } })`git ${args}`).stdout.trim();

  await $({ quiet: true })`git init --quiet --bare --initial-branch=main ${origin}`;
  await $({ quiet: true })`git init --quiet --initial-branch=main ${work}`;
  await cp(path.join(FLEET_ROOT, 'apps/models'), path.join(work, 'apps/models'), { recursive: true });
  await cp(path.join(FLEET_ROOT, 'clusters'), path.join(work, 'clusters'), {
    recursive: true,
    filter: (s) => !path.basename(s).startsWith('.render-'),
  });
  for (const env of await readdir(path.join(work, 'clusters'))) {
    const file = path.join(work, 'clusters', env, 'cluster.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      options.queryUrl === undefined
        ? removeTopLevelKey(text, 'monitoring')
        : setScalars(text, file, [{ path: ['monitoring', 'queryUrl'], value: options.queryUrl }]),
    );
  }
  await writeFile(path.join(work, '.gitignore'), 'node_modules/\n.cache/\n');
  await git(['add', '--all']);
  await git([...IDENTITY, 'commit', '--quiet', '-m', 'initial fleet'], dated(initialDate));
  await git(['remote', 'add', 'origin', origin]);
  await git(['push', '--quiet', 'origin', 'main']);

  return {
    work,
    origin,
    git: (args, env) => git(args, env),
    originGit: (args) => git(args, {}, origin),
    read: (file) => readFile(path.join(work, file), 'utf8'),
    async commitEdit(file, from, to, date, message) {
      const absolute = path.join(work, file);
      const text = await readFile(absolute, 'utf8');
      if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
      await writeFile(absolute, text.replace(from, to));
      await git(['add', file]);
      await git([...IDENTITY, 'commit', '--quiet', '-m', message], dated(date));
      await git(['push', '--quiet', 'origin', 'main']);
      return git(['rev-parse', 'HEAD']);
    },
    promote: (args, env) => runScript('promote', args, work, env),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The sample fleet's dates: staging ahead of prod on both models since T0. */
export const T0 = new Date('2026-11-01T00:00:00Z');
export const at = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);
export const SMALL = 'llama-3-1-8b-instruct';
export const TOKEN = 'ghp_testtoken_never_printed';
export const BRANCH = `promote/prod/${SMALL}`;

export interface PromotionSetup {
  readonly repo: PromotionRepo;
  readonly github: FakeGitHub;
  readonly env: Record<string, string>;
  promote(...args: string[]): Promise<CliResult>;
}

/** A promotion repository and a GitHub stand-in for acme/llm-fleet, both gone when the test ends. */
export async function promotionSetup(
  onTestFinished: TestContext['onTestFinished'],
  extraEnv: Record<string, string> = {},
  options: { queryUrl?: string } = {},
): Promise<PromotionSetup> {
  const repo = await promotionRepo(T0, options);
  const github = await new FakeGitHub('acme', 'llm-fleet', TOKEN).start();
  onTestFinished(async () => {
    await github.stop();
    await repo.dispose();
  });
  const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/llm-fleet', ...extraEnv };
  return { repo, github, env, promote: (...args) => repo.promote(args, env) };
}
