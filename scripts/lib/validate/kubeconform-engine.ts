import { mkdir } from 'node:fs/promises';
import type { ManifestFile } from './manifest-documents.js';
import { pointerSegments } from './manifest-documents.js';
import type { ResourceResult, ResourceStatus, SkipReason } from './validate-resources.js';

/**
 * `--engine kubeconform`: the same validation done by the kubeconform binary, reported through
 * our formats (with file-absolute lines, which kubeconform itself does not give).
 */

export interface KubeconformOptions {
  readonly locations: readonly string[];
  readonly strict: boolean;
  readonly skip: readonly string[];
  readonly reject: readonly string[];
  readonly ignoreMissingSchemas: boolean;
  readonly cacheDir: string | undefined;
}

/**
 * kustomize's build files sit beside the objects; our validator skips them as not Kubernetes
 * objects, and kubeconform, which has no schema for them, must too.
 */
export const KUSTOMIZE_BUILD_KINDS = ['kustomize.config.k8s.io/v1beta1/Kustomization', 'kustomize.config.k8s.io/v1alpha1/Component'];

/** kubeconform's flags equivalent to ours. */
export function kubeconformArgs(options: KubeconformOptions, kubernetesVersion: string, files: readonly string[]): string[] {
  const args = ['-output', 'json', '-summary', '-verbose', '-n', '2', '-kubernetes-version', kubernetesVersion.replace(/^v/, '')];
  if (options.strict) args.push('-strict');
  for (const location of options.locations) args.push('-schema-location', location);
  if (options.ignoreMissingSchemas) args.push('-ignore-missing-schemas');
  args.push('-skip', [...KUSTOMIZE_BUILD_KINDS, ...options.skip].join(','));
  if (options.reject.length > 0) args.push('-reject', options.reject.join(','));
  if (options.cacheDir !== undefined) args.push('-cache', options.cacheDir);
  return [...args, ...files];
}

interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: string;
  msg: string;
  validationErrors?: Array<{ path: string; msg: string }>;
}

const STATUS: Record<string, ResourceStatus> = {
  statusValid: 'valid',
  statusInvalid: 'invalid',
  statusError: 'error',
  statusSkipped: 'skipped',
  statusEmpty: 'empty',
};

/**
 * Why kubeconform skipped a resource, which its report does not say: it skips the kustomize build
 * kinds and the kinds of `skip` (kind or apiVersion/Kind) alike, and, with
 * -ignore-missing-schemas, what it has no schema for.
 */
function skipReason(resource: KubeconformResource, skip: readonly string[]): SkipReason {
  const gvk = `${resource.version}/${resource.kind}`;
  if (KUSTOMIZE_BUILD_KINDS.includes(gvk)) return 'kustomize';
  return skip.includes(resource.kind) || skip.includes(gvk) ? 'skip-flag' : 'missing-schema';
}

/**
 * Maps kubeconform's `-output json` to our results. kubeconform names documents only by file,
 * kind and name, so each is matched to the parsed document of that identity (in order, for
 * repeats) to give it a line. `skip`: the kinds given to --skip, to say why a resource was skipped.
 */
export function parseKubeconformOutput(output: string, files: readonly ManifestFile[], skip: readonly string[] = []): ResourceResult[] {
  let parsed: { resources?: KubeconformResource[] };
  try {
    parsed = JSON.parse(output) as { resources?: KubeconformResource[] };
  } catch {
    throw new Error(`kubeconform printed something that is not its JSON output: ${output.slice(0, 200)}`);
  }
  const queues = new Map<string, Array<{ line: number; lineOf: (pointer: string) => number }>>();
  for (const file of files) {
    for (const document of file.documents) {
      const value = document.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
      const key = identityKey(file.file, String(value?.kind ?? ''), String(value?.metadata?.name ?? ''));
      const queue = queues.get(key) ?? [];
      queue.push({ line: document.line, lineOf: document.lineOf });
      queues.set(key, queue);
    }
  }
  return (parsed.resources ?? []).map((resource) => {
    const located = queues.get(identityKey(resource.filename, resource.kind, resource.name))?.shift();
    const lineOf = located?.lineOf ?? (() => 1);
    const status = STATUS[resource.status] ?? 'error';
    return {
      filename: resource.filename,
      line: located?.line ?? 1,
      kind: resource.kind,
      name: resource.name,
      version: resource.version,
      status,
      msg: resource.msg,
      validationErrors: (resource.validationErrors ?? []).map((e) => ({
        path: e.path,
        msg: e.msg,
        line: lineOf(normalizePointer(e.path)),
      })),
      schema: 'kubeconform',
      ...(status === 'skipped' ? { skipReason: skipReason(resource, skip) } : {}),
    };
  });
}

function identityKey(file: string, kind: string, name: string): string {
  return `${file}\u0000${kind}\u0000${name}`;
}

/** kubeconform paths are JSON pointers; make sure of the leading slash. */
function normalizePointer(pointer: string): string {
  return pointer.startsWith('/') ? pointer : `/${pointerSegments(`/${pointer}`).join('/')}`;
}

/** Runs kubeconform on files on disk and maps its report. */
export async function runKubeconform(
  binary: string,
  options: KubeconformOptions,
  kubernetesVersion: string,
  files: readonly ManifestFile[],
  cwd: string,
): Promise<ResourceResult[]> {
  if (files.length === 0) return [];
  const args = kubeconformArgs(
    options,
    kubernetesVersion,
    files.map((f) => f.file),
  );
  // kubeconform refuses a cache folder that does not exist yet (a first run in a fresh checkout).
  if (options.cacheDir !== undefined) await mkdir(options.cacheDir, { recursive: true });
  const { $ } = await import('zx');
  const result = await $({ nothrow: true, quiet: true, cwd })`${binary} ${args}`;
  // It says why it could not run on stderr, exiting 1 as it does for invalid objects.
  if ((result.exitCode !== 0 && result.exitCode !== 1) || (result.stdout.trim() === '' && result.stderr.trim() !== '')) {
    throw new Error(`kubeconform failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
  return parseKubeconformOutput(result.stdout, files, options.skip);
}
