import path from 'node:path';
import { CLUSTERS_DIR } from '../config/load-fleet.js';
import { RENDERED_DIRS, type RenderedEnvironment } from './render-environment.js';
import { readTree } from './rendered-tree.js';

export type DriftStatus = 'changed' | 'missing' | 'extra';

/** A committed file that differs from a fresh render. */
export interface DriftEntry {
  /** Repository-relative path. */
  readonly file: string;
  readonly status: DriftStatus;
}

/**
 * Compares a render with what is on disk: files whose content differs, files the render has and
 * the disk lacks, and files on disk that the render no longer produces (orphans).
 */
export async function findDrift(root: string, rendered: RenderedEnvironment): Promise<DriftEntry[]> {
  const envDir = path.join(root, CLUSTERS_DIR, rendered.name);
  const onDisk = new Map<string, string>();
  for (const dir of RENDERED_DIRS) for (const [file, text] of await readTree(envDir, dir)) onDisk.set(file, text);

  const entries: DriftEntry[] = [];
  const repoPath = (file: string) => `${CLUSTERS_DIR}/${rendered.name}/${file}`;
  for (const [file, text] of rendered.files) {
    const current = onDisk.get(file);
    if (current === undefined) entries.push({ file: repoPath(file), status: 'missing' });
    else if (current !== text) entries.push({ file: repoPath(file), status: 'changed' });
  }
  for (const file of onDisk.keys()) {
    if (!rendered.files.has(file)) entries.push({ file: repoPath(file), status: 'extra' });
  }
  return entries.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
