import { describe, expect, test } from 'vitest';
import { expandLocation, normalizeKubernetesVersion, parseLocation, parseLocationList } from '../scripts/lib/validate/schema-location.js';

const deployment = { kind: 'Deployment', group: 'apps', version: 'v1' };
const service = { kind: 'Service', group: '', version: 'v1' };
const nodePool = { kind: 'NodePool', group: 'karpenter.sh', version: 'v1' };

describe('kubeconform schema location templates', () => {
  test('expand every variable like kubeconform', () => {
    const kubernetes = '/m/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json';
    expect(expandLocation(kubernetes, deployment, '1.32', true)).toBe('/m/v1.32.0-standalone-strict/deployment-apps-v1.json');
    expect(expandLocation(kubernetes, service, '1.32.0', false)).toBe('/m/v1.32.0-standalone/service-v1.json');
    expect(expandLocation('/c/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json', nodePool, '1.32', true)).toBe(
      '/c/karpenter.sh/nodepool_v1.json',
    );
  });

  test('"default" is kubeconform\'s registry; a bare folder gets the standard layout', () => {
    expect(expandLocation(parseLocation('default'), deployment, '1.32', true)).toBe(
      'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.32.0-standalone-strict/deployment-apps-v1.json',
    );
    expect(expandLocation(parseLocation('/mirror/'), service, '1.31', true)).toBe('/mirror/v1.31.0-standalone-strict/service-v1.json');
  });

  test('lists split on commas; bad versions and variables are usage errors', () => {
    expect(parseLocationList(' a/{{.Group}}.json , ,b/x.json')).toEqual(['a/{{.Group}}.json', 'b/x.json']);
    expect(() => normalizeKubernetesVersion('latest')).toThrow('--kubernetes-version must look like 1.32');
    expect(() => parseLocation('{{.Version}}')).toThrow('unknown variable {{ .Version }}');
  });
});
