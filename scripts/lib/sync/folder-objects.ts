import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { parseManifestFile } from '../validate/manifest-documents.js';
import type { KubeObject } from './kube-client.js';

/** A rendered object as the GitOps engine reads it from git, with where it is declared. */
export interface SourcedObject {
  readonly object: KubeObject;
  /** Repository-relative file, and the line its document starts on. */
  readonly file: string;
  readonly line: number;
}

export class FolderError extends Error {}

/**
 * The objects of a kustomize folder as `kubectl kustomize` (Argo CD, Flux) builds them from the
 * committed files: its kustomization.yaml's resources, files and folders, recursively. Our
 * kustomizations only list resources, so nothing is patched or generated.
 */
export async function folderObjects(root: string, folder: string): Promise<SourcedObject[]> {
  const kustomization = path.posix.join(folder, 'kustomization.yaml');
  const text = await readFile(path.join(root, kustomization), 'utf8').catch(() => undefined);
  if (text === undefined) throw new FolderError(`${kustomization}: not found (is the folder rendered and committed?)`);
  const spec = load(text) as { resources?: string[] } | null;
  const out: SourcedObject[] = [];
  for (const resource of spec?.resources ?? []) {
    const target = path.posix.join(folder, resource);
    if (!resource.endsWith('.yaml') && !resource.endsWith('.yml')) {
      out.push(...(await folderObjects(root, target)));
      continue;
    }
    const body = await readFile(path.join(root, target), 'utf8').catch(() => undefined);
    if (body === undefined) throw new FolderError(`${kustomization}: lists ${resource}, which does not exist`);
    const parsed = parseManifestFile(target, body);
    const syntax = parsed.syntaxError;
    if (syntax) throw new FolderError(`${target}:${syntax.line}:${syntax.column}: ${syntax.reason}`);
    for (const document of parsed.documents) {
      if (document.value && typeof document.value === 'object')
        out.push({ object: document.value as KubeObject, file: target, line: document.line });
    }
  }
  return out;
}

/** "Deployment llm-x/x" or "Namespace llm-x". */
export function describe(object: KubeObject): string {
  return object.metadata.namespace
    ? `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`
    : `${object.kind} ${object.metadata.name}`;
}

export function groupOf(object: Pick<KubeObject, 'apiVersion'>): string {
  const slash = object.apiVersion.lastIndexOf('/');
  return slash === -1 ? '' : object.apiVersion.slice(0, slash);
}
