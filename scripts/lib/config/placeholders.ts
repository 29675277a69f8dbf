import type { YamlPath } from '../yaml/source-map.js';

/**
 * A value a scaffold (new:env, new:model) could not know: `"FILL(what to put here)"`. Loading
 * refuses any input that still holds one, naming the field and what it wants, before the schema
 * runs (so the person sees "fill this in", not "expected a 12-digit account id").
 */
const PLACEHOLDER = /^FILL\((.*)\)$/s;

/** The placeholder text for a value described by `what` (quoted in YAML: it holds parentheses). */
export function placeholder(what: string): string {
  return `FILL(${what})`;
}

/** `"FILL(what)"` as a YAML scalar. */
export function placeholderYaml(what: string): string {
  return JSON.stringify(placeholder(what));
}

export interface Unfilled {
  readonly path: YamlPath;
  /** What the placeholder asks for. */
  readonly what: string;
}

/** Every placeholder left in a parsed document (values and mapping keys), in document order. */
export function findPlaceholders(value: unknown, at: YamlPath = []): Unfilled[] {
  if (typeof value === 'string') {
    const match = PLACEHOLDER.exec(value);
    return match ? [{ path: at, what: match[1]! }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findPlaceholders(item, [...at, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => {
      const keyMatch = PLACEHOLDER.exec(key);
      return [...(keyMatch ? [{ path: [...at, key], what: keyMatch[1]! }] : []), ...findPlaceholders(item, [...at, key])];
    });
  return [];
}
