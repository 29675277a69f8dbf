import type { SourcedObject } from './folder-objects.js';
import { groupOf } from './folder-objects.js';

/*
 * The order in which Argo CD applies an Application's objects, as gitops-engine sorts its sync
 * tasks (pkg/sync/sync_tasks.go): phase, then sync wave, then kind (Helm's install order; kinds it
 * does not know come last), then name; then every Namespace moves before the first object in it
 * and every CRD before the first object of its kind, taking that object's wave.
 */

/** gitops-engine's kindOrder. */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const kindRank = (kind: string) => {
  const index = KIND_ORDER.indexOf(kind);
  return index === -1 ? 0 : index - KIND_ORDER.length;
};

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** An object's sync wave (0 when unset). */
export function waveOf(item: SourcedObject): number {
  const value = item.object.metadata.annotations?.[SYNC_WAVE_ANNOTATION];
  return value === undefined ? 0 : Number(value);
}

/** Whether an object asks Argo CD to skip its dry run until its kind exists. */
export function skipsDryRun(item: SourcedObject): boolean {
  return (item.object.metadata.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '')
    .split(',')
    .some((o) => o.trim() === 'SkipDryRunOnMissingResource=true');
}

export interface SyncTask {
  readonly item: SourcedObject;
  readonly wave: number;
}

/** The objects of one Application in the order Argo CD applies them, each with its effective wave. */
export function argoSyncOrder(items: readonly SourcedObject[]): SyncTask[] {
  const tasks: SyncTask[] = [...items]
    .sort(
      (a, b) =>
        waveOf(a) - waveOf(b) ||
        kindRank(a.object.kind) - kindRank(b.object.kind) ||
        (a.object.metadata.name < b.object.metadata.name ? -1 : a.object.metadata.name > b.object.metadata.name ? 1 : 0),
    )
    .map((item) => ({ item, wave: waveOf(item) }));
  adjustDependencies(
    tasks,
    (o) => (o.kind === 'Namespace' && groupOf(o) === '' ? o.metadata.name : undefined),
    (o) => o.metadata.namespace,
  );
  adjustDependencies(
    tasks,
    (o) => {
      if (o.kind !== 'CustomResourceDefinition') return undefined;
      const spec = (o as { spec?: { group?: string; names?: { kind?: string } } }).spec;
      return spec?.group && spec.names?.kind ? `${spec.group}/${spec.names.kind}` : undefined;
    },
    (o) => `${groupOf(o)}/${o.kind}`,
  );
  return tasks;
}

/** gitops-engine's adjustDeps: a dependency moves before the first task that refers to it, into its wave. */
function adjustDependencies(
  tasks: SyncTask[],
  dependencyKey: (o: SourcedObject['object']) => string | undefined,
  refersTo: (o: SourcedObject['object']) => string | undefined,
): void {
  const firstIndex = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    const key = dependencyKey(task.item.object);
    if (key !== undefined) {
      const index = firstIndex.get(key);
      if (index === undefined) continue;
      tasks.splice(i, 1);
      tasks.splice(index, 0, { item: task.item, wave: tasks[index]!.wave });
      for (const [k, v] of firstIndex) if (v >= index) firstIndex.set(k, v + 1);
      continue;
    }
    const ref = refersTo(task.item.object);
    if (ref !== undefined && !firstIndex.has(ref)) firstIndex.set(ref, i);
  }
}
