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

/**
 * For an object whose kind its own component's chart defines (a NodePool beside Karpenter): its
 * dry run waits until the kind exists, and it syncs in the wave after the chart's Application,
 * which Argo CD waits to be Healthy first (the Application health check in argocd-cm).
 */
export const AFTER_OWN_CHART: Readonly<Record<string, string>> = {
  ...SKIP_DRY_RUN_UNTIL_KIND_EXISTS,
  ...syncWave(COMPONENT_PHASE.customResources),
};

/** Where an object syncs within its component, read from its sync wave. */
export type ComponentPhase = 'prerequisites' | 'main' | 'customResources';

/** The sub-folder that holds a phase's objects where an engine without waves (Flux) syncs each phase on its own. */
export const PHASE_FOLDERS: Readonly<Record<Exclude<ComponentPhase, 'main'>, string>> = {
  prerequisites: 'prerequisites',
  customResources: 'custom-resources',
};

export function phaseOf(annotations: Readonly<Record<string, string>> | undefined): ComponentPhase {
  const wave = Number(annotations?.['argocd.argoproj.io/sync-wave'] ?? COMPONENT_PHASE.chart);
  return wave < COMPONENT_PHASE.chart ? 'prerequisites' : wave > COMPONENT_PHASE.chart ? 'customResources' : 'main';
}
