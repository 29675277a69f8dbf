/** Where each GitOps engine keeps its own objects, and the in-cluster API server as Argo CD names it. */
export const ARGOCD_NAMESPACE = 'argocd';
export const FLUX_NAMESPACE = 'flux-system';
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** Argo CD's finalizer: deleting an Application deletes (prunes) what it deployed, in order. */
export const ARGOCD_RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/**
 * Sync waves (Argo CD applies lower waves first and, with the Application health check in
 * argocd-cm, waits for them to be healthy): the project, then platform add-ons (CRDs and
 * controllers), then the workloads that use them.
 */
export const SYNC_WAVE = {
  project: -100,
  platform: -10,
  apps: 10,
} as const;
