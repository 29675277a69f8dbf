/** What identifies a Kubernetes object, read leniently from an untrusted document. */
export interface ResourceSignature {
  readonly apiVersion: string;
  readonly kind: string;
  /** API group, '' for the core group. */
  readonly group: string;
  /** API version within the group, e.g. "v1". */
  readonly version: string;
  readonly name: string;
  readonly namespace: string | undefined;
}

export function resourceSignature(value: unknown): ResourceSignature | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') return undefined;
  const slash = apiVersion.lastIndexOf('/');
  const metadata = typeof object.metadata === 'object' && object.metadata !== null ? (object.metadata as Record<string, unknown>) : {};
  return {
    apiVersion,
    kind,
    group: slash === -1 ? '' : apiVersion.slice(0, slash),
    version: slash === -1 ? apiVersion : apiVersion.slice(slash + 1),
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
  };
}

/** `apps/v1/Deployment` or `v1/Service`, the form --skip and --reject also accept. */
export function groupVersionKind(signature: Pick<ResourceSignature, 'apiVersion' | 'kind'>): string {
  return `${signature.apiVersion}/${signature.kind}`;
}
