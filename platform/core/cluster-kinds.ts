import type { GroupKind } from './component-chart.js';

/** Cluster-scoped kinds that Helm charts create, as the Argo CD project's allow-list names them. */
export const CUSTOM_RESOURCE_DEFINITIONS: readonly GroupKind[] = [{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }];
export const CLUSTER_RBAC: readonly GroupKind[] = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
];
export const ADMISSION_WEBHOOKS: readonly GroupKind[] = [
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
];
export const API_SERVICES: readonly GroupKind[] = [{ group: 'apiregistration.k8s.io', kind: 'APIService' }];
export const CSI_DRIVERS: readonly GroupKind[] = [{ group: 'storage.k8s.io', kind: 'CSIDriver' }];
export const ADMISSION_POLICIES: readonly GroupKind[] = [
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
];
