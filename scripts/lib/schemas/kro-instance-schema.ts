import { isObject, type KindSchema } from './crd-json-schema.js';

/*
 * kro turns a ResourceGraphDefinition's spec.schema (its SimpleSchema) into the CRD of the
 * instances; this does the same for the subset of SimpleSchema we write, so instances are
 * validated strictly offline without the kro controller. Anything outside the subset is refused
 * rather than validated loosely.
 * SimpleSchema: https://kro.run/docs/concepts/rgd/schema (types, "[]T", "map[string]T", markers).
 */

type Json = Record<string, unknown>;

const SCALARS: Record<string, Json> = {
  string: { type: 'string' },
  integer: { type: 'integer' },
  boolean: { type: 'boolean' },
  float: { type: 'number' },
};
const MARKER = /([A-Za-z]+)=("(?:[^"\\]|\\.)*"|\S+)/g;

function typeSchema(type: string, where: string): Json {
  const scalar = SCALARS[type];
  if (scalar) return { ...scalar };
  if (type.startsWith('[]')) return { type: 'array', items: typeSchema(type.slice(2), where) };
  const map = /^map\[string\](.+)$/.exec(type);
  if (map?.[1]) return { type: 'object', additionalProperties: typeSchema(map[1], where) };
  throw new Error(`${where}: SimpleSchema type "${type}" is not supported here`);
}

function markerValue(raw: string): string {
  return raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
}

/** One field: "type | marker=value ...". Returns its schema and whether it is required. */
function fieldSchema(text: string, where: string): { schema: Json; required: boolean } {
  const bar = text.indexOf('|');
  const schema = typeSchema((bar === -1 ? text : text.slice(0, bar)).trim(), where);
  let required = false;
  const markers = bar === -1 ? '' : text.slice(bar + 1);
  const consumed = markers.replace(MARKER, '').trim();
  if (consumed !== '') throw new Error(`${where}: cannot read the markers "${markers.trim()}"`);
  for (const [, key, raw] of markers.matchAll(MARKER)) {
    const value = markerValue(raw!);
    switch (key) {
      case 'required':
        required = value === 'true';
        break;
      case 'description':
      case 'pattern':
        schema[key] = value;
        break;
      case 'default':
        schema.default = schema.type === 'string' ? value : JSON.parse(value);
        break;
      case 'enum':
        schema.enum = value.split(',').map((v) => (schema.type === 'string' ? v : JSON.parse(v)));
        break;
      case 'minimum':
      case 'maximum':
      case 'minLength':
      case 'maxLength':
        schema[key] = Number(value);
        break;
      default:
        throw new Error(`${where}: SimpleSchema marker "${key}" is not supported here`);
    }
  }
  return { schema, required };
}

/** A SimpleSchema object (field -> type string, or a nested object) as a closed JSON schema. */
function objectSchema(fields: Json, where: string): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') {
      const field = fieldSchema(value, `${where}.${name}`);
      properties[name] = field.schema;
      if (field.required) required.push(name);
    } else if (isObject(value)) {
      properties[name] = objectSchema(value, `${where}.${name}`);
    } else {
      throw new Error(`${where}.${name}: expected a SimpleSchema type string or an object`);
    }
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

/** The JSON schema of the instances of a rendered ResourceGraphDefinition. */
export function kroInstanceSchema(rgd: unknown): KindSchema {
  const schema = isObject(rgd) && isObject(rgd.spec) && isObject(rgd.spec.schema) ? rgd.spec.schema : undefined;
  const name = isObject(rgd) && isObject(rgd.metadata) ? String(rgd.metadata.name) : '?';
  if (!schema || typeof schema.kind !== 'string' || typeof schema.apiVersion !== 'string') {
    throw new Error(`ResourceGraphDefinition ${name}: expected spec.schema with kind and apiVersion`);
  }
  const where = `ResourceGraphDefinition ${name} spec.schema`;
  const spec = objectSchema(isObject(schema.spec) ? schema.spec : {}, `${where}.spec`);
  return {
    group: typeof schema.group === 'string' ? schema.group : 'kro.run',
    kind: schema.kind,
    version: schema.apiVersion,
    schema: {
      description: `Instances of the kro ResourceGraphDefinition ${name} (generated from its SimpleSchema)`,
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec,
        // Written by kro (its status expressions, state and conditions), never by us.
        status: { type: 'object' },
      },
      required: ['spec'],
    },
  };
}
