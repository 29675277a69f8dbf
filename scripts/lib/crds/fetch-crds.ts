import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { TOOL_ROOT } from '../tools/locate-engine.js';
import type { ModuleFiles } from './crd-sources.js';

/** Where npm run tools keeps the locked CRD files (git-ignored, like the engines). */
export const CRDS_DIR = path.join(TOOL_ROOT, '.tools', 'crds');

/** The cached copy of one locked CRD file. */
export function cachedCrdFile(module: string, version: string, file: string): string {
  return path.join(CRDS_DIR, `${module}@${version}`, file);
}

export class CrdFetchError extends Error {}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Whether every locked file of the module is in .tools/crds/ with its locked sha256. */
export async function isCached(source: ModuleFiles): Promise<boolean> {
  for (const file of source.files) {
    const data = await readFile(cachedCrdFile(source.module, source.version, file.path)).catch(() => undefined);
    if (data === undefined || sha256(data) !== file.sha256) return false;
  }
  return true;
}

/**
 * Makes the CRD files of one locked module available in .tools/crds/: downloads the module
 * through the Go module proxy (the go command checks it against the checksum database), checks
 * its h1: sum and each file's sha256 against the lock, and writes the files (each beside its final
 * name, then renamed). Returns whether it had to fetch.
 */
export async function fetchModuleCrds(go: string, source: ModuleFiles): Promise<boolean> {
  if (await isCached(source)) return false;
  // Outside any module, so that no go.mod around it takes part.
  const scratch = await mkdtemp(path.join(tmpdir(), 'crd-download-'));
  try {
    const result = await $({
      cwd: scratch,
      nothrow: true,
      quiet: true,
      env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'on' },
    })`${go} mod download -json ${`${source.module}@${source.version}`}`;
    let info: { Dir?: string; Sum?: string; Error?: string };
    try {
      info = JSON.parse(result.stdout) as typeof info;
    } catch {
      throw new CrdFetchError(`go mod download ${source.module}@${source.version} failed: ${result.stderr.trim() || result.stdout.trim()}`);
    }
    if (info.Error || !info.Dir)
      throw new CrdFetchError(`go mod download ${source.module}@${source.version}: ${info.Error ?? 'no directory'}`);
    if (info.Sum !== source.sum)
      throw new CrdFetchError(`${source.module}@${source.version}: module sum ${info.Sum} is not the locked ${source.sum}`);
    for (const file of source.files) {
      const data = await readFile(path.join(info.Dir, file.path)).catch(() => undefined);
      if (data === undefined) throw new CrdFetchError(`${source.module}@${source.version} has no ${file.path}`);
      const digest = sha256(data);
      if (digest !== file.sha256)
        throw new CrdFetchError(`${source.module}@${source.version} ${file.path}: sha256 ${digest} is not the locked ${file.sha256}`);
      const target = cachedCrdFile(source.module, source.version, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(`${target}.partial`, data);
      await rename(`${target}.partial`, target);
    }
    return true;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
