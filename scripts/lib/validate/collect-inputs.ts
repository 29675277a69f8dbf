import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { UsageError } from '../cli/run-cli.js';
import { CLUSTER_FILE, CLUSTERS_DIR } from '../config/load-fleet.js';
import { MANIFESTS_DIR } from '../render/manifest-files.js';
import { byCodeUnit } from '../../../platform/core/compare.js';

/** A file to validate, read into memory. */
export interface InputFile {
  /** Display path: repository-relative when inside the repository, else as given. */
  readonly file: string;
  readonly text: string;
}

/** Folders of an environment that hold rendered objects (bootstrap comes with the GitOps wiring). */
export const VALIDATED_DIRS = [MANIFESTS_DIR, 'bootstrap'] as const;

const MANIFEST_FILE = /\.(ya?ml|json)$/;

/** Rendered files of an environment (every YAML file under its rendered folders). */
export async function environmentFiles(root: string, env: string): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const dir of VALIDATED_DIRS) files.push(...(await walk(root, path.join(root, CLUSTERS_DIR, env, dir), [])));
  return files;
}

/**
 * Files named on the command line: files as they are, folders searched recursively for YAML and
 * JSON, `-` for standard input. A path that does not exist is a usage error.
 */
export async function collectPaths(
  root: string,
  paths: readonly string[],
  ignore: readonly RegExp[],
  stdin: () => Promise<string>,
): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const given of paths) {
    if (given === '-') {
      files.push({ file: 'stdin', text: await stdin() });
      continue;
    }
    const absolute = path.resolve(given);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new UsageError(`no such file or folder: ${given}`);
    if (info.isDirectory()) files.push(...(await walk(root, absolute, ignore)));
    else if (!ignore.some((re) => re.test(absolute)))
      files.push({ file: displayPath(root, absolute), text: await readFile(absolute, 'utf8') });
  }
  return files;
}

async function walk(root: string, dir: string, ignore: readonly RegExp[]): Promise<InputFile[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  // Read a folder's files in parallel; keep the (sorted) order in the result.
  const sorted = entries.sort((a, b) => byCodeUnit(a.name, b.name));
  const parts = await Promise.all(
    sorted.map(async (entry): Promise<InputFile[]> => {
      const absolute = path.join(dir, entry.name);
      if (ignore.some((re) => re.test(absolute))) return [];
      if (entry.isDirectory()) return walk(root, absolute, ignore);
      if (!MANIFEST_FILE.test(entry.name)) return [];
      return [{ file: displayPath(root, absolute), text: await readFile(absolute, 'utf8') }];
    }),
  );
  return parts.flat();
}

function displayPath(root: string, absolute: string): string {
  const relative = path.relative(root, absolute);
  return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative.split(path.sep).join('/');
}

/** The environment a repository path belongs to (`clusters/<env>/...`), if any. */
export function environmentOf(file: string): string | undefined {
  const match = /^clusters\/([^/]+)\//.exec(file);
  return match?.[1];
}

/**
 * The Kubernetes version an environment runs, read from its cluster.yaml without the full
 * input checks (validation must work on rendered files even while an input is being edited).
 */
export async function environmentKubernetesVersion(root: string, env: string): Promise<string | undefined> {
  const file = path.join(root, CLUSTERS_DIR, env, CLUSTER_FILE);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const version = (load(text) as { aws?: { kubernetesVersion?: unknown } } | null)?.aws?.kubernetesVersion;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}
