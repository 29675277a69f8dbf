import { describe, expect, test } from 'vitest';
import { Ajv } from 'ajv';
import { crdJsonSchemas } from '../scripts/lib/schemas/crd-json-schema.js';
import { kroInstanceSchema } from '../scripts/lib/schemas/kro-instance-schema.js';

/* The two schema sources that are not a schema location: upstream CRDs given with
 * `schemas:vendor --crd`, and the SimpleSchema of the kro graphs we render. */

const graph = (spec: Record<string, unknown>) => ({
  apiVersion: 'kro.run/v1alpha1',
  kind: 'ResourceGraphDefinition',
  metadata: { name: 'example' },
  spec: { schema: { apiVersion: 'v1alpha2', kind: 'Example', spec }, resources: [] },
});

const validator = (schema: object) => new Ajv({ strict: false, allErrors: true }).compile(schema);

describe('kro SimpleSchema -> instance schema', () => {
  test('types, markers, maps, arrays and nested objects become a closed JSON schema', () => {
    const { group, kind, version, schema } = kroInstanceSchema(
      graph({
        name: 'string | required=true minLength=3 pattern="^[a-z]+$" description="Name, lowercase"',
        replicas: 'integer | default=2 minimum=1 maximum=10',
        tier: 'string | enum="gold,silver"',
        labels: 'map[string]string',
        ports: '[]integer',
        network: { private: 'boolean | default=true' },
      }),
    );
    expect({ group, kind, version }).toEqual({ group: 'kro.run', kind: 'Example', version: 'v1alpha2' });
    const spec = (schema.properties as Record<string, any>).spec;
    expect(spec.required).toEqual(['name']);
    expect(spec.properties.name).toEqual({ type: 'string', minLength: 3, pattern: '^[a-z]+$', description: 'Name, lowercase' });
    expect(spec.properties.replicas).toEqual({ type: 'integer', default: 2, minimum: 1, maximum: 10 });
    const validate = validator(schema);
    expect(
      validate({ spec: { name: 'web', replicas: 3, tier: 'gold', labels: { a: 'b' }, ports: [80], network: { private: false } } }),
    ).toBe(true);
    for (const bad of [
      { spec: { replicas: 3 } },
      { spec: { name: 'Web' } },
      { spec: { name: 'web', tier: 'bronze' } },
      { spec: { name: 'web', labels: { a: 1 } } },
      { spec: { name: 'web', network: { public: true } } },
      { spec: { name: 'web', typo: 1 } },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  test('refuses what it cannot translate faithfully instead of validating loosely', () => {
    expect(() => kroInstanceSchema(graph({ when: 'date' }))).toThrow('SimpleSchema type "date" is not supported');
    expect(() => kroInstanceSchema(graph({ name: 'string | immutable=true' }))).toThrow('marker "immutable" is not supported');
    expect(() => kroInstanceSchema(graph({ name: 'string | required' }))).toThrow('cannot read the markers');
    expect(() => kroInstanceSchema({ kind: 'ResourceGraphDefinition', metadata: { name: 'x' }, spec: {} })).toThrow('expected spec.schema');
  });
});

describe('CustomResourceDefinition -> strict JSON schema', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    spec: {
      group: 'example.com',
      names: { kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { size: { type: 'integer' }, properties: { type: 'object', properties: { a: { type: 'string' } } } },
                },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { phase: { type: 'string' } } },
                metadata: { type: 'object' },
              },
            },
          },
        },
        { name: 'v0', served: false, schema: { openAPIV3Schema: { type: 'object' } } },
      ],
    },
  };

  test('closes every object that lists its properties, except the root and preserved ones', () => {
    const [widget, ...others] = crdJsonSchemas(crd, 'widget.yaml');
    expect(others).toEqual([]);
    expect({ group: widget!.group, kind: widget!.kind, version: widget!.version }).toEqual({
      group: 'example.com',
      kind: 'Widget',
      version: 'v1',
    });
    const validate = validator(widget!.schema);
    expect(
      validate({ apiVersion: 'example.com/v1', kind: 'Widget', spec: { size: 1, properties: { a: 'x' } }, status: { other: 1 } }),
    ).toBe(true);
    expect(validate({ spec: { size: 1, colour: 'red' } })).toBe(false);
    // A field named "properties" is a field, not a schema keyword.
    expect(validate({ spec: { properties: { b: 'x' } } })).toBe(false);
  });

  test('refuses what is not a CRD with schemas, naming the file', () => {
    expect(() => crdJsonSchemas({ kind: 'Deployment' }, 'x.yaml')).toThrow('x.yaml: expected a CustomResourceDefinition');
    expect(() => crdJsonSchemas({ ...crd, spec: { ...crd.spec, versions: [{ name: 'v1' }] } }, 'x.yaml')).toThrow(
      'x.yaml: version v1 of Widget has no openAPIV3Schema',
    );
  });
});
