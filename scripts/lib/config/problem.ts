import type { YamlPath } from '../yaml/source-map.js';
import { byCodeUnit } from '../../../platform/core/compare.js';

/** One thing wrong with an input file, located for the person who has to fix it. */
export interface ConfigProblem {
  /** Repository-relative path with forward slashes. */
  readonly file: string;
  /** 1-based line, absent when the file itself is missing. */
  readonly line?: number;
  /** Field path inside the file, empty for the file as a whole. */
  readonly path: YamlPath;
  /** What was expected and what was found. */
  readonly message: string;
}

/** `a.b[2].c` */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** `file:line: field.path: message`, the form editors and CI logs turn into links. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const field = problem.path.length > 0 ? ` ${formatPath(problem.path)}:` : '';
  return `${where}:${field} ${problem.message}`;
}

/** Stable order: by file, then line, then message. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => byCodeUnit(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || byCodeUnit(a.message, b.message));
}
