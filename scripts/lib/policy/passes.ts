import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { $ } from 'zx';
import { CLUSTER_FILE, CLUSTERS_DIR } from '../config/load-fleet.js';
import { MANIFESTS_DIR } from '../render/manifest-files.js';
import { packagesFor, POLICIES_DIR, POLICY_DATA_DIR, type PolicyInput, type PolicyRule } from './catalogue.js';
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
  /** The Rego packages those modules declare (see modulePackages). */
  readonly modulePackages: readonly string[];
}

/** kustomize build files are not Kubernetes objects; conftest would see one identity for all. */
const isKustomization = (file: string) => path.basename(file) === 'kustomization.yaml';

/**
 * The passes over one environment, each evaluating only the rules written for its input (the
 * catalogue's `input`), so conftest never runs a rule on a shape it cannot judge:
 * - objects: every rendered document on its own, the object rules;
 * - combined: all rendered documents as one input (--combine), the cross-object rules;
 * - config: the environment's cluster.yaml, the config rules;
 * - promotion: the cluster.yaml with the promotion source's rendered apps (--combine), the
 *   promotion rules (the cross-object rules must not judge a mix of two environments).
 * Packages outside the catalogue (a team's own folders, the helper library) run in the first
 * three passes, as --all-namespaces ran them before. A pass without a package is not run.
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
  const catalogued = new Set(inputs.rules.map((r) => r.pkg));
  const uncatalogued = [...new Set(inputs.modulePackages)].filter((p) => !catalogued.has(p));
  const namespaces = (input: PolicyInput) => {
    const packages = [...packagesFor(inputs.rules, input), ...(input === 'promotion' ? [] : uncatalogued)];
    return packages.flatMap((p) => ['--namespace', p]);
  };
  const passes: PolicyPass[] = [];
  const add = (name: PassName, input: PolicyInput, files: readonly string[], extra: readonly string[]) => {
    const selected = namespaces(input);
    if (selected.length > 0) passes.push({ name, files, args: [...common, ...selected, ...extra, ...files] });
  };
  if (manifests.length > 0) {
    add('objects', 'object', manifests, []);
    add('combined', 'combined', manifests, ['--combine']);
  }
  add('config', 'config', [config], []);
  if (inputs.promotionSourceFiles) {
    add('promotion', 'promotion', [config, ...inputs.promotionSourceFiles.filter((f) => !isKustomization(f))], ['--combine']);
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

/** The package each module declares (its `package` line), in module order. */
export async function modulePackages(root: string, files: readonly string[]): Promise<string[]> {
  const packages: string[] = [];
  for (const file of files) {
    const match = /^package\s+([\w.]+)/m.exec(await readFile(path.join(root, file), 'utf8'));
    if (match) packages.push(match[1]!);
  }
  return packages;
}

/** Rendered app folders of an environment (what the promotion rules read from the source). */
export function appsDir(env: string): string {
  return `${CLUSTERS_DIR}/${env}/${MANIFESTS_DIR}/apps`;
}

/** The model versions an environment had on the base revision: each model's, and its staged canary's. */
export interface BaselineVersions {
  readonly versions: Readonly<Record<string, string>>;
  readonly canaries: Readonly<Record<string, string>>;
}

/**
 * Writes data.llm for one environment: its name, and the model versions (and staged canaries'
 * versions) it had on the base revision: versions already deployed stay valid when the
 * promotion source moves on.
 */
export async function writeEnvironmentData(dir: string, env: string, baseline: BaselineVersions): Promise<void> {
  await mkdir(dir, { recursive: true });
  const document = { llm: { environment: env, baseline: { [env]: baseline.versions }, canary_baseline: { [env]: baseline.canaries } } };
  await writeFile(path.join(dir, 'llm.json'), `${JSON.stringify(document, null, 2)}\n`);
}

/** Model versions in an environment's cluster.yaml at a git revision; none when it is not there. */
export async function baselineVersions(root: string, revision: string, env: string): Promise<BaselineVersions> {
  const file = `${CLUSTERS_DIR}/${env}/${CLUSTER_FILE}`;
  const none = { versions: {}, canaries: {} };
  const shown = await $({ cwd: root, nothrow: true, quiet: true })`git show ${`${revision}:${file}`}`;
  if (shown.exitCode !== 0) return none;
  let value: unknown;
  try {
    value = load(shown.stdout);
  } catch {
    return none;
  }
  const models = (value as { models?: Record<string, { version?: unknown; canary?: { version?: unknown } }> } | null)?.models ?? {};
  const versions: Record<string, string> = {};
  const canaries: Record<string, string> = {};
  for (const [model, spec] of Object.entries(models)) {
    if (typeof spec?.version === 'string') versions[model] = spec.version;
    if (typeof spec?.canary?.version === 'string') canaries[model] = spec.canary.version;
  }
  return { versions, canaries };
}
