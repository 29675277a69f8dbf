import { argoSyncOrder, skipsDryRun, type SyncTask } from './argocd-order.js';
import { CrdCatalogError, type CrdInstall } from './crd-catalog.js';
import { describe, folderObjects, groupOf, type SourcedObject } from './folder-objects.js';
import type { KubeObject } from './kube-client.js';
import { IdentityOrder } from './identity-order.js';
import { ReplayContext, type EngineReplayInput, type KindSource } from './replay-context.js';

/*
 * Argo CD, app of apps, as a cluster meets it: the bootstrap applied by hand, the root
 * Application syncing the component Applications wave by wave, and each of those syncing its
 * folder: a dry run of every object first (a sync that fails it applies nothing), then the objects
 * wave by wave in gitops-engine's order. A Helm add-on's Application "syncs" by installing the
 * CRDs its chart ships (from the lock); a kro graph by creating its instances' CRD. Controllers do
 * not run, so what Argo CD would wait for is reported, and the replay goes on as if it were Healthy.
 */

interface ApplicationSpec {
  project?: string;
  destination?: { namespace?: string };
  source?: { path?: string; chart?: string; targetRevision?: string };
}

const specOf = (object: KubeObject) => (object.spec ?? {}) as ApplicationSpec;
const isApplication = (object: KubeObject) => object.apiVersion === 'argoproj.io/v1alpha1' && object.kind === 'Application';
const gk = (object: KubeObject) => `${groupOf(object)}/${object.kind}`;

/** Kinds Argo CD assesses the health of, and what that health waits for on a cluster. */
function healthWait(object: KubeObject): string | undefined {
  if (isApplication(object)) return 'its sync and health (the Application health check in argocd-cm)';
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      return 'its pods to be ready (a scheduler, nodes and kubelets)';
    case 'Rollout':
      return "its pods to be ready and no step paused (Argo Rollouts; Argo CD's built-in Rollout health check)";
    case 'PersistentVolumeClaim':
      return 'the claim to be Bound (the CSI driver)';
    case 'Ingress':
      return 'a load balancer address (the AWS Load Balancer Controller)';
    case 'PodSecurityGroup':
      return 'kro to report it ACTIVE (the PodSecurityGroup health check in argocd-cm)';
    default:
      return groupOf(object).endsWith('.services.k8s.aws')
        ? 'its ACK controller to sync it to AWS (the ACK health check in argocd-cm)'
        : undefined;
  }
}

interface Project {
  readonly name: string;
  readonly namespaces: ReadonlySet<string>;
  readonly clusterKinds: ReadonlySet<string>;
}

function projectOf(item: SourcedObject | undefined): Project | undefined {
  if (!item) return undefined;
  const spec = (item.object.spec ?? {}) as {
    destinations?: Array<{ namespace?: string }>;
    clusterResourceWhitelist?: Array<{ group: string; kind: string }>;
  };
  return {
    name: item.object.metadata.name,
    namespaces: new Set((spec.destinations ?? []).map((d) => d.namespace ?? '')),
    clusterKinds: new Set((spec.clusterResourceWhitelist ?? []).map((k) => `${k.group}/${k.kind}`)),
  };
}

export async function replayArgoCd({ ctx, root, handApplied }: EngineReplayInput): Promise<void> {
  await ctx.install('Argo CD', await ctx.catalog.gitops('argocd'));
  await ctx.install('EKS', await ctx.catalog.cluster());
  // Installing Argo CD creates its namespace.
  await ctx.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } }, { fieldManager: 'argocd-install' });

  const bootstrap = await folderObjects(root, handApplied);
  // The root Application syncs the bootstrap folder (the hand-applied part is a folder in it).
  const rootApp = bootstrap.find((i) => isApplication(i.object) && handApplied.startsWith(`${specOf(i.object).source?.path ?? '\0'}/`));
  const direct = bootstrap.filter((i) => isApplication(i.object) && i !== rootApp);
  if (direct.length > 0) {
    ctx.report(
      'error',
      `kubectl apply -k ${handApplied}`,
      `applying the bootstrap by hand creates ${direct.length} component Applications directly (${direct.map((i) => i.object.metadata.name).join(', ')}): each starts syncing at once, in no order, so their sync waves order nothing on a cluster's first sync; only the root Application should be applied by hand, and create them`,
    );
  }
  for (const item of bootstrap) await ctx.apply(`kubectl apply -k ${handApplied}`, item);
  if (!rootApp) {
    ctx.report(
      'error',
      `kubectl apply -k ${handApplied}`,
      `no root Application syncs the folder around ${handApplied}: nothing would reconcile the environment`,
    );
    return;
  }
  const project = projectOf(bootstrap.find((i) => i.object.kind === 'AppProject'));

  const rootName = rootApp.object.metadata.name;
  const rootTasks = argoSyncOrder(await folderObjects(root, specOf(rootApp.object).source!.path!));
  const rootPath = specOf(rootApp.object).source!.path!;
  const isRoot = (t: SyncTask) => isApplication(t.item.object) && specOf(t.item.object).source?.path === rootPath;
  const components = rootTasks.filter((t) => isApplication(t.item.object) && !isRoot(t));

  // Which component's sync brings each custom kind, known before anything syncs.
  const sources = new Map<string, KindSource>();
  const folders = new Map<SyncTask, SourcedObject[]>();
  for (const task of components) {
    const objects = await folderObjects(root, specOf(task.item.object).source!.path!);
    folders.set(task, objects);
    for (const kind of await ctx.kindsInstalledBy(objects))
      if (!sources.has(kind)) sources.set(kind, { unit: task.item.object.metadata.name, order: task.wave });
  }

  const identities = new IdentityOrder();
  const waves = [...new Set(rootTasks.map((t) => t.wave))];
  for (const [index, wave] of waves.entries()) {
    const here = rootTasks.filter((t) => t.wave === wave);
    for (const task of here) {
      if (isRoot(task)) continue;
      if (!(await ctx.apply(rootName, task.item, { wave }))) continue;
      const folder = folders.get(task);
      if (folder) await syncComponent(ctx, task, folder, sources, project, identities);
    }
    const next = waves[index + 1];
    const apps = here.filter((t) => folders.has(t)).map((t) => t.item.object.metadata.name);
    if (next !== undefined && apps.length > 0)
      ctx.report('wait', rootName, `wave ${next} starts once ${apps.join(', ')} ${apps.length === 1 ? 'is' : 'are'} Healthy`, { wave });
  }
  // The root waits for a wave's Applications to be Healthy, an Application for its own earlier waves.
  identities.check(
    ctx,
    (association, consumer) =>
      association.stage! < consumer.stage! || (association.unit === consumer.unit && association.wave! < consumer.wave!),
    'Argo CD waits for each wave to be Healthy, with the Application and ACK health checks in argocd-cm',
  );
}

/** The kinds the objects being installed in this wave bring. */
function arrivingKinds(arriving: ReadonlyArray<{ installs: readonly CrdInstall[] }>): Set<string> {
  return new Set(
    arriving.flatMap(({ installs }) =>
      installs.map((i) => {
        const spec = i.crd.spec as { group: string; names: { kind: string } };
        return `${spec.group}/${spec.names.kind}`;
      }),
    ),
  );
}

/** Whether another object of the same wave installs this object's kind (applied later in the wave). */
async function installedHere(ctx: ReplayContext, wave: readonly SyncTask[], object: KubeObject): Promise<boolean> {
  for (const task of wave) {
    const installs = await ctx.installsOf(task.item.object).catch(() => [] as CrdInstall[]);
    if (arrivingKinds([{ installs }]).has(gk(object))) return true;
  }
  return false;
}

async function syncComponent(
  ctx: ReplayContext,
  app: SyncTask,
  objects: readonly SourcedObject[],
  sources: ReadonlyMap<string, KindSource>,
  project: Project | undefined,
  identities: IdentityOrder,
): Promise<void> {
  const unit = app.item.object.metadata.name;
  const tasks = argoSyncOrder(objects);
  const crdsHere = new Set(
    objects
      .filter((i) => i.object.kind === 'CustomResourceDefinition')
      .map((i) => {
        const spec = i.object.spec as { group: string; names: { kind: string } };
        return `${spec.group}/${spec.names.kind}`;
      }),
  );
  const namespacesHere = new Set(
    objects.filter((i) => i.object.kind === 'Namespace' && i.object.apiVersion === 'v1').map((i) => i.object.metadata.name),
  );
  const missingAtDryRun = new Set<SourcedObject>();

  // Dry run of everything first: one refusal fails the whole sync, before anything is applied.
  let failed = false;
  for (const task of tasks) {
    const { object } = task.item;
    const kind = gk(object);
    const resource = await ctx.client.resource(object.apiVersion, object.kind);
    if (!resource) {
      missingAtDryRun.add(task.item);
      if (crdsHere.has(kind) || skipsDryRun(task.item)) continue;
      failed = true;
      const source = sources.get(kind);
      const why =
        source?.unit === unit
          ? `its CRD comes with a chart of this same Application, which has not synced yet: mark it argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true and give it a later sync wave than the chart`
          : source && source.order === app.wave
            ? `its CRD arrives with ${source.unit}, in the same wave (${app.wave}): the two sync concurrently, in no guaranteed order`
            : source && source.order > app.wave
              ? `its CRD arrives with ${source.unit} at wave ${source.order}, after this Application (wave ${app.wave}), and the root Application waits for this one first`
              : 'nothing in this environment installs its CRD';
      ctx.report('error', unit, `dry run failed: no matches for kind "${object.kind}" in version "${object.apiVersion}": ${why}`, {
        item: task.item,
        wave: task.wave,
      });
      continue;
    }
    if (project) {
      const refusal = resource.namespaced
        ? project.namespaces.has(object.metadata.namespace ?? '')
          ? undefined
          : `namespace ${object.metadata.namespace} is not permitted in project '${project.name}'`
        : project.clusterKinds.has(kind)
          ? undefined
          : `Resource ${groupOf(object)}:${object.kind} is not permitted in project ${project.name}.`;
      if (refusal) {
        failed = true;
        ctx.report('error', unit, `the sync refuses it: ${refusal}`, { item: task.item, wave: task.wave });
        continue;
      }
    }
    if (resource.namespaced && !(await ctx.namespaceExists(object.metadata.namespace ?? 'default'))) {
      // Argo CD creates a namespace of the same sync first; with CreateNamespace=false, no other.
      if (namespacesHere.has(object.metadata.namespace ?? '')) continue;
      failed = true;
      ctx.report(
        'error',
        unit,
        `dry run failed: namespaces "${object.metadata.namespace}" not found (no earlier sync creates it, and CreateNamespace=false)`,
        { item: task.item, wave: task.wave },
      );
      continue;
    }
    if (!(await ctx.apply(unit, task.item, { dryRun: true, wave: task.wave }))) failed = true;
  }
  if (failed) {
    ctx.report(
      'error',
      unit,
      `the sync fails at its dry run, applies nothing, and is retried with the same result; the root Application waits for it, so no later wave syncs (the replay goes on as if it had synced, to check what follows)`,
      { wave: app.wave },
    );
  }

  // A Helm add-on's chart syncs as a child Application: its CRDs exist once that Application has
  // synced, which Argo CD waits for (the Application health check) before the next wave.
  const waves = [...new Set(tasks.map((t) => t.wave))];
  for (const [index, wave] of waves.entries()) {
    const here = tasks.filter((t) => t.wave === wave);
    const arriving: Array<{ task: SyncTask; installs: CrdInstall[] }> = [];
    const retried: SyncTask[] = [];
    for (const task of here) {
      const { object } = task.item;
      if (!(await ctx.kindExists(object))) {
        const comesNow = arrivingKinds(arriving).has(gk(object)) || (await installedHere(ctx, here, object));
        if (skipsDryRun(task.item) && comesNow) retried.push(task);
        else if (skipsDryRun(task.item)) {
          ctx.report(
            'error',
            unit,
            `applied at wave ${wave} before its CRD exists: ${ReplayContext.explainMissing(object, sources)}; Argo CD retries the sync (limit 10) while the root Application waits for this one`,
            { item: task.item, wave },
          );
        }
        continue;
      }
      if (!(await ctx.apply(unit, task.item, { wave }))) continue;
      identities.note(task.item, { unit, stage: app.wave, wave });
      if (missingAtDryRun.has(task.item)) {
        ctx.report(
          'info',
          unit,
          `its kind did not exist at the dry run (SkipDryRunOnMissingResource skipped it); applied at wave ${wave}, after an earlier wave installed its CRD`,
          { item: task.item, wave },
        );
      }
      try {
        const installs = await ctx.installsOf(object);
        if (installs.length > 0) arriving.push({ task, installs });
      } catch (error) {
        if (!(error instanceof CrdCatalogError)) throw error;
        ctx.report('error', unit, error.message, { item: task.item, wave });
      }
    }
    for (const { installs } of arriving) await ctx.install(unit, installs, wave);
    for (const task of retried) {
      if (!(await ctx.apply(unit, task.item, { wave }))) continue;
      identities.note(task.item, { unit, stage: app.wave, wave });
      ctx.report(
        'retry',
        unit,
        `applied in the same wave (${wave}) as what installs its CRD: it fails until that has synced, and succeeds when Argo CD retries the sync; give it a later wave`,
        { item: task.item, wave },
      );
    }
    const next = waves[index + 1];
    if (next === undefined) continue;
    const waits = here.map((t) => [t, healthWait(t.item.object)] as const).filter(([, why]) => why !== undefined);
    if (waits.length > 0) {
      ctx.report('wait', unit, `wave ${next} waits for ${waits.map(([t, why]) => `${describe(t.item.object)} (${why})`).join('; ')}`, {
        wave,
      });
    }
  }
}
