import { ApiObject, App, Chart } from 'cdk8s';
import type { ClusterSpec } from '../../scripts/lib/config/cluster-schema.js';
import { PART_OF, MANAGED_BY } from '../../scripts/lib/k8s/labels.js';
import type { EnvironmentInventory } from '../../scripts/lib/render/inventory.js';
import type { Manifest } from '../../scripts/lib/render/manifest.js';
import { chartManifests } from '../../scripts/lib/render/synthesize.js';
import { asApiObject } from '../addons/helm-addon.js';
import { application, appProject } from './argocd-objects.js';
import { ARGOCD_NAMESPACE, SYNC_WAVE } from './constants.js';
import { gitRepository, kustomization } from './flux-objects.js';

/** Folder (under clusters/<env>/) of the objects applied once by hand to connect a cluster. */
export const BOOTSTRAP_DIR = 'bootstrap';

/** Repository path of a folder in an environment. */
export function environmentPath(environment: string, ...parts: string[]): string {
  return ['clusters', environment, ...parts].join('/');
}

/**
 * The objects that make a cluster reconcile its environment from git: applied once with
 * `kubectl apply -k clusters/<env>/bootstrap`, after which they manage themselves from git too.
 */
export function bootstrapManifests(environment: ClusterSpec, inventory: EnvironmentInventory): Manifest[] {
  const app = new App({ outdir: 'cdk8s.out' });
  const chart = new Chart(app, 'bootstrap', { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY } });
  const objects = environment.gitops.engine === 'argocd' ? argoCdObjects(environment, inventory) : fluxObjects(environment, inventory);
  objects.forEach((object, index) => new ApiObject(chart, `object-${index}`, asApiObject(object)));
  return chartManifests(chart);
}

/**
 * Argo CD, app of apps: an AppProject for the environment, a root Application that syncs this
 * bootstrap folder (so project and Applications change through git too), and one Application per
 * component folder. Sync waves order them: project, platform add-ons, then workloads. Argo CD
 * waits for a wave's Applications to be healthy only with the Application health check in
 * argocd-cm (see README, "Ordering").
 */
function argoCdObjects(environment: ClusterSpec, inventory: EnvironmentInventory): Record<string, unknown>[] {
  const { name, gitops } = environment;
  const source = (path: string) => ({ repoURL: gitops.repoURL, targetRevision: gitops.revision, path });
  return [
    appProject({
      name,
      description: `Everything rendered for the ${name} environment (clusters/${name}/), and nothing else.`,
      sourceRepos: [gitops.repoURL, ...inventory.chartRepositories],
      namespaces: [...inventory.namespaces, ARGOCD_NAMESPACE],
      clusterResources: inventory.clusterResources,
      syncWave: SYNC_WAVE.project,
    }),
    application({
      name: `${name}-bootstrap`,
      project: name,
      source: source(environmentPath(name, BOOTSTRAP_DIR)),
      destinationNamespace: ARGOCD_NAMESPACE,
      syncWave: SYNC_WAVE.project,
      serverSideApply: false,
    }),
    ...inventory.ociChartRepositories.map((url) => ociRepository(url)),
    ...inventory.components.map((component) =>
      application({
        name: `${name}-${component.layer}-${component.component}`,
        project: name,
        source: source(environmentPath(name, 'manifests', component.layer, component.component)),
        syncWave: component.options.syncWave ?? SYNC_WAVE[component.layer],
        serverSideApply: false,
        labels: { 'eks-llm-gitops.io/layer': component.layer },
      }),
    ),
  ];
}

/**
 * Argo CD reads a Helm chart from an OCI registry only if a repository entry marks it as OCI.
 * The registries we use are public, so the entry carries no credentials: only type, URL and the
 * OCI flag.
 */
function ociRepository(url: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `helm-oci-${url.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`,
      namespace: ARGOCD_NAMESPACE,
      labels: { 'argocd.argoproj.io/secret-type': 'repository' },
    },
    type: 'Opaque',
    stringData: { type: 'helm', name: url.split('/').pop() ?? url, url, enableOCI: 'true' },
  };
}

/**
 * Flux: the repository at the protected branch, a Kustomization for this bootstrap folder, and
 * one per layer; apps depend on platform, and each waits until everything in it is ready.
 */
function fluxObjects(environment: ClusterSpec, inventory: EnvironmentInventory): Record<string, unknown>[] {
  const { name, gitops } = environment;
  const layers = (['platform', 'apps'] as const).filter((layer) => inventory.components.some((c) => c.layer === layer));
  return [
    gitRepository(name, gitops.repoURL, gitops.revision),
    kustomization({ name: `${name}-bootstrap`, path: `./${environmentPath(name, BOOTSTRAP_DIR)}`, source: name, dependsOn: [], timeout: '5m' }),
    ...layers.map((layer) =>
      kustomization({
        name: `${name}-${layer}`,
        path: `./${environmentPath(name, 'manifests', layer)}`,
        source: name,
        dependsOn: layer === 'apps' && layers.includes('platform') ? [`${name}-platform`] : [],
        // A cold model start (cache fill and load) can take most of an hour.
        timeout: layer === 'apps' ? '60m' : '15m',
      }),
    ),
  ];
}
