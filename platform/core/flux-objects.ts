import { HelmRelease } from '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2/HelmRelease';
import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import { GitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository';
import { HelmRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/HelmRepository';
import { FLUX_NAMESPACE } from './gitops-constants.js';

/*
 * Flux objects, built from the typed models of @kubernetes-models/flux-cd and validated against
 * the CRD schema before they are rendered.
 */

/** The repository, tracked at the protected branch by name (never HEAD). */
export function gitRepository(name: string, url: string, branch: string): Record<string, unknown> {
  const repository = new GitRepository({
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: { url, ref: { branch }, interval: '1m', timeout: '60s' },
  });
  repository.validate();
  return repository.toJSON() as Record<string, unknown>;
}

export interface KustomizationOptions {
  readonly name: string;
  /** Path in the repository, e.g. ./clusters/prod/manifests/platform */
  readonly path: string;
  readonly source: string;
  readonly dependsOn: readonly string[];
  /** How long to wait for everything to become ready before the apply counts as failed. */
  readonly timeout: string;
}

/**
 * Applies one folder, prunes what left it, and waits until everything in it is ready (health
 * checks of every object), so that dependents start only after it.
 */
/** The ACK kinds an identity is made of, whose readiness Pod Identity's ordering depends on. */
const ACK_IDENTITY_KINDS = [
  { apiVersion: 'iam.services.k8s.aws/v1alpha1', kind: 'Role' },
  { apiVersion: 'eks.services.k8s.aws/v1alpha1', kind: 'PodIdentityAssociation' },
];

/** ACK's readiness in CEL, as the Argo CD health check in clusters/README.md reads it. */
export const ACK_HEALTH = {
  current: "has(status.conditions) && status.conditions.exists(c, c.type == 'ACK.ResourceSynced' && c.status == 'True')",
  failed: "has(status.conditions) && status.conditions.exists(c, c.type == 'ACK.Terminal' && c.status == 'True')",
};

export function kustomization(options: KustomizationOptions): Record<string, unknown> {
  const object = new Kustomization({
    metadata: { name: options.name, namespace: FLUX_NAMESPACE },
    spec: {
      interval: '10m',
      retryInterval: '1m',
      timeout: options.timeout,
      path: options.path,
      prune: true,
      wait: true,
      sourceRef: { kind: 'GitRepository', name: options.source },
      ...(options.dependsOn.length > 0 ? { dependsOn: options.dependsOn.map((name) => ({ name })) } : {}),
      // kstatus knows nothing of ACK's conditions and would call a Role or an association Current
      // as soon as it exists: wait for the controller to have created it in AWS.
      healthCheckExprs: ACK_IDENTITY_KINDS.map(({ apiVersion, kind }) => ({ apiVersion, kind, ...ACK_HEALTH })),
    },
  });
  object.validate();
  return object.toJSON() as Record<string, unknown>;
}

export function helmRepository(
  name: string,
  namespace: string,
  url: string,
  labels: Record<string, string> = {},
  oci = false,
): Record<string, unknown> {
  const repository = new HelmRepository({
    metadata: { name, namespace, labels },
    spec: { url, interval: '1h', ...(oci ? { type: 'oci' as const } : {}) },
  });
  repository.validate();
  return repository.toJSON() as Record<string, unknown>;
}

export interface HelmReleaseOptions {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly repository: string;
  readonly values: Record<string, unknown>;
  readonly labels?: Record<string, string>;
  /**
   * Annotations of the HelmRelease.
   * @default {}
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A pinned chart version; CRDs created and upgraded with the release; failures remediated. */
export function helmRelease(options: HelmReleaseOptions): Record<string, unknown> {
  const release = new HelmRelease({
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: options.labels ?? {},
      ...(options.annotations && Object.keys(options.annotations).length > 0 ? { annotations: { ...options.annotations } } : {}),
    },
    spec: {
      interval: '1h',
      releaseName: options.name,
      chart: { spec: { chart: options.chart, version: options.version, sourceRef: { kind: 'HelmRepository', name: options.repository } } },
      install: { crds: 'CreateReplace', remediation: { retries: 3 } },
      upgrade: { crds: 'CreateReplace', remediation: { retries: 3, remediateLastFailure: true } },
      values: options.values,
    },
  });
  release.validate();
  return release.toJSON() as Record<string, unknown>;
}
