import type { z } from 'zod';
import type { YamlPath } from '../yaml/source-map.js';
import type { ConfigProblem } from './problem.js';
import { closestMatch } from '../../../platform/core/closest-match.js';

/**
 * Turns zod issues into problems a person can act on: the file and line of the field, what was
 * expected and what was found. Unknown keys get the list of valid keys and, for a likely typo,
 * the key that was probably meant; a typo of a required key is one problem, at the typo, not a
 * missing key and an unknown one.
 */
export function zodProblems(error: z.ZodError, schema: z.ZodType, file: string, lineOf: (path: YamlPath) => number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const issues = error.issues.map((issue) => ({ issue, path: issue.path.filter((p): p is string | number => typeof p !== 'symbol') }));
  const missing = missingKeys(issues);
  /** Missing keys an unknown key was taken for a typo of: reported with it, not again. */
  const explained = new Set<string>();
  for (const { issue, path } of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const meant = closestMatch(
          key,
          (missing.get(parentKey(path)) ?? []).filter((m) => !explained.has(parentKey([...path, m]))),
        );
        if (meant !== undefined) explained.add(parentKey([...path, meant]));
        const suggestion = meant ?? closestMatch(key, known);
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
        problems.push({
          file,
          line: lineOf([...path, key]),
          path: [...path, key],
          message:
            meant !== undefined
              ? `unknown key "${key}"; did you mean "${meant}"? (${meant} is required)`
              : `unknown key${hint}; expected one of: ${known.join(', ')}`,
        });
      }
    }
  }
  for (const { issue, path } of issues) {
    if (issue.code === 'unrecognized_keys' || (isMissing(issue) && explained.has(parentKey(path)))) continue;
    problems.push({ file, line: lineOf(path), path, message: describeIssue(issue, knownKeys(schema, path)) });
  }
  return problems;
}

function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_type' && issue.input === undefined;
}

function parentKey(path: YamlPath): string {
  return path.map(String).join('\u0000');
}

/** Required keys that are missing, by the path of the mapping that lacks them. */
function missingKeys(issues: ReadonlyArray<{ issue: z.core.$ZodIssue; path: YamlPath }>): Map<string, string[]> {
  const byParent = new Map<string, string[]>();
  for (const { issue, path } of issues) {
    const key = path[path.length - 1];
    if (!isMissing(issue) || typeof key !== 'string') continue;
    const parent = parentKey(path.slice(0, -1));
    byParent.set(parent, [...(byParent.get(parent) ?? []), key]);
  }
  return byParent;
}

/** `keys`: the keys a mapping at the issue's path may have, to say what a missing mapping holds. */
function describeIssue(issue: z.core.$ZodIssue, keys: readonly string[]): string {
  const found = 'input' in issue ? describeValue(issue.input) : 'nothing';
  if (issue.code === 'custom') return withFound(issue.message, 'input' in issue ? issue.input : undefined);
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

/**
 * A refinement's message is the rule ("expected ..."); say what was found, as every other value
 * error does, unless the message already does. A mapping or list is named by its fields' own
 * problems, and messages that are not "expected ..." (a flag that cannot be set) name no value.
 */
function withFound(message: string, input: unknown): string {
  const scalar = input !== undefined && (input === null || typeof input !== 'object');
  if (!scalar || !message.startsWith('expected') || /\bfound\b/.test(message)) return message;
  return `${message}, found ${describeValue(input)}`;
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
