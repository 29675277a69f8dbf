import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ResourceSignature } from './resource-signature.js';
import type { ValidationError } from './schema-errors.js';

/**
 * Unknown-field detection for core Kubernetes kinds, from the field lists that
 * @kubernetes/client-node generates from the Kubernetes OpenAPI document (each model class has
 * an `attributeTypeMap` of JSON field names and types). Only its models are loaded, not the
 * client (whose HTTP stack needs a newer Node).
 */

interface Attribute {
  readonly baseName: string;
  readonly type: string;
}
type ModelClass = { getAttributeTypeMap(): Attribute[] };

const require = createRequire(import.meta.url);
let table: Record<string, ModelClass> | undefined;

/** Loads the model classes (about a quarter of a second); awaited once before checking. */
export async function loadCoreFieldNames(): Promise<void> {
  if (table) return;
  // The package's model index, by file: its root entry would also load the HTTP client.
  const entry = require.resolve('@kubernetes/client-node/package.json').replace(/package\.json$/, 'dist/gen/models/ObjectSerializer.js');
  table = (await import(pathToFileURL(entry).href)) as Record<string, ModelClass>;
}

function modelTable(): Record<string, ModelClass> {
  if (!table) throw new Error('loadCoreFieldNames() must complete before core fields are checked');
  return table;
}

/** Class name candidates: V1Deployment, V2HorizontalPodAutoscaler, CoreV1Event... */
function classFor(resource: Pick<ResourceSignature, 'group' | 'version' | 'kind'>): ModelClass | undefined {
  const table = modelTable();
  const version = resource.version.charAt(0).toUpperCase() + resource.version.slice(1);
  const groupPrefix = (resource.group === '' ? 'core' : (resource.group.split('.')[0] as string))
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
  return table[`${version}${resource.kind}`] ?? table[`${groupPrefix}${version}${resource.kind}`];
}

/** Fields of `value` that the core kind's model does not have, as JSON pointers. */
export function unknownCoreFields(resource: Pick<ResourceSignature, 'group' | 'version' | 'kind'>, value: unknown): ValidationError[] {
  const model = classFor(resource);
  if (!model) return [];
  const errors: ValidationError[] = [];
  walk(model.getAttributeTypeMap(), value, '', errors);
  return errors;
}

function walk(attributes: Attribute[], value: unknown, pointer: string, errors: ValidationError[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    const childPointer = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!attribute) {
      errors.push({ path: childPointer, msg: `unknown field "${key}"` });
      continue;
    }
    walkType(attribute.type, child, childPointer, errors);
  }
}

function walkType(type: string, value: unknown, pointer: string, errors: ValidationError[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => walkType(array[1] as string, item, `${pointer}/${i}`, errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value))
        walkType(map[1] as string, item, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, errors);
    }
    return;
  }
  const model = modelTable()[type];
  if (model) walk(model.getAttributeTypeMap(), value, pointer, errors);
}
