/*
 * CustomResourceDefinition -> kubeconform JSON schema, the way the schema mirrors convert them
 * (openapi2jsonschema, strict): each served version's openAPIV3Schema, with every object that
 * lists its properties closed to others, so an unknown (misspelt) field is an error.
 */

type Json = Record<string, unknown>;

/** The JSON schema of one kind at one version. */
export interface KindSchema {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly schema: Json;
}

/** A JSON object (not an array, not null). */
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The schemas of every served version of a CRD; throws on anything that is not a CRD with schemas. */
export function crdJsonSchemas(crd: unknown, source: string): KindSchema[] {
  if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) {
    throw new Error(`${source}: expected a CustomResourceDefinition`);
  }
  const { group, names, versions } = crd.spec as { group?: unknown; names?: { kind?: unknown }; versions?: unknown };
  if (typeof group !== 'string' || typeof names?.kind !== 'string' || !Array.isArray(versions)) {
    throw new Error(`${source}: expected spec.group, spec.names.kind and spec.versions`);
  }
  const kind = names.kind;
  return versions
    .filter((v): v is Json => isObject(v) && v.served !== false)
    .map((v) => {
      const schema = isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
      if (typeof v.name !== 'string' || !isObject(schema))
        throw new Error(`${source}: version ${String(v.name)} of ${kind} has no openAPIV3Schema`);
      return { group, kind, version: v.name, schema: withObjectFields(closeObjects(schema, true) as Json) };
    });
}

/**
 * The fields every object has, added where a CRD's schema leaves them out (Istio's do): the API
 * server accepts apiVersion, kind and metadata on any custom resource, whatever its schema lists.
 */
function withObjectFields(schema: Json): Json {
  const properties = isObject(schema.properties) ? schema.properties : {};
  return {
    ...schema,
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...properties },
  };
}

/** Deep copy with `additionalProperties: false` on every object that lists properties (not the root, as the mirrors do). */
export function closeObjects(node: unknown, root = false): unknown {
  if (Array.isArray(node)) return node.map((item) => closeObjects(item));
  if (!isObject(node)) return node;
  const copy: Json = {};
  for (const [key, value] of Object.entries(node)) {
    // Property names are data, not schemas: copy the map, convert each property's schema.
    copy[key] =
      key === 'properties' && isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([name, s]) => [name, closeObjects(s)]))
        : closeObjects(value);
  }
  if (!root && isObject(node.properties) && !('additionalProperties' in node) && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    copy.additionalProperties = false;
  }
  return copy;
}
