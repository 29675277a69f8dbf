import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';

/** The variable that names the conftest binary, when it is not `conftest` on PATH. */
export const CONFTEST_VARIABLE = 'CONFTEST';

export const CONFTEST_MISSING = 'policy gate NOT run: conftest not found';

export const CONFTEST_INSTALL_HINT =
  'install conftest >= 0.60 (https://www.conftest.dev/install/) or set CONFTEST=/path/to/conftest';

/** The conftest binary: $CONFTEST, else `conftest` on PATH; undefined when there is none. */
export async function findConftest(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const configured = env[CONFTEST_VARIABLE];
  if (configured) return (await isExecutable(configured)) ? path.resolve(configured) : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'conftest');
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ConftestRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs conftest with arguments (never through a shell) and returns what it said. */
export async function runConftest(binary: string, args: readonly string[], cwd: string): Promise<ConftestRun> {
  const result = await $({ cwd, nothrow: true, quiet: true })`${binary} ${args}`;
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}
