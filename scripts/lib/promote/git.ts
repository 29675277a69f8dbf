import { $ } from 'zx';

/**
 * The git commands promotion needs, run in one repository directory. Arguments are passed as an
 * array (zx quotes each), never built into a shell string.
 */
export class Git {
  constructor(readonly dir: string) {}

  /** Runs git and returns trimmed stdout; throws with git's own message on failure. */
  async run(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
    return (await this.raw(args, env)).trim();
  }

  /** Runs git and returns stdout exactly as printed. */
  async raw(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
    const result = await $({ cwd: this.dir, quiet: true, nothrow: true, env: { ...process.env, ...env } })`git ${args}`;
    if (result.exitCode !== 0) throw new GitError(args, result.stderr.trim() || result.stdout.trim());
    return result.stdout;
  }

  /** Uncommitted changes (tracked or untracked, ignored files excluded). */
  async statusPorcelain(): Promise<string> {
    return this.run(['status', '--porcelain']);
  }

  /**
   * Fetches a branch of `remote` into FETCH_HEAD only, and returns its commit. No local ref
   * changes, so a dry run leaves the repository's refs exactly as they were.
   */
  async fetchBranch(remote: string, branch: string): Promise<string> {
    await this.run(['-c', `remote.${remote}.fetch=`, 'fetch', '--no-tags', '--quiet', remote, `refs/heads/${branch}`]);
    return this.run(['rev-parse', 'FETCH_HEAD^{commit}']);
  }

  /** Commit of a remote branch, or undefined when it does not exist. */
  async remoteBranch(remote: string, branch: string): Promise<string | undefined> {
    const line = await this.run(['ls-remote', remote, `refs/heads/${branch}`]);
    return line === '' ? undefined : line.split(/\s+/)[0];
  }

  /** Fetches a commit by id (for comparing trees) without touching refs. */
  async fetchCommit(remote: string, commit: string): Promise<void> {
    await this.run(['-c', `remote.${remote}.fetch=`, 'fetch', '--no-tags', '--quiet', remote, commit]);
  }

  async treeOf(commit: string): Promise<string> {
    return this.run(['rev-parse', `${commit}^{tree}`]);
  }

  /** A file's content at a commit, or undefined if it did not exist there. */
  async show(commit: string, file: string): Promise<string | undefined> {
    try {
      return await this.raw(['show', `${commit}:${file}`]);
    } catch (error) {
      if (error instanceof GitError && /does not exist|exists on disk, but not in/.test(error.message)) return undefined;
      throw error;
    }
  }
}

export class GitError extends Error {
  constructor(args: readonly string[], detail: string) {
    // The `-c remote.<name>.fetch=` pair only keeps refs untouched; it is noise in a message.
    const shown = args.filter((a, i) => !a.startsWith('remote.') && !(a === '-c' && args[i + 1]?.startsWith('remote.')));
    super(`git ${shown.join(' ')} failed: ${detail}`);
  }
}
