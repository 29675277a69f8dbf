import type { CrdCatalog, CrdInstall } from './crd-catalog.js';
import type { FindingLevel, SyncFinding } from './findings.js';
import { describe, groupOf, type SourcedObject } from './folder-objects.js';
import { ApiError, UnknownKindError, type KubeClient, type KubeObject } from './kube-client.js';

/** Where a kind's CRD arrives from, as far as the replay can tell before applying anything. */
export interface KindSource {
  /** The unit (Application or Kustomization) whose sync installs it. */
  readonly unit: string;
  /** Its position in the sync order (lower first). */
  readonly order: number;
}

/**
 * What one environment's replay shares: the API server, the CRD catalogue, the findings so far.
 */
/** What an engine's replay needs: the context, the repository, and the folder applied by hand. */
export interface EngineReplayInput {
  readonly ctx: ReplayContext;
  readonly root: string;
  /** The folder a person applies by hand (kubectl apply -k), repository-relative. */
  readonly handApplied: string;
}

export class ReplayContext {
  readonly findings: SyncFinding[] = [];
  applied = 0;

  constructor(
    readonly env: string,
    readonly engine: 'argocd' | 'flux',
    readonly client: KubeClient,
    readonly catalog: CrdCatalog,
    /** The field manager the engine applies with. */
    readonly fieldManager: string,
  ) {}

  report(level: FindingLevel, unit: string, message: string, where: { item?: SourcedObject; wave?: number } = {}): void {
    const { item, wave } = where;
    this.findings.push({
      level,
      env: this.env,
      engine: this.engine,
      unit,
      ...(wave === undefined ? {} : { wave }),
      ...(item ? { object: describe(item.object), file: item.file, line: item.line } : {}),
      message,
    });
  }

  /** Installs CRDs (a chart, the engine, a kro graph) and says where they came from. */
  async install(unit: string, installs: readonly CrdInstall[], wave?: number): Promise<void> {
    if (installs.length === 0) return;
    try {
      await this.client.installCrds(
        installs.map((i) => i.crd),
        this.fieldManager,
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.report('error', unit, `installing its CRDs failed: ${error.message}`, { ...(wave === undefined ? {} : { wave }) });
      return;
    }
    for (const install of installs) {
      const spec = install.crd.spec as { group: string; names: { kind: string } };
      this.report('info', unit, `CRD ${spec.names.kind} (${spec.group}) installed from ${install.source}`, {
        ...(wave === undefined ? {} : { wave }),
      });
    }
  }

  /**
   * What syncing this object installs: a Helm add-on's chart CRDs (an Argo CD Application with a
   * chart source, or a Flux HelmRelease), or the CRD kro creates for a graph's instances.
   */
  async installsOf(object: KubeObject): Promise<CrdInstall[]> {
    const spec = (object.spec ?? {}) as {
      source?: { chart?: string; targetRevision?: string };
      chart?: { spec?: { chart?: string; version?: string } };
      schema?: { kind?: string; group?: string };
    };
    if (object.apiVersion === 'argoproj.io/v1alpha1' && object.kind === 'Application' && spec.source?.chart)
      return this.catalog.chart(spec.source.chart, spec.source.targetRevision ?? '');
    if (object.apiVersion.startsWith('helm.toolkit.fluxcd.io/') && object.kind === 'HelmRelease' && spec.chart?.spec?.chart)
      return this.catalog.chart(spec.chart.spec.chart, spec.chart.spec.version ?? '');
    if (object.apiVersion.startsWith('kro.run/') && object.kind === 'ResourceGraphDefinition' && spec.schema?.kind)
      return this.catalog.kroInstances(spec.schema.group ?? 'kro.run', spec.schema.kind);
    return [];
  }

  /** The custom kinds syncing these objects installs ("group/Kind"). */
  async kindsInstalledBy(objects: readonly SourcedObject[]): Promise<string[]> {
    const kinds: string[] = [];
    for (const { object } of objects) {
      for (const install of await this.installsOf(object).catch(() => [] as CrdInstall[])) {
        const spec = install.crd.spec as { group: string; names: { kind: string } };
        kinds.push(`${spec.group}/${spec.names.kind}`);
      }
    }
    return kinds;
  }

  /** Whether the API server serves the object's kind now. */
  async kindExists(object: KubeObject): Promise<boolean> {
    return (await this.client.resource(object.apiVersion, object.kind)) !== undefined;
  }

  async namespaceExists(name: string): Promise<boolean> {
    return (await this.client.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })) !== undefined;
  }

  /** Applies one object for real or as a dry run; a refusal becomes an error finding. Returns whether it was accepted. */
  async apply(unit: string, item: SourcedObject, options: { dryRun?: boolean; wave?: number; what?: string } = {}): Promise<boolean> {
    try {
      await this.client.apply(item.object, { fieldManager: this.fieldManager, ...(options.dryRun ? { dryRun: true } : {}) });
      if (!options.dryRun) this.applied += 1;
      return true;
    } catch (error) {
      if (!(error instanceof ApiError) && !(error instanceof UnknownKindError)) throw error;
      const what = options.what ?? (options.dryRun ? 'dry run failed' : 'apply failed');
      this.report('error', unit, `${what}: ${error.message}`, { item, ...(options.wave === undefined ? {} : { wave: options.wave }) });
      return false;
    }
  }

  /** "its CRD comes from <unit>" or "nothing in this environment installs its CRD", for a missing kind. */
  static explainMissing(object: KubeObject, sources: ReadonlyMap<string, KindSource>): string {
    const source = sources.get(`${groupOf(object)}/${object.kind}`);
    return source ? `its CRD arrives with ${source.unit}` : 'nothing in this environment installs its CRD';
  }
}
