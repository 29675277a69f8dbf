import type { ErrorObject } from 'ajv';
import { pointerSegments } from './manifest-documents.js';

/** One schema violation: where (a JSON pointer into the document) and what. */
export interface ValidationError {
  readonly path: string;
  readonly msg: string;
}

/**
 * Turns ajv's errors into one readable finding per problem: unknown fields and missing fields
 * point at the field itself, and the noise of `oneOf` (Kubernetes int-or-string fields fail
 * every branch) collapses into one "expected string or integer" line.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[], document: unknown): ValidationError[] {
  // Branch errors of a failed oneOf/anyOf sit at the same instance path (schema paths are
  // relative when validators are split across modules, so they cannot tell branches apart).
  const alternatives = new Set(errors.filter(isAlternative).map((e) => e.instancePath));
  const insideOneOf = (e: ErrorObject) => !isAlternative(e) && alternatives.has(e.instancePath) && BRANCH_KEYWORDS.has(e.keyword);

  const out: ValidationError[] = [];
  for (const error of errors) {
    if (insideOneOf(error)) continue;
    out.push(describe(error, errors, document));
  }
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = `${e.path}\u0000${e.msg}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describe(error: ErrorObject, all: readonly ErrorObject[], document: unknown): ValidationError {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: `${at}/${escape(String(params.additionalProperty))}`, msg: `unknown field "${String(params.additionalProperty)}"` };
    case 'required':
      return { path: `${at}/${escape(String(params.missingProperty))}`, msg: `missing required field "${String(params.missingProperty)}"` };
    case 'format':
      return { path: at, msg: `expected ${formatName(String(params.format))}, found ${describeValue(valueAt(document, at))}` };
    case 'type':
      return { path: at, msg: `expected ${typeList(params.type)}, found ${describeValue(valueAt(document, at))}` };
    case 'enum':
      return {
        path: at,
        msg: `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, found ${describeValue(valueAt(document, at))}`,
      };
    case 'oneOf':
    case 'anyOf': {
      const branches = all.filter((e) => e.instancePath === at && BRANCH_KEYWORDS.has(e.keyword));
      const types = branches
        .filter((e) => e.keyword === 'type')
        .flatMap((e) => [(e.params as { type: unknown }).type].flat().map(String))
        .filter((t) => t !== 'null');
      const format = branches.find((e) => e.keyword === 'format')?.params as { format?: string } | undefined;
      const found = describeValue(valueAt(document, at));
      if (format?.format) return { path: at, msg: `expected ${formatName(format.format)}, found ${found}` };
      if (types.length > 0) return { path: at, msg: `expected ${[...new Set(types)].join(' or ')}, found ${found}` };
      return { path: at, msg: `does not match any allowed form (${error.keyword})` };
    }
    default:
      return { path: at, msg: error.message ?? error.keyword };
  }
}

const BRANCH_KEYWORDS = new Set(['type', 'format', 'enum', 'pattern']);

function formatName(format: string): string {
  return format === 'quantity' ? 'a Kubernetes quantity such as "500m" or "4Gi"' : `a value of format "${format}"`;
}

function isAlternative(error: ErrorObject): boolean {
  return error.keyword === 'oneOf' || error.keyword === 'anyOf';
}

function typeList(type: unknown): string {
  const types = [type]
    .flat()
    .map(String)
    .filter((t) => t !== 'null');
  return types.join(' or ');
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function valueAt(document: unknown, pointer: string): unknown {
  let current = document;
  for (const segment of pointerSegments(pointer)) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (value === undefined) return 'nothing';
  return `${typeof value} ${String(value)}`;
}
