import type { z } from 'zod';
import type { YamlPath } from '../yaml/source-map.js';
import type { ConfigProblem } from './problem.js';
import { closestMatch } from '../../../platform/core/closest-match.js';

/**
 * Turns zod issues into problems a person can act on: the file and line of the field, what was
 * expected and what was found. Unknown keys get the list of valid keys and, for a likely typo,
 * the key that was probably meant.
 */
export function zodProblems(error: z.ZodError, schema: z.ZodType, file: string, lineOf: (path: YamlPath) => number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const suggestion = closestMatch(key, known);
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
        problems.push({
          file,
          line: lineOf([...path, key]),
          path: [...path, key],
          message: `unknown key${hint}; expected one of: ${known.join(', ')}`,
        });
      }
      continue;
    }
    problems.push({ file, line: lineOf(path), path, message: describeIssue(issue, knownKeys(schema, path)) });
  }
  return problems;
}

/** `keys`: the keys a mapping at the issue's path may have, to say what a missing mapping holds. */
function describeIssue(issue: z.core.$ZodIssue, keys: readonly string[]): string {
  const found = 'input' in issue ? describeValue(issue.input) : 'nothing';
  if (issue.code === 'custom') return issue.message;
  const expected =
    issue.code === 'invalid_type' && issue.expected === 'object' && keys.length > 0 && !issue.message.startsWith('expected')
      ? `expected a mapping with ${keys.join(', ')}`
      : issue.code === 'invalid_type'
        ? expectedPart(issue.message, issue.expected)
        : '';
  if (issue.code === 'invalid_type' && issue.input === undefined) return `required field is missing (${expected})`;
  if (issue.code === 'invalid_type') return `${expected}, found ${found}`;
  if (issue.code === 'invalid_key') return `invalid key: ${issue.issues.map((i) => i.message).join('; ')}, found ${found}`;
  return `${issue.message}, found ${found}`;
}

/** zod's default type message is "Invalid input: expected X, received Y"; ours start with "expected". */
function expectedPart(message: string, expectedType: string): string {
  return message.startsWith('expected') ? message : `expected ${expectedType}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/** Keys the schema allows at `path` (object shapes, looking through records, lists and wrappers). */
function knownKeys(schema: z.ZodType, path: YamlPath): string[] {
  let node: unknown = schema;
  for (const part of path) {
    node = unwrap(node);
    const def = defOf(node);
    if (def?.type === 'object') node = (def.shape as Record<string, unknown>)[String(part)];
    else if (def?.type === 'record') node = def.valueType;
    else if (def?.type === 'array') node = def.element;
    else return [];
  }
  const def = defOf(unwrap(node));
  return def?.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : [];
}

interface SchemaDef {
  type: string;
  [key: string]: unknown;
}

function defOf(node: unknown): SchemaDef | undefined {
  return (node as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

function unwrap(node: unknown): unknown {
  let current = node;
  for (;;) {
    const def = defOf(current);
    if (def && ['optional', 'default', 'nullable', 'readonly', 'catch'].includes(def.type)) current = def.innerType;
    else if (def?.type === 'pipe') current = def.in;
    else return current;
  }
}
