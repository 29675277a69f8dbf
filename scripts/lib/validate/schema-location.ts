import { UsageError } from '../cli/run-cli.js';
import type { ResourceSignature } from './resource-signature.js';

/**
 * kubeconform's schema location templates: a local path or an http(s) URL with Go-template
 * variables, resolved per resource. `default` names kubeconform's default registry, and a
 * location without variables gets kubeconform's standard layout appended.
 */

export const DEFAULT_LOCATION_KEYWORD = 'default';

const DEFAULT_LOCATION =
  'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json';

const STANDARD_LAYOUT = '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json';

const VARIABLES = ['NormalizedKubernetesVersion', 'StrictSuffix', 'ResourceKind', 'KindSuffix', 'Group', 'ResourceAPIVersion'] as const;

type Variable = (typeof VARIABLES)[number];

const VARIABLE_PATTERN = /\{\{\s*\.(\w+)\s*\}\}/g;

/** Checks a location given by a user; returns it in the full template form. */
export function parseLocation(location: string): string {
  const trimmed = location.trim();
  if (trimmed === '') throw new UsageError('a schema location is empty');
  if (trimmed === DEFAULT_LOCATION_KEYWORD) return DEFAULT_LOCATION;
  for (const match of trimmed.matchAll(VARIABLE_PATTERN)) {
    if (!(VARIABLES as readonly string[]).includes(match[1] as string)) {
      throw new UsageError(`schema location "${trimmed}" uses unknown variable {{ .${match[1]} }}; known: ${VARIABLES.join(', ')}`);
    }
  }
  if (!trimmed.includes('{{') && !trimmed.endsWith('.json')) return `${trimmed.replace(/\/+$/, '')}/${STANDARD_LAYOUT}`;
  return trimmed;
}

/** Locations from a comma-separated list (the environment variable form). */
export function parseLocationList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map(parseLocation);
}

/** "1.32" -> "v1.32.0"; "master" stays. */
export function normalizeKubernetesVersion(version: string): string {
  if (version === 'master') return version;
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(version);
  if (!match) throw new UsageError(`--kubernetes-version must look like 1.32 or 1.32.0, found "${version}"`);
  return `v${match[1]}.${match[2]}.${match[3] ?? '0'}`;
}

/** The location of one resource's schema. */
export function expandLocation(
  template: string,
  resource: Pick<ResourceSignature, 'kind' | 'group' | 'version'>,
  kubernetesVersion: string,
  strict: boolean,
): string {
  const group = resource.group.toLowerCase();
  const values: Record<Variable, string> = {
    NormalizedKubernetesVersion: normalizeKubernetesVersion(kubernetesVersion),
    StrictSuffix: strict ? '-strict' : '',
    ResourceKind: resource.kind.toLowerCase(),
    KindSuffix: group === '' ? `-${resource.version}` : `-${group.split('.')[0]}-${resource.version}`,
    Group: group,
    ResourceAPIVersion: resource.version,
  };
  return template.replace(VARIABLE_PATTERN, (_, name: string) => values[name as Variable]);
}
