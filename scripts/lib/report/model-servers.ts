import { loadAll } from 'js-yaml';

/** What the PR report shows of one model server in one environment. */
export interface ModelServerFacts {
  readonly model: string;
  readonly version: string;
  /** Image of the container that holds the GPUs. */
  readonly image: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly gpusPerReplica: number;
  /** Nodes one replica spans (a LeaderWorkerSet group's size; 1 for a Deployment). */
  readonly nodesPerReplica: number;
  /** Instance families the pods may land on (node affinity), empty when unrestricted. */
  readonly families: readonly string[];
  /** The render's time-to-ready estimate (eks-llm-gitops.io/time-to-ready), when it carries one. */
  readonly timeToReady?: { readonly scaleUpSeconds: number; readonly firstReplicaSeconds: number; readonly loadFrom: string };
}

// Parsed YAML of any shape: every read below is optional-chained and coerced.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const gpusOf = (container: Json) =>
  Number(container?.resources?.limits?.['nvidia.com/gpu'] ?? container?.resources?.requests?.['nvidia.com/gpu'] ?? 0) || 0;

/** The model servers of an environment's rendered files (path -> text), by model name. */
export function modelServers(files: ReadonlyMap<string, string>): Map<string, ModelServerFacts> {
  const objects: Json[] = [];
  for (const text of files.values()) {
    try {
      for (const doc of loadAll(text)) if (typeof doc === 'object' && doc !== null) objects.push(doc as Json);
    } catch {
      // An unparsable file is the validation gate's finding, not the report's.
    }
  }
  const scalers = new Map<string, Json>();
  for (const o of objects) if (o.kind === 'ScaledObject') scalers.set(`${o.metadata?.namespace}/${o.spec?.scaleTargetRef?.name}`, o);

  const servers = new Map<string, ModelServerFacts>();
  for (const o of objects) {
    const labels = o.metadata?.labels ?? {};
    if (!['Deployment', 'Rollout', 'LeaderWorkerSet'].includes(o.kind) || labels['app.kubernetes.io/component'] !== 'model-server')
      continue;
    // A LeaderWorkerSet's leader holds the same GPUs as each of its workers: one node's worth.
    const group = o.kind === 'LeaderWorkerSet' ? o.spec?.leaderWorkerTemplate : undefined;
    const nodes = group ? Number(group.size ?? 1) || 1 : 1;
    const pod = (group ? (group.leaderTemplate ?? group.workerTemplate) : o.spec?.template)?.spec ?? {};
    const containers: Json[] = pod.containers ?? [];
    const main = containers.find((c) => gpusOf(c) > 0) ?? containers[0] ?? {};
    const scaler = scalers.get(`${o.metadata?.namespace}/${o.metadata?.name}`);
    const replicas = typeof o.spec?.replicas === 'number' ? o.spec.replicas : undefined;
    const families = (pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [])
      .flatMap((t: Json) => t.matchExpressions ?? [])
      .filter((e: Json) => e.key === 'karpenter.k8s.aws/instance-family' && e.operator === 'In')
      .flatMap((e: Json) => e.values ?? []);
    const model = String(labels['app.kubernetes.io/instance'] ?? o.metadata?.name);
    const timeToReady = readyEstimate(o.metadata?.annotations?.['eks-llm-gitops.io/time-to-ready']);
    servers.set(model, {
      model,
      version: String(labels['app.kubernetes.io/version'] ?? ''),
      image: String(main.image ?? ''),
      minReplicas: replicas ?? Number(scaler?.spec?.minReplicaCount ?? 0),
      maxReplicas: replicas ?? Number(scaler?.spec?.maxReplicaCount ?? 100),
      gpusPerReplica: containers.reduce((n, c) => n + gpusOf(c), 0) * nodes,
      nodesPerReplica: nodes,
      families: [...new Set<string>(families)].sort(),
      ...(timeToReady ? { timeToReady } : {}),
    });
  }
  return servers;
}

/** The time-to-ready annotation's figures, or undefined when absent or not what the render writes. */
function readyEstimate(value: unknown): ModelServerFacts['timeToReady'] {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(value) as Json;
    const { scaleUpSeconds, firstReplicaSeconds, loadFrom } = parsed;
    if (typeof scaleUpSeconds !== 'number' || typeof firstReplicaSeconds !== 'number' || typeof loadFrom !== 'string') return undefined;
    return { scaleUpSeconds, firstReplicaSeconds, loadFrom };
  } catch {
    return undefined;
  }
}
