import { $ } from 'zx';

export interface LintFinding {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

/**
 * Lints one workflow with the actionlint binary (npm run tools), from its text, as `file`.
 * shellcheck and pyflakes are off: they are not on every machine, and a finding must not depend
 * on which one runs the suite (the PR workflow runs actionlint with shellcheck on the runner).
 */
export async function lintWorkflow(binary: string, text: string, file: string): Promise<LintFinding[]> {
  const result = await $({
    input: text,
    nothrow: true,
    quiet: true,
  })`${binary} -format ${'{{json .}}'} -shellcheck= -pyflakes= -stdin-filename ${file} -`;
  // actionlint exits 1 when it found problems, 2 or more when it could not run.
  if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(`actionlint failed (exit ${result.exitCode}): ${result.stderr}`);
  return (JSON.parse(result.stdout) as LintFinding[]).map(({ message, line, column, kind }) => ({ message, line, column, kind }));
}
