import { loadAll, YAMLException } from 'js-yaml';
import { YamlSourceMap, type YamlPath } from '../yaml/source-map.js';
import { describeYamlError } from '../yaml/syntax-error.js';
import type { ConfigProblem } from './problem.js';

export interface ParsedInput {
  readonly value: unknown;
  /** 1-based line of the field at `path` (or of its nearest existing parent). */
  readonly lineOf: (path: YamlPath) => number;
}

/**
 * Parses a hand-edited input file that must hold exactly one YAML document. Duplicate keys are
 * errors (js-yaml's default), so a model listed twice is reported rather than silently merged.
 */
export function parseInputYaml(text: string, file: string): ParsedInput | ConfigProblem {
  let documents: unknown[];
  try {
    documents = loadAll(text, { filename: file });
  } catch (error) {
    if (error instanceof YAMLException) {
      const { line, column, reason, snippet } = describeYamlError(error, text);
      return { file, line, column, path: [], message: `YAML syntax error: ${reason}`, snippet };
    }
    throw error;
  }
  const present = documents.filter((d) => d !== null && d !== undefined);
  const doc = documents.findIndex((d) => d !== null && d !== undefined);
  if (present.length !== 1) {
    return {
      file,
      line: 1,
      path: [],
      message: `expected exactly one YAML document, found ${present.length === 0 ? 'an empty file' : `${documents.length} documents`}`,
    };
  }
  const source = YamlSourceMap.of(text, file);
  return { value: present[0], lineOf: (path) => source.lineOf(path, doc) };
}

export function isProblem(result: ParsedInput | ConfigProblem): result is ConfigProblem {
  return 'message' in result;
}
