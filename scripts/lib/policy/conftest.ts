import { $ } from 'zx';

export const CONFTEST_MISSING = 'policy gate NOT run';

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
