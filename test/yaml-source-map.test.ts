import { describe, expect, test } from 'vitest';
import { YamlSourceMap } from '../scripts/lib/yaml/source-map.js';

const text = `# comment
name: dev
aws:
  region: us-west-2
  zones: [a, b]
models:
  small:
    version: "v1" # quoted
    replicas:
      min: 1
list:
  - first
  - key: value
    other: 2
---
second: doc
`;

describe('YamlSourceMap', () => {
  const map = YamlSourceMap.of(text, 'f.yaml');

  test('maps mapping keys, nested keys and sequence items to their lines', () => {
    expect(map.lineOf(['name'])).toBe(2);
    expect(map.lineOf(['aws', 'region'])).toBe(4);
    expect(map.lineOf(['aws', 'zones', 1])).toBe(5);
    expect(map.lineOf(['models', 'small', 'replicas', 'min'])).toBe(10);
    expect(map.lineOf(['list', 0])).toBe(12);
    expect(map.lineOf(['list', 1, 'other'])).toBe(14);
  });

  test('a missing field resolves to the nearest parent, where it has to be added', () => {
    expect(map.lineOf(['models', 'small', 'replicas', 'max'])).toBe(9);
    expect(map.lineOf(['nothing', 'here'])).toBe(2);
  });

  test('indexes every document separately', () => {
    expect(map.lineOf(['second'], 1)).toBe(16);
    expect(map.documentOffsets).toHaveLength(2);
  });

  test('gives the exact source range of a scalar, inside its quotes', () => {
    const range = map.scalarRange(['models', 'small', 'version']);
    expect(range).toBeDefined();
    expect(text.slice(range!.start, range!.end)).toBe('v1');
  });
});
