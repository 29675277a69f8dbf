import type { YamlPath } from '../yaml/source-map.js';
import { byCodeUnit } from '../../../platform/core/compare.js';

/** One thing wrong with an input file, located for the person who has to fix it. */
export interface ConfigProblem {
  /** Repository-relative path with forward slashes. */
  readonly file: string;
  /** 1-based line, absent when the file itself is missing. */
  readonly line?: number;
  /** 1-based column, where it is known (a YAML syntax error). */
  readonly column?: number;
  /** Field path inside the file, empty for the file as a whole. */
  readonly path: YamlPath;
  /** What was expected and what was found. */
  readonly message: string;
  /** The numbered source lines around the place, with a caret under the column. */
  readonly snippet?: string;
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

/**
 * `file:line: field.path: message` (`file:line:column:` where the column is known), the form
 * editors and CI logs turn into links; then the snippet, indented, when there is one.
 */
export function formatProblem(problem: ConfigProblem): string {
  const column = problem.line !== undefined && problem.column !== undefined ? `:${problem.column}` : '';
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}${column}`;
  const field = problem.path.length > 0 ? ` ${formatPath(problem.path)}:` : '';
  const snippet = problem.snippet === undefined ? '' : `\n${indent(problem.snippet)}`;
  return `${where}:${field} ${problem.message}${snippet}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** Stable order: by file, then line, then message. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => byCodeUnit(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || byCodeUnit(a.message, b.message));
}
