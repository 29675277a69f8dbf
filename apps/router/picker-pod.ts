import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { imageReference, type PinnedImage } from '../../platform/core/images.js';
import {
  EPP_CONFIG_DIR,
  EPP_GRPC_PORT,
  EPP_HEALTH_PORT,
  EPP_HEALTH_SERVICE,
  EPP_METRICS_PORT,
  EPP_VERSION,
  endpointPickerArgs,
} from './endpoint-picker.js';

/*
 * The endpoint picker's container, its API access and its token, as every router runs them:
 * beside Envoy in a static router (router.ts), or on its own behind a model's Gateway
 * (gateway-router.ts).
 */

/**
 * The endpoint picker's image. Digest as published for v1.5.0 (registry.k8s.io), not pulled on
 * this machine: `crane digest registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0`
 * before a first deploy, like every digest here.
 */
export const EPP_IMAGE: PinnedImage = {
  repository: 'registry.k8s.io/gateway-api-inference-extension/epp',
  tag: EPP_VERSION,
  digest: 'sha256:86c679b057298e68c6e65ff5603e92066d432e77b11f1f81f0a06399694810bc',
};

export const GRPC_PORT_NAME = 'grpc';
export const ROUTER_METRICS_PORT_NAME = 'metrics';

/** The distroless images' nonroot user. */
const NONROOT = 65532;

/** Pod security context of a picker's pod (Pod Security "restricted"). */
export const NONROOT_POD = { runAsNonRoot: true, runAsUser: NONROOT, runAsGroup: NONROOT, seccompProfile: { type: 'RuntimeDefault' } };

/** Container security context of every router container. */
export const RESTRICTED = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
};

const PICKER_RESOURCES = { cpu: '1', memory: '1Gi' };

/** The picker's API token, mounted in its container only. */
export const API_TOKEN_VOLUME = {
  name: 'api-token',
  projected: {
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

const grpcProbe = (period: number, failures: number) => ({
  grpc: { port: EPP_HEALTH_PORT, service: EPP_HEALTH_SERVICE },
  periodSeconds: period,
  failureThreshold: failures,
  timeoutSeconds: 2,
});

/**
 * The pod-level fields of every pod that runs a picker: its service account (whose token only the
 * picker's container mounts), no service links, the serving priority, restricted.
 */
export function pickerPodBase(serviceAccountName: string, priorityClassName: string): Record<string, unknown> {
  return {
    serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    priorityClassName,
    securityContext: NONROOT_POD,
  };
}

/** The picker of InferencePool `pool`, its config from the pod's `config` volume. */
export function pickerContainer(pool: string, namespace: string, drainSeconds: number): Record<string, unknown> {
  return {
    name: 'endpoint-picker',
    image: imageReference(EPP_IMAGE),
    imagePullPolicy: 'IfNotPresent',
    args: endpointPickerArgs(pool, namespace),
    env: [
      { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    ports: [
      { name: GRPC_PORT_NAME, containerPort: EPP_GRPC_PORT, protocol: 'TCP' },
      { name: 'grpc-health', containerPort: EPP_HEALTH_PORT, protocol: 'TCP' },
      { name: ROUTER_METRICS_PORT_NAME, containerPort: EPP_METRICS_PORT, protocol: 'TCP' },
    ],
    resources: { requests: PICKER_RESOURCES, limits: PICKER_RESOURCES },
    readinessProbe: grpcProbe(2, 3),
    livenessProbe: grpcProbe(10, 3),
    // Until the ext-proc port listens: the health service says SERVING once the pool
    // has synced, up to a second before the picker has made its certificate and
    // listens (seen in the routing test), and Envoy would fail those requests.
    startupProbe: { tcpSocket: { port: EPP_GRPC_PORT }, periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 2 },
    lifecycle: { preStop: { sleep: { seconds: drainSeconds } } },
    securityContext: RESTRICTED,
    volumeMounts: [
      { name: 'config', mountPath: EPP_CONFIG_DIR, readOnly: true },
      { name: API_TOKEN_VOLUME.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  };
}

/**
 * The picker's service account and read-only Role: it watches its pool and the pods it selects,
 * in this namespace only. `metadata` names all three.
 */
export function addPickerAccess(scope: Construct, id: string, metadata: { name: string; namespace: string }): void {
  const { name, namespace } = metadata;
  new ApiObject(scope, `${id}-service-account`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata,
    automountServiceAccountToken: false,
  });
  new ApiObject(scope, `${id}-role`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata,
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch'] },
    ],
  });
  new ApiObject(scope, `${id}-role-binding`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
}
