import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { loadCrdLock, type CrdLock, type ModuleFiles } from '../crds/crd-sources.js';
import { cachedCrdFile, isCached } from '../crds/fetch-crds.js';
import { VENDORED_SCHEMAS_DIR } from '../validate/vendored-schemas.js';
import type { KubeObject } from './kube-client.js';

/** A CRD the replay installs, and where it comes from (for the report). */
export interface CrdInstall {
  readonly crd: KubeObject;
  /** "karpenter 1.14.1: github.com/aws/karpenter-provider-aws@v1.14.1 pkg/apis/crds/karpenter.sh_nodepools.yaml" */
  readonly source: string;
  /** Made from a catalogue schema, because no module carries the upstream CRD (see the lock). */
  readonly synthesized: boolean;
}

export class CrdCatalogError extends Error {}

/** The scope a kind is used with in the render, which a CRD made from a schema must declare. */
export type ScopeOf = (group: string, kind: string) => 'Namespaced' | 'Cluster';

/**
 * Every CRD the replay can install, from the reviewed lock (platform/crd-sources.yaml): the
 * upstream files npm run tools fetched, or, for kinds no module carries, a CRD made from the
 * vendored schema (the catalogue's, converted back: the strict validator's closed objects
 * reopened, which is all that conversion added).
 */
export class CrdCatalog {
  private constructor(
    private readonly root: string,
    private readonly lock: CrdLock,
    private readonly scopeOf: ScopeOf,
  ) {}

  static async load(root: string, toolRoot: string, scopeOf: ScopeOf): Promise<CrdCatalog> {
    const lock = await loadCrdLock(toolRoot);
    return new CrdCatalog(root, lock, scopeOf);
  }

  /** The CRDs of the GitOps engine, installed with it before the bootstrap. */
  async gitops(engine: 'argocd' | 'flux'): Promise<CrdInstall[]> {
    const installs: CrdInstall[] = [];
    for (const entry of this.lock.gitops.filter((e) => e.engine === engine)) {
      installs.push(
        ...(await moduleCrds(`${engine} ${entry.release}`, {
          module: entry.module,
          version: entry.version,
          sum: entry.sum,
          files: entry.files,
        })),
      );
    }
    return installs;
  }

  /** The CRDs the EKS control plane serves itself. */
  async cluster(): Promise<CrdInstall[]> {
    const installs: CrdInstall[] = [];
    for (const entry of this.lock.cluster)
      installs.push(
        ...(await moduleCrds(entry.provider, { module: entry.module, version: entry.version, sum: entry.sum, files: entry.files })),
      );
    return installs;
  }

  /**
   * The CRDs a chart installs when it syncs, or an error when the lock has no entry for that
   * chart at that version (a chart bumped without its CRD source).
   */
  async chart(name: string, version: string): Promise<CrdInstall[]> {
    const entry = this.lock.charts.find((e) => e.chart === name);
    if (!entry)
      throw new CrdCatalogError(`chart ${name} ${version} has no entry in platform/crd-sources.yaml: add where its CRDs come from`);
    if (entry.version !== version)
      throw new CrdCatalogError(
        `chart ${name} is rendered at ${version} but platform/crd-sources.yaml locks ${entry.version}: update its CRD source with the chart`,
      );
    if ('crds' in entry) return [];
    const installs: CrdInstall[] = [];
    const label = `${name} ${version}`;
    if ('module' in entry)
      installs.push(
        ...(await moduleCrds(label, { module: entry.module, version: entry.moduleVersion, sum: entry.sum, files: entry.files })),
      );
    if (entry.missing) {
      for (const groupKind of entry.missing.kinds)
        installs.push(...(await this.fromSchemas(label, groupKind, 'no module carries its CRD')));
    }
    return installs;
  }

  /** The CRD kro creates for a graph's instances (kro does not run here, so the replay does it). */
  async kroInstances(group: string, kind: string): Promise<CrdInstall[]> {
    return this.fromSchemas('kro (from the graph)', `${group}/${kind}`, 'kro generates it from the graph');
  }

  private async fromSchemas(label: string, groupKind: string, why: string): Promise<CrdInstall[]> {
    const [group, kind] = groupKind.split('/') as [string, string];
    const dir = path.join(this.root, VENDORED_SCHEMAS_DIR, group);
    const prefix = `${kind.toLowerCase()}_`;
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith(prefix) && f.endsWith('.json')).sort();
    if (files.length === 0)
      throw new CrdCatalogError(`${groupKind}: no vendored schema in ${VENDORED_SCHEMAS_DIR}/${group}/ to make its CRD from`);
    const versions = await Promise.all(
      files.map(async (file, index) => ({
        name: file.slice(prefix.length, -'.json'.length),
        served: true,
        storage: index === 0,
        schema: { openAPIV3Schema: reopen(JSON.parse(await readFile(path.join(dir, file), 'utf8'))) },
      })),
    );
    const plural = pluralOf(kind);
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        group,
        scope: this.scopeOf(group, kind),
        names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
        versions,
      },
    };
    return [{ crd, source: `${label}: made from ${VENDORED_SCHEMAS_DIR}/${group}/${files.join(', ')} (${why})`, synthesized: true }];
  }
}

async function moduleCrds(label: string, source: ModuleFiles): Promise<CrdInstall[]> {
  if (!(await isCached(source)))
    throw new CrdCatalogError(`the CRDs of ${source.module}@${source.version} are not fetched: run npm run tools`);
  const installs: CrdInstall[] = [];
  for (const file of source.files) {
    for (const doc of loadAll(await readFile(cachedCrdFile(source.module, source.version, file.path), 'utf8'))) {
      if (doc && typeof doc === 'object' && (doc as KubeObject).kind === 'CustomResourceDefinition') {
        installs.push({ crd: doc as KubeObject, source: `${label}: ${source.module}@${source.version} ${file.path}`, synthesized: false });
      }
    }
  }
  return installs;
}

/** A vendored (strict) schema as a CRD's structural schema: drop what the strict conversion added. */
function reopen(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(reopen);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema' || (key === 'additionalProperties' && value === false)) continue;
    out[key] =
      key === 'properties' && value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reopen(v)]))
        : reopen(value);
  }
  return out;
}

function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}
