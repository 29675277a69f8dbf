import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { $ } from 'zx';
import { CLUSTER_FILE, CLUSTERS_DIR } from '../config/load-fleet.js';
import { MANIFESTS_DIR } from '../render/manifest-files.js';
import { packagesFor, POLICIES_DIR, POLICY_DATA_DIR, type PolicyRule } from './catalogue.js';
import type { PassName } from './findings.js';

/** One conftest invocation over an environment. */
export interface PolicyPass {
  readonly name: PassName;
  /** Repository-relative inputs. */
  readonly files: readonly string[];
  readonly args: readonly string[];
}

export interface PassInputs {
  readonly env: string;
  readonly rules: readonly PolicyRule[];
  /** The environment's rendered files (manifests and bootstrap), repository-relative. */
  readonly renderedFiles: readonly string[];
  /** Rendered app files of the promotion source, when the environment has one. */
  readonly promotionSourceFiles?: readonly string[];
  /** Folder with the environment's data document (data.llm), see writeEnvironmentData. */
  readonly environmentDataDir: string;
  /** The pack's modules without its unit tests, repository-relative (see policyModules). */
  readonly policyFiles: readonly string[];
}

/** kustomize build files are not Kubernetes objects; conftest would see one identity for all. */
const isKustomization = (file: string) => path.basename(file) === 'kustomization.yaml';

/**
 * The passes over one environment:
 * - objects: every rendered document on its own, every rule package (--all-namespaces);
 * - combined: all rendered documents as one input (--combine) for the cross-object rules;
 * - config: the environment's cluster.yaml;
 * - promotion: the cluster.yaml with the promotion source's rendered apps (--combine), for the
 *   promotion rules only (the cross-object rules must not judge a mix of two environments).
 */
export function planPasses(inputs: PassInputs): PolicyPass[] {
  const common = [
    'test',
    ...inputs.policyFiles.flatMap((f) => ['--policy', f]),
    '--data',
    POLICY_DATA_DIR,
    '--data',
    inputs.environmentDataDir,
    '--output',
    'json',
    '--no-color',
  ];
  const manifests = inputs.renderedFiles.filter((f) => !isKustomization(f));
  const config = `${CLUSTERS_DIR}/${inputs.env}/${CLUSTER_FILE}`;
  const passes: PolicyPass[] = [];
  if (manifests.length > 0) {
    passes.push({ name: 'objects', files: manifests, args: [...common, '--all-namespaces', ...manifests] });
    passes.push({ name: 'combined', files: manifests, args: [...common, '--all-namespaces', '--combine', ...manifests] });
  }
  passes.push({ name: 'config', files: [config], args: [...common, '--all-namespaces', config] });
  const promotionPackages = packagesFor(inputs.rules, 'promotion');
  if (inputs.promotionSourceFiles && promotionPackages.length > 0) {
    const files = [config, ...inputs.promotionSourceFiles.filter((f) => !isKustomization(f))];
    passes.push({
      name: 'promotion',
      files,
      args: [...common, '--combine', ...promotionPackages.flatMap((p) => ['--namespace', p]), ...files],
    });
  }
  return passes;
}

/**
 * Every Rego module under policies/ except the unit tests (*_test.rego), a team's own folders
 * included. conftest loads every .rego file of a --policy folder, tests too, and --all-namespaces
 * would then evaluate the test packages (and their fixtures) against every rendered object.
 */
export async function policyModules(root: string): Promise<string[]> {
  const entries = await readdir(path.join(root, POLICIES_DIR), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.rego') && !e.name.endsWith('_test.rego'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Rendered app folders of an environment (what the promotion rules read from the source). */
export function appsDir(env: string): string {
  return `${CLUSTERS_DIR}/${env}/${MANIFESTS_DIR}/apps`;
}

/**
 * Writes data.llm for one environment: its name, and the model versions it had on the base
 * revision (versions already deployed stay valid when the promotion source moves on).
 */
export async function writeEnvironmentData(dir: string, env: string, baseline: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const document = { llm: { environment: env, baseline: { [env]: baseline } } };
  await writeFile(path.join(dir, 'llm.json'), `${JSON.stringify(document, null, 2)}\n`);
}

/** Model versions in an environment's cluster.yaml at a git revision; {} when it is not there. */
export async function baselineVersions(root: string, revision: string, env: string): Promise<Record<string, string>> {
  const file = `${CLUSTERS_DIR}/${env}/${CLUSTER_FILE}`;
  const shown = await $({ cwd: root, nothrow: true, quiet: true })`git show ${`${revision}:${file}`}`;
  if (shown.exitCode !== 0) return {};
  let value: unknown;
  try {
    value = load(shown.stdout);
  } catch {
    return {};
  }
  const models = (value as { models?: Record<string, { version?: unknown }> } | null)?.models ?? {};
  const versions: Record<string, string> = {};
  for (const [model, spec] of Object.entries(models)) if (typeof spec?.version === 'string') versions[model] = spec.version;
  return versions;
}
