/** Where each GitOps engine keeps its own objects, and the in-cluster API server as Argo CD names it. */
export const ARGOCD_NAMESPACE = 'argocd';
export const FLUX_NAMESPACE = 'flux-system';
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** Argo CD's finalizer: deleting an Application deletes (prunes) what it deployed, in order. */
export const ARGOCD_RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/**
 * Waves inside one component's Application (Argo CD applies lower waves first): what its chart
 * needs first (a security group its pods attach), the chart's Application, then the objects
 * whose kinds the chart's CRDs define.
 */
export const COMPONENT_PHASE = {
  prerequisites: -1,
  chart: 0,
  customResources: 1,
} as const;

/** Argo CD's sync-wave annotation: lower waves are applied first (within an Application, or across them). */
export function syncWave(wave: number): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}

/**
 * For an object whose kind is defined in the same sync (a chart's CRD, or one a controller such
 * as kro creates): Argo CD skips its dry run until the kind exists instead of failing the sync.
 */
export const SKIP_DRY_RUN_UNTIL_KIND_EXISTS: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true',
};
