import path from 'node:path';
import type { Fleet } from '../config/fleet.js';
import { RENDERED_DIRS, renderEnvironment } from '../render/render-environment.js';
import { readTree } from '../render/rendered-tree.js';
import { writeEnvironment } from '../render/write-environment.js';
import { CLUSTERS_DIR } from '../config/load-fleet.js';
import { parseManifestFile } from '../validate/manifest-documents.js';
import { summarize } from '../validate/reports.js';
import { normalizeKubernetesVersion } from '../validate/schema-location.js';
import { strictValidator } from '../validate/strict-validator.js';
import type { GateResult } from './pr-body.js';

/** The rendered files of an environment on disk (paths relative to clusters/<env>/). */
export async function renderedFiles(root: string, env: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const dir of RENDERED_DIRS)
    for (const [file, text] of await readTree(path.join(root, CLUSTERS_DIR, env), dir)) files.set(file, text);
  return files;
}

/** Re-renders one environment of the checkout at `root` in place. */
export async function rerender(root: string, fleet: Fleet, env: string): Promise<void> {
  await writeEnvironment(root, renderEnvironment(fleet, env));
}

/**
 * Strict schema validation of the re-rendered environment, as the PR gate would run it (schema
 * locations from the environment variable, then the built-in validators).
 */
export async function validationGate(
  files: ReadonlyMap<string, string>,
  env: string,
  kubernetesVersion: string,
  cacheDir: string,
): Promise<GateResult> {
  const validator = strictValidator(cacheDir);
  const manifests = [...files].map(([file, text]) => parseManifestFile(`${CLUSTERS_DIR}/${env}/${file}`, text));
  const results = await validator.validateGroup({ files: manifests, kubernetesVersion: normalizeKubernetesVersion(kubernetesVersion) });
  const s = summarize(results);
  const first = results.find((r) => r.status === 'invalid' || r.status === 'error');
  return {
    name: 'schema validation (strict)',
    passed: s.invalid === 0 && s.errors === 0,
    detail: `${s.valid} valid, ${s.invalid} invalid, ${s.errors} errors, ${s.skipped} skipped${first ? `; first: ${first.filename}:${first.line} ${first.msg}` : ''}`,
  };
}
