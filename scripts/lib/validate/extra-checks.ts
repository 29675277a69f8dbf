import { POD_TEMPLATE_PATHS } from '../kube/pod-template.js';
import type { ManifestDocument } from './manifest-documents.js';
import type { ResourceSignature } from './resource-signature.js';
import type { ValidationError } from './schema-errors.js';

/*
 * Checks that kubeconform does not do and the API server (or a reviewer) would: names and
 * labels that the API rejects, GPU requests that differ from limits, repeated port or env var
 * names, namespaced objects without a namespace, and (across documents) duplicate objects.
 */

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$/;

/** Cluster-scoped kinds (by group/kind) that may, and must, have no namespace. */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass',
  'networking.k8s.io/IngressClass',
  'node.k8s.io/RuntimeClass',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'karpenter.sh/NodePool',
  'karpenter.sh/NodeClaim',
  'karpenter.k8s.aws/EC2NodeClass',
  'keda.sh/ClusterTriggerAuthentication',
  'elbv2.k8s.aws/IngressClassParams',
  'external-secrets.io/ClusterSecretStore',
  'external-secrets.io/ClusterExternalSecret',
  'gateway.networking.k8s.io/GatewayClass',
  'nvidia.com/ClusterPolicy',
]);

/** Namespaced kinds we know; other unknown kinds are not checked for a namespace. */
const NAMESPACED_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'keda.sh',
  'argoproj.io',
  'monitoring.coreos.com',
  'vpcresources.k8s.aws',
  'services.k8s.aws',
  'external-secrets.io',
]);

/** Where a workload keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = Object.fromEntries(
  Object.entries(POD_TEMPLATE_PATHS).map(([kind, path]) => [kind, [...path, 'spec']]),
);

export function isClusterScoped(signature: Pick<ResourceSignature, 'group' | 'kind'>): boolean {
  return CLUSTER_SCOPED.has(`${signature.group}/${signature.kind}`);
}

function isKnownNamespaced(signature: Pick<ResourceSignature, 'group' | 'kind'>): boolean {
  if (isClusterScoped(signature)) return false;
  return (
    NAMESPACED_GROUPS.has(signature.group) ||
    signature.group.endsWith('.services.k8s.aws') ||
    signature.group.endsWith('.toolkit.fluxcd.io')
  );
}

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const part of path) current = asObject(current)?.[part];
  return current;
}

const pointer = (path: readonly (string | number)[]) => `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/** Findings about one object on its own. */
export function checkObject(signature: ResourceSignature, value: unknown): ValidationError[] {
  const errors: ValidationError[] = [];
  errors.push(...checkName(signature));
  errors.push(...checkNamespace(signature));
  errors.push(...checkLabels(value));
  const podPath = POD_SPEC_PATHS[signature.kind];
  if (podPath && ['', 'apps', 'batch'].includes(signature.group)) {
    const pod = asObject(at(value, podPath));
    if (pod) errors.push(...checkPodSpec(pod, podPath));
  }
  return errors;
}

function checkName({ kind, group, name }: ResourceSignature): ValidationError[] {
  const path = '/metadata/name';
  if (name === '') return [{ path, msg: 'missing metadata.name' }];
  if (group === 'rbac.authorization.k8s.io') return []; // RBAC names are path segments ("system:...")
  if (group === '' && kind === 'Service') {
    return name.length <= 63 && DNS_1035_LABEL.test(name)
      ? []
      : [
          {
            path,
            msg: `invalid name "${name}": a Service name must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63 characters)`,
          },
        ];
  }
  if (group === '' && kind === 'Namespace') {
    return name.length <= 63 && DNS_1123_LABEL.test(name)
      ? []
      : [
          {
            path,
            msg: `invalid name "${name}": a Namespace name must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)`,
          },
        ];
  }
  return name.length <= 253 && DNS_1123_SUBDOMAIN.test(name)
    ? []
    : [
        {
          path,
          msg: `invalid name "${name}": expected a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)`,
        },
      ];
}

function checkNamespace(signature: ResourceSignature): ValidationError[] {
  if (signature.namespace !== undefined && isClusterScoped(signature)) {
    return [{ path: '/metadata/namespace', msg: `${signature.kind} is cluster-scoped and must not have a namespace` }];
  }
  if (signature.namespace === undefined && isKnownNamespaced(signature)) {
    return [
      {
        path: '/metadata',
        msg: `${signature.kind} is namespaced but has no metadata.namespace: it would land in whatever namespace the tool applying it defaults to`,
      },
    ];
  }
  if (signature.namespace !== undefined && !DNS_1123_LABEL.test(signature.namespace)) {
    return [{ path: '/metadata/namespace', msg: `invalid namespace "${signature.namespace}": expected a DNS-1123 label` }];
  }
  return [];
}

/** Label keys and values on the object, its pod template, and label selectors. */
function checkLabels(value: unknown): ValidationError[] {
  const errors: ValidationError[] = [];
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...path, i]));
      return;
    }
    const object = asObject(node);
    if (!object) return;
    for (const [key, child] of Object.entries(object)) {
      // A CRD's schema names fields, not labels: its "matchLabels" is a property's definition.
      if (key === 'openAPIV3Schema') continue;
      const childPath = [...path, key];
      const labels = asObject(child);
      const isStringMap = labels !== undefined && Object.values(labels).every((v) => typeof v === 'string');
      const isLabelMap =
        (key === 'labels' && path[path.length - 1] === 'metadata') ||
        key === 'matchLabels' ||
        key === 'nodeSelector' ||
        (key === 'selector' && isStringMap); // a Service selector is a plain label map
      if (isLabelMap && labels) {
        for (const [label, labelValue] of Object.entries(labels)) errors.push(...checkLabel(label, labelValue, [...childPath, label]));
      } else {
        visit(child, childPath);
      }
    }
  };
  visit(value, []);
  return errors;
}

function checkLabel(key: string, value: unknown, path: (string | number)[]): ValidationError[] {
  const errors: ValidationError[] = [];
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if ((prefix !== undefined && (prefix.length > 253 || !DNS_1123_SUBDOMAIN.test(prefix))) || name.length > 63 || !LABEL_NAME.test(name)) {
    errors.push({
      path: pointer(path),
      msg: `invalid label key "${key}": expected [prefix/]name with a DNS-subdomain prefix and a name of at most 63 alphanumerics, '-', '_' or '.'`,
    });
  }
  if (typeof value !== 'string') {
    errors.push({ path: pointer(path), msg: `label "${key}" must have a string value (quote it), found ${typeof value}` });
  } else if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
    errors.push({
      path: pointer(path),
      msg: `invalid value "${value}" for label "${key}": at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`,
    });
  }
  return errors;
}

function checkPodSpec(pod: Json, podPath: readonly string[]): ValidationError[] {
  const errors: ValidationError[] = [];
  const portNames = new Map<string, string>();
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = at(pod, [list]);
    if (!Array.isArray(containers)) continue;
    containers.forEach((raw, index) => {
      const container = asObject(raw);
      if (!container) return;
      const base = [...podPath, list, index];
      const containerName = typeof container.name === 'string' ? container.name : `#${index}`;
      errors.push(...checkResources(container, base));

      const ports = Array.isArray(container.ports) ? container.ports : [];
      ports.forEach((port, p) => {
        const portName = asObject(port)?.name;
        if (typeof portName !== 'string') return;
        const previous = portNames.get(portName);
        if (previous !== undefined) {
          errors.push({
            path: pointer([...base, 'ports', p, 'name']),
            msg: `duplicate port name "${portName}" (also on container "${previous}"): named ports must be unique in a pod`,
          });
        } else {
          portNames.set(portName, containerName);
        }
      });

      const env = Array.isArray(container.env) ? container.env : [];
      const envNames = new Set<string>();
      env.forEach((variable, e) => {
        const envName = asObject(variable)?.name;
        if (typeof envName !== 'string') return;
        if (envNames.has(envName)) {
          errors.push({
            path: pointer([...base, 'env', e, 'name']),
            msg: `duplicate environment variable "${envName}" in container "${containerName}": only the last one takes effect`,
          });
        }
        envNames.add(envName);
      });
    });
  }
  return errors;
}

/** Quantity syntax, and extended resources (GPUs) requested exactly at their limit. */
function checkResources(container: Json, base: (string | number)[]): ValidationError[] {
  const errors: ValidationError[] = [];
  const requests = asObject(at(container, ['resources', 'requests'])) ?? {};
  const limits = asObject(at(container, ['resources', 'limits'])) ?? {};
  for (const [which, values] of [
    ['requests', requests],
    ['limits', limits],
  ] as const) {
    for (const [resource, quantity] of Object.entries(values)) {
      if ((typeof quantity === 'string' && !QUANTITY.test(quantity)) || (typeof quantity === 'number' && !Number.isFinite(quantity))) {
        errors.push({
          path: pointer([...base, 'resources', which, resource]),
          msg: `expected a Kubernetes quantity such as "500m" or "4Gi", found ${JSON.stringify(quantity)}`,
        });
      }
    }
  }
  for (const resource of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    if (!isExtendedResource(resource)) continue;
    const request = requests[resource];
    const limit = limits[resource];
    if (limit === undefined) {
      errors.push({
        path: pointer([...base, 'resources', 'limits', resource]),
        msg: `${resource} is requested without a limit: extended resources such as GPUs must set the limit (and the request, if set, must equal it)`,
      });
    } else if (request !== undefined && String(request) !== String(limit)) {
      errors.push({
        path: pointer([...base, 'resources', 'requests', resource]),
        msg: `${resource} request (${String(request)}) differs from its limit (${String(limit)}): the API server rejects extended resources (GPUs) that do not request exactly their limit`,
      });
    }
  }
  return errors;
}

function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

/** Objects defined more than once in one environment (or one run): same group, kind, namespace and name. */
export function findDuplicates(
  documents: ReadonlyArray<{ document: ManifestDocument; signature: ResourceSignature }>,
): Map<ManifestDocument, ValidationError> {
  const first = new Map<string, ManifestDocument>();
  const duplicates = new Map<ManifestDocument, ValidationError>();
  for (const { document, signature } of documents) {
    const key = `${signature.group}/${signature.kind}/${signature.namespace ?? ''}/${signature.name}`;
    const earlier = first.get(key);
    if (earlier) {
      duplicates.set(document, {
        path: '/metadata/name',
        msg: `duplicate object: ${signature.kind} ${signature.namespace ? `${signature.namespace}/` : ''}${signature.name} is also defined in ${earlier.file}:${earlier.line}`,
      });
    } else {
      first.set(key, document);
    }
  }
  return duplicates;
}
