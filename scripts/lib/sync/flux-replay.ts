import { CrdCatalogError, type CrdInstall } from './crd-catalog.js';
import { describe, folderObjects, groupOf, type SourcedObject } from './folder-objects.js';
import type { KubeObject } from './kube-client.js';
import { IdentityOrder } from './identity-order.js';
import { ReplayContext, type EngineReplayInput, type KindSource } from './replay-context.js';

/*
 * Flux, as a cluster meets it: the bootstrap applied by hand (GitRepository and Kustomizations),
 * then each Kustomization once the ones it depends on are ready. kustomize-controller applies a
 * Kustomization in stages (fluxcd/pkg/ssa ApplyAllStaged): CRDs and Namespaces, then class kinds
 * (StorageClass, PriorityClass, IngressClass...), then everything else; each stage is dry-run
 * first as a whole, and one refusal applies nothing of it. A HelmRelease installs its chart's CRDs
 * when helm-controller releases it, after the stage that created it.
 */

interface KustomizationSpec {
  path?: string;
  dependsOn?: Array<{ name: string }>;
  wait?: boolean;
}

const isKustomization = (object: KubeObject) =>
  object.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && object.kind === 'Kustomization';
const isHelmRelease = (object: KubeObject) => object.apiVersion.startsWith('helm.toolkit.fluxcd.io/') && object.kind === 'HelmRelease';
const gk = (object: KubeObject) => `${groupOf(object)}/${object.kind}`;
const pathOf = (object: KubeObject) => ((object.spec as KustomizationSpec | undefined)?.path ?? '').replace(/^\.\//, '');

function stageOf(object: KubeObject): number {
  if (
    (object.kind === 'CustomResourceDefinition' && groupOf(object) === 'apiextensions.k8s.io') ||
    (object.kind === 'Namespace' && groupOf(object) === '')
  )
    return 0;
  return object.kind.endsWith('Class') ? 1 : 2;
}

export async function replayFlux({ ctx, root, handApplied }: EngineReplayInput): Promise<void> {
  await ctx.install('Flux', await ctx.catalog.gitops('flux'));
  await ctx.install('EKS', await ctx.catalog.cluster());
  await ctx.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } }, { fieldManager: 'flux-install' });

  const bootstrap = await folderObjects(root, handApplied);
  for (const item of bootstrap) await ctx.apply(`kubectl apply -k ${handApplied}`, item);
  // The bootstrap Kustomization syncs the folder around the hand-applied part: every other Kustomization.
  const rootKustomization = bootstrap.find((i) => isKustomization(i.object) && handApplied.startsWith(`${pathOf(i.object)}/`));
  if (!rootKustomization) {
    ctx.report(
      'error',
      `kubectl apply -k ${handApplied}`,
      `no Kustomization syncs the folder around ${handApplied}: nothing would reconcile the environment`,
    );
    return;
  }
  const synced = await folderObjects(root, pathOf(rootKustomization.object));

  // dependsOn order (a topological sort; a cycle or an unknown dependency is a finding).
  const kustomizations = synced.filter((i) => isKustomization(i.object));
  const byName = new Map(kustomizations.map((k) => [k.object.metadata.name, k]));
  const ordered: SourcedObject[] = [];
  const visiting = new Set<string>();
  const visit = (item: SourcedObject): void => {
    const name = item.object.metadata.name;
    if (ordered.includes(item)) return;
    if (visiting.has(name)) {
      ctx.report('error', name, 'dependsOn forms a cycle: none of these Kustomizations ever becomes ready', { item });
      return;
    }
    visiting.add(name);
    for (const dependency of (item.object.spec as KustomizationSpec).dependsOn ?? []) {
      const target = byName.get(dependency.name);
      if (target) visit(target);
      else ctx.report('error', name, `depends on Kustomization ${dependency.name}, which does not exist: it never becomes ready`, { item });
    }
    visiting.delete(name);
    ordered.push(item);
  };
  kustomizations.forEach(visit);

  // Which Kustomization's sync brings each custom kind (its HelmReleases' charts).
  const folders = new Map<SourcedObject, SourcedObject[]>();
  const sources = new Map<string, KindSource>();
  for (const [order, item] of ordered.entries()) {
    const objects = await folderObjects(root, pathOf(item.object));
    folders.set(item, objects);
    for (const kind of await ctx.kindsInstalledBy(objects))
      if (!sources.has(kind)) sources.set(kind, { unit: item.object.metadata.name, order });
  }

  const identities = new IdentityOrder();
  for (const item of ordered) {
    const objects = folders.get(item);
    if (objects) await reconcile(ctx, item, objects, sources, identities);
  }
  // A Kustomization waits (wait: true, the ACK health expressions) before those that depend on it.
  const dependsOn = (name: string, seen = new Set<string>()): Set<string> => {
    for (const d of (byName.get(name)?.object.spec as KustomizationSpec | undefined)?.dependsOn ?? [])
      if (!seen.has(d.name)) {
        seen.add(d.name);
        dependsOn(d.name, seen);
      }
    return seen;
  };
  const waits = (name: string) => (byName.get(name)?.object.spec as KustomizationSpec | undefined)?.wait === true;
  identities.check(
    ctx,
    (association, consumer) => waits(association.unit) && dependsOn(consumer.unit).has(association.unit),
    'a Kustomization waits for what it depends on, with wait: true and the ACK healthCheckExprs',
  );
}

async function reconcile(
  ctx: ReplayContext,
  kustomization: SourcedObject,
  objects: readonly SourcedObject[],
  sources: ReadonlyMap<string, KindSource>,
  identities: IdentityOrder,
): Promise<void> {
  const unit = kustomization.object.metadata.name;
  const releases: Array<{ item: SourcedObject; installs: CrdInstall[] }> = [];
  let failed = false;
  for (const stage of [0, 1, 2]) {
    const here = objects.filter((o) => stageOf(o.object) === stage);
    const namespacesHere = new Set(objects.filter((o) => o.object.kind === 'Namespace').map((o) => o.object.metadata.name));
    let stageFailed = false;
    for (const item of here) {
      const { object } = item;
      const resource = await ctx.client.resource(object.apiVersion, object.kind);
      if (!resource) {
        stageFailed = true;
        const source = sources.get(gk(object));
        const why =
          source?.unit === unit
            ? `its CRD comes with a HelmRelease of this same Kustomization, which this failure keeps from being applied: the chart's HelmRelease must be in a Kustomization this one depends on`
            : ReplayContext.explainMissing(object, sources);
        ctx.report('error', unit, `dry run failed: no matches for kind "${object.kind}" in version "${object.apiVersion}": ${why}`, {
          item,
        });
        continue;
      }
      if (
        resource.namespaced &&
        !namespacesHere.has(object.metadata.namespace ?? '') &&
        !(await ctx.namespaceExists(object.metadata.namespace ?? 'default'))
      ) {
        stageFailed = true;
        ctx.report(
          'error',
          unit,
          `dry run failed: namespaces "${object.metadata.namespace}" not found (no Kustomization it depends on creates it)`,
          { item },
        );
        continue;
      }
      if (resource.namespaced && !(await ctx.namespaceExists(object.metadata.namespace ?? 'default'))) continue;
      if (!(await ctx.apply(unit, item, { dryRun: true }))) stageFailed = true;
    }
    if (stageFailed) {
      failed = true;
      ctx.report(
        'error',
        unit,
        `the apply stage of ${['CRDs and Namespaces', 'class kinds', 'the other objects'][stage]} fails its dry run and applies none of them; the Kustomization is retried with the same result and never becomes ready (the replay goes on as if it had, to check what follows)`,
      );
    }
    for (const item of here) {
      if (!(await ctx.kindExists(item.object))) continue;
      if (!(await ctx.apply(unit, item))) continue;
      identities.note(item, { unit });
      {
        try {
          const installs = await ctx.installsOf(item.object);
          if (installs.length > 0) releases.push({ item, installs });
        } catch (error) {
          if (!(error instanceof CrdCatalogError)) throw error;
          ctx.report('error', unit, error.message, { item });
        }
      }
    }
  }
  // helm-controller releases the charts (kro turns graphs into CRDs); with wait: true the Kustomization is ready only after.
  for (const { installs } of releases) await ctx.install(unit, installs);
  const waits = objects.filter(
    (o) => isHelmRelease(o.object) || ['Deployment', 'StatefulSet', 'DaemonSet', 'PersistentVolumeClaim'].includes(o.object.kind),
  );
  if ((kustomization.object.spec as KustomizationSpec).wait && waits.length > 0) {
    const shown = waits.slice(0, 8).map((o) => describe(o.object));
    ctx.report(
      'wait',
      unit,
      `${failed ? 'would be' : 'is'} ready (wait: true) only once ${shown.join(', ')}${waits.length > shown.length ? ` and ${waits.length - shown.length} more` : ''} are ready (helm-controller releases, pods scheduled)`,
    );
  }
}
