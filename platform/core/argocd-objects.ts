import { Application, type IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { AppProject, type IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { ARGOCD_NAMESPACE, ARGOCD_RESOURCES_FINALIZER, IN_CLUSTER_SERVER, syncWave } from './gitops-constants.js';
import { byCodeUnit } from './compare.js';

/*
 * Argo CD objects, built from the typed models of @kubernetes-models/argo-cd and validated
 * against the CRD schema before they are rendered.
 */

export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface ProjectOptions {
  readonly name: string;
  readonly description: string;
  readonly sourceRepos: readonly string[];
  /** Namespaces of the in-cluster server that Applications of this project may deploy to. */
  readonly namespaces: readonly string[];
  /** Cluster-scoped kinds the project may create. */
  readonly clusterResources: readonly GroupKind[];
  readonly syncWave: number;
}

/**
 * An AppProject as narrow as the rendered manifests allow: our repository and the add-ons' chart
 * repositories, the in-cluster server only, the namespaces we render, and the cluster-scoped kinds
 * we render or install. Never the `default` project, which allows everything.
 */
export function appProject(options: ProjectOptions): Record<string, unknown> {
  const byKey = (a: GroupKind, b: GroupKind) => byCodeUnit(`${a.group}/${a.kind}`, `${b.group}/${b.kind}`);
  const spec: IAppProject['spec'] = {
    description: options.description,
    sourceRepos: [...new Set(options.sourceRepos)].sort(byCodeUnit),
    destinations: [...new Set(options.namespaces)].sort(byCodeUnit).map((namespace) => ({ server: IN_CLUSTER_SERVER, namespace })),
    clusterResourceWhitelist: dedupe(options.clusterResources)
      .sort(byKey)
      .map(({ group, kind }) => ({ group, kind })),
    // Objects that exist in the cluster but not in git are reported, so drift is visible.
    orphanedResources: { warn: true },
  };
  const project = new AppProject({
    metadata: {
      name: options.name,
      namespace: ARGOCD_NAMESPACE,
      annotations: syncWave(options.syncWave),
    },
    spec,
  });
  project.validate();
  return project.toJSON() as Record<string, unknown>;
}

export interface ApplicationOptions {
  readonly name: string;
  readonly project: string;
  readonly source: NonNullable<IApplication['spec']>['source'];
  /** Namespace for objects without one (all of ours have one). */
  readonly destinationNamespace?: string;
  readonly syncWave: number;
  /** Server-side apply: needed where CRDs are too large for the last-applied annotation. */
  readonly serverSideApply: boolean;
  readonly labels?: Record<string, string>;
  /**
   * More annotations (beside the sync wave).
   * @default {}
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Fields another controller owns: not compared, and not overwritten on sync
   * (RespectIgnoreDifferences), so self-heal does not undo them.
   * @default none
   */
  readonly ignoreDifferences?: ReadonlyArray<{
    readonly group: string;
    readonly kind: string;
    readonly name?: string;
    readonly namespace?: string;
    readonly jqPathExpressions: readonly string[];
  }>;
}

/**
 * An Application that syncs by itself (prune, self-heal), never creates namespaces (we render
 * them, with their Pod Security labels), retries with backoff, and deletes what it deployed
 * when it is deleted.
 */
export function application(options: ApplicationOptions): Record<string, unknown> {
  const syncOptions = ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'PruneLast=true'];
  if (options.serverSideApply) syncOptions.push('ServerSideApply=true');
  const ignored = options.ignoreDifferences ?? [];
  if (ignored.length > 0) syncOptions.push('RespectIgnoreDifferences=true');
  const app = new Application({
    metadata: {
      name: options.name,
      namespace: ARGOCD_NAMESPACE,
      ...(options.labels ? { labels: options.labels } : {}),
      annotations: { ...(options.annotations ?? {}), ...syncWave(options.syncWave) },
      finalizers: [ARGOCD_RESOURCES_FINALIZER],
    },
    spec: {
      project: options.project,
      source: options.source,
      destination: { server: IN_CLUSTER_SERVER, ...(options.destinationNamespace ? { namespace: options.destinationNamespace } : {}) },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions,
        retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
      },
      revisionHistoryLimit: 10,
      ...(ignored.length > 0
        ? {
            ignoreDifferences: ignored.map((i) => ({
              group: i.group,
              kind: i.kind,
              ...(i.name === undefined ? {} : { name: i.name }),
              ...(i.namespace === undefined ? {} : { namespace: i.namespace }),
              jqPathExpressions: [...i.jqPathExpressions],
            })),
          }
        : {}),
    },
  });
  app.validate();
  return app.toJSON() as Record<string, unknown>;
}

function dedupe(kinds: readonly GroupKind[]): GroupKind[] {
  const seen = new Map<string, GroupKind>();
  for (const kind of kinds) seen.set(`${kind.group}/${kind.kind}`, kind);
  return [...seen.values()];
}
