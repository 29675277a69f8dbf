import type { ErrorObject } from 'ajv';
import type { ResourceSignature } from './resource-signature.js';
import type { ValidationError } from './schema-errors.js';
import { loadCoreFieldNames, unknownCoreFields } from './core-field-names.js';

/**
 * The offline fallback: validators that ship precompiled in npm packages. kubernetes-models
 * (Kubernetes 1.36 core API) and its CRD siblings check types, required fields and enums, but
 * let unknown fields through; for core kinds, unknown fields are found from the field lists
 * of @kubernetes/client-node's generated models (see core-field-names.ts). CRD kinds from this
 * source are NOT checked for unknown fields; use a schema location for that.
 */

/** The npm package that ships models for an API group. */
function packageFor(group: string): string | undefined {
  if (group === '' || group.endsWith('.k8s.io') || ['apps', 'batch', 'policy', 'autoscaling', 'extensions'].includes(group)) {
    return 'kubernetes-models';
  }
  if (group === 'karpenter.sh' || group === 'karpenter.k8s.aws') return '@kubernetes-models/karpenter';
  if (group === 'keda.sh' || group === 'eventing.keda.sh') return '@kubernetes-models/keda';
  if (group === 'argoproj.io') return '@kubernetes-models/argo-cd';
  if (group.endsWith('.toolkit.fluxcd.io')) return '@kubernetes-models/flux-cd';
  if (group === 'monitoring.coreos.com') return '@kubernetes-models/prometheus-operator';
  return undefined;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

export interface BuiltinCheck {
  /** Where the schema came from, for reports. */
  readonly source: string;
  /** Whether unknown fields are detected for this kind. */
  readonly strict: boolean;
  check(value: unknown): { ajvErrors: ErrorObject[]; unknownFields: ValidationError[] };
}

const loaded = new Map<string, Promise<BuiltinCheck | undefined>>();

/** The built-in validator for a resource's kind, or undefined when no package has it. */
export function builtinCheck(
  resource: Pick<ResourceSignature, 'group' | 'version' | 'kind'>,
  strict: boolean,
): Promise<BuiltinCheck | undefined> {
  const key = `${resource.group}/${resource.version}/${resource.kind}/${strict}`;
  let pending = loaded.get(key);
  if (!pending) {
    pending = load(resource, strict);
    loaded.set(key, pending);
  }
  return pending;
}

async function load(resource: Pick<ResourceSignature, 'group' | 'version' | 'kind'>, strict: boolean): Promise<BuiltinCheck | undefined> {
  const pkg = packageFor(resource.group);
  if (!pkg || !/^[A-Za-z0-9]+$/.test(resource.kind) || !/^v[0-9a-z]+$/.test(resource.version)) return undefined;
  const groupDir = resource.group === '' ? '' : `${resource.group}/`;
  const specifier = `${pkg}/${groupDir}${resource.version}/${resource.kind}`;
  let Model: ModelClass | undefined;
  try {
    Model = ((await import(specifier)) as Record<string, ModelClass>)[resource.kind];
  } catch {
    return undefined;
  }
  if (!Model) return undefined;
  const coreStrict = strict && pkg === 'kubernetes-models';
  if (coreStrict) await loadCoreFieldNames();
  return {
    source: `built-in: ${specifier}${coreStrict ? ' + unknown-field check (@kubernetes/client-node)' : strict ? ' (unknown fields not checked)' : ''}`,
    strict: coreStrict,
    check(value) {
      const ajvErrors: ErrorObject[] = [];
      try {
        new (Model as ModelClass)(value).validate();
      } catch (error) {
        const errors = (error as { errors?: ErrorObject[] }).errors;
        if (!errors) throw error;
        ajvErrors.push(...errors);
      }
      return { ajvErrors, unknownFields: coreStrict ? unknownCoreFields(resource, value) : [] };
    },
  };
}

/** Whether a kind is part of the Kubernetes API itself (kubernetes-models has it), not a custom resource. */
export async function isCoreKubernetesKind(resource: Pick<ResourceSignature, 'group' | 'version' | 'kind'>): Promise<boolean> {
  return packageFor(resource.group) === 'kubernetes-models' && (await builtinCheck(resource, false)) !== undefined;
}
