/** Where each workload kind keeps the pod it creates (metadata and spec), as a path from the object. */
export const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  // Argo Rollouts (argoproj.io/v1alpha1) with an inline template; a model server with a canary.
  Rollout: ['spec', 'template'],
};

type Json = Record<string, unknown>;
const asJson = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

/** The pod template of a workload object ({ metadata, spec }; a Pod is its own), or undefined for other kinds. */
export function podTemplateOf(object: { readonly kind: string }): Json | undefined {
  const path = POD_TEMPLATE_PATHS[object.kind];
  if (!path) return undefined;
  let value: Json | undefined = object as Json;
  for (const key of path) value = asJson(value?.[key]);
  return value ?? {};
}

/** One pod a workload creates: its template, with the labels its controller adds, and a role for multi-pod kinds. */
export interface PodTemplate {
  /** '' for the only template of a kind; 'leader' or 'worker' for a LeaderWorkerSet; 'stable' or 'canary' for a canary Rollout. */
  readonly role: '' | 'leader' | 'worker' | 'stable' | 'canary';
  readonly template: Json;
}

/**
 * Every pod template of a workload: one for most kinds; a LeaderWorkerSet's leader and worker
 * (the worker's when the leader has none), each with the labels the LWS controller puts on its
 * pods (sigs.k8s.io/lws v0.9.0): the set's name and the worker index, "0" for the leader.
 */
export function podTemplatesOf(object: { readonly kind: string; readonly metadata?: { readonly name?: string } }): PodTemplate[] {
  if (object.kind === 'Rollout') return rolloutTemplates(object as Json);
  if (object.kind !== 'LeaderWorkerSet') {
    const template = podTemplateOf(object);
    return template ? [{ role: '', template }] : [];
  }
  const group = asJson(asJson((object as Json).spec)?.leaderWorkerTemplate) ?? {};
  const worker = asJson(group.workerTemplate) ?? {};
  const leader = asJson(group.leaderTemplate) ?? worker;
  const withLabels = (template: Json, index: string): Json => {
    const metadata = asJson(template.metadata) ?? {};
    const labels = {
      ...(asJson(metadata.labels) ?? {}),
      'leaderworkerset.sigs.k8s.io/name': object.metadata?.name ?? '',
      'leaderworkerset.sigs.k8s.io/worker-index': index,
    };
    return { ...template, metadata: { ...metadata, labels } };
  };
  return [
    { role: 'leader', template: withLabels(leader, '0') },
    { role: 'worker', template: withLabels(worker, '1') },
  ];
}

/**
 * A Rollout's pods: with a canary strategy that labels its tracks (stableMetadata and
 * canaryMetadata, Argo Rollouts' ephemeral metadata, set on each pod by the controller), one
 * template per track with its labels; otherwise its one template.
 */
function rolloutTemplates(object: Json): PodTemplate[] {
  const template = podTemplateOf(object as { kind: string }) ?? {};
  const canary = asJson(asJson(asJson(object.spec)?.strategy)?.canary);
  const tracks = (['stable', 'canary'] as const).filter((track) => asJson(canary?.[`${track}Metadata`]));
  if (tracks.length === 0) return [{ role: '', template }];
  return tracks.map((track) => {
    const extra = asJson(asJson(canary?.[`${track}Metadata`])?.labels) ?? {};
    const metadata = asJson(template.metadata) ?? {};
    return { role: track, template: { ...template, metadata: { ...metadata, labels: { ...(asJson(metadata.labels) ?? {}), ...extra } } } };
  });
}
