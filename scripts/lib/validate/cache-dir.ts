import path from 'node:path';

/**
 * Environment variable naming the directory where downloaded schemas and compiled validators are
 * kept, for every command that validates (validate, check, promote). Entries are named by the
 * hash of what they were made from, so checkouts, worktrees and CI jobs may share one directory.
 */
export const CACHE_VARIABLE = 'VALIDATE_CACHE_DIR';

/** `--cache` when given, else $VALIDATE_CACHE_DIR, else .cache/validate under the repository root. */
export function validateCacheDir(root: string, flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) return path.resolve(root, flag);
  const named = env[CACHE_VARIABLE];
  return named ? path.resolve(named) : path.join(root, '.cache', 'validate');
}
