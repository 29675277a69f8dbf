import { podTemplatesOf } from '../kube/pod-template.js';
import { load } from 'js-yaml';
import { byCodeUnit } from '../../../platform/core/compare.js';

/** What a promotion changes in an environment's rendered files, for the PR body. */
export interface DiffSummary {
  /** Objects added, changed and removed, per kind (kustomization.yaml files not counted). */
  readonly byKind: ReadonlyArray<{ kind: string; added: number; changed: number; removed: number }>;
  /** Container images that change, by workload and container. */
  readonly images: ReadonlyArray<{ workload: string; container: string; from: string | undefined; to: string | undefined }>;
  /** Model versions (app.kubernetes.io/version of model servers) that change. */
  readonly modelVersions: ReadonlyArray<{ model: string; from: string | undefined; to: string | undefined }>;
}

// Parsed YAML of any shape: every read below is optional-chained and coerced.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function parse(text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  try {
    const value = load(text);
    return typeof value === 'object' && value !== null ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

const WORKLOADS = new Set(['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet', 'Job', 'LeaderWorkerSet']);

function images(object: Json | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!object || !WORKLOADS.has(object.kind)) return out;
  for (const { role, template } of podTemplatesOf(object as { kind: string })) {
    // A Rollout's two tracks run one template: its images once.
    if (role === 'canary') continue;
    const prefix = role === 'stable' ? '' : role;
    const pod = (template.spec ?? {}) as Json;
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])])
      out.set(prefix ? `${prefix}/${String(container.name)}` : String(container.name), String(container.image));
  }
  return out;
}

function modelVersion(object: Json | undefined): { model: string; version: string } | undefined {
  const labels = object?.metadata?.labels ?? {};
  if (
    !['Deployment', 'Rollout', 'LeaderWorkerSet'].includes(object?.kind ?? '') ||
    labels['app.kubernetes.io/component'] !== 'model-server'
  )
    return undefined;
  return { model: String(labels['app.kubernetes.io/instance']), version: String(labels['app.kubernetes.io/version']) };
}

/** Compares the files of an environment before and after (paths relative to clusters/<env>/). */
export function summarizeDiff(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): DiffSummary {
  const kinds = new Map<string, { kind: string; added: number; changed: number; removed: number }>();
  const imageChanges: Array<DiffSummary['images'][number]> = [];
  const versionChanges: Array<DiffSummary['modelVersions'][number]> = [];

  for (const file of [...new Set([...before.keys(), ...after.keys()])].sort(byCodeUnit)) {
    const old = before.get(file);
    const now = after.get(file);
    if (old === now || file.endsWith('kustomization.yaml')) continue;
    const oldObject = parse(old);
    const newObject = parse(now);
    const kind = String((newObject ?? oldObject)?.kind ?? 'unknown');
    const entry = kinds.get(kind) ?? { kind, added: 0, changed: 0, removed: 0 };
    if (old === undefined) entry.added++;
    else if (now === undefined) entry.removed++;
    else entry.changed++;
    kinds.set(kind, entry);

    const oldImages = images(oldObject);
    const newImages = images(newObject);
    const workload = `${kind} ${(newObject ?? oldObject)?.metadata?.namespace ?? ''}/${(newObject ?? oldObject)?.metadata?.name ?? ''}`;
    for (const container of [...new Set([...oldImages.keys(), ...newImages.keys()])].sort(byCodeUnit)) {
      if (oldImages.get(container) !== newImages.get(container)) {
        imageChanges.push({ workload, container, from: oldImages.get(container), to: newImages.get(container) });
      }
    }
    const oldVersion = modelVersion(oldObject);
    const newVersion = modelVersion(newObject);
    if (oldVersion?.version !== newVersion?.version) {
      versionChanges.push({ model: (newVersion ?? oldVersion)!.model, from: oldVersion?.version, to: newVersion?.version });
    }
  }
  return { byKind: [...kinds.values()].sort((a, b) => byCodeUnit(a.kind, b.kind)), images: imageChanges, modelVersions: versionChanges };
}
