import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { BOOTSTRAP_WAVE, syncWaveOf } from '../components.js';
import { asApiObject } from '../core/api-object.js';
import { application, appProject } from '../core/argocd-objects.js';
import type { ComponentChartProps, GroupKind, Layer } from '../core/component-chart.js';
import { gitRepository, kustomization } from '../core/flux-objects.js';
import { ARGOCD_NAMESPACE } from '../core/gitops-constants.js';
import { MANAGED_BY, PART_OF } from '../core/labels.js';
import type { ClusterSpec } from '../spec/cluster-spec.js';

/** Folder (under clusters/<env>/) of the objects applied once by hand to connect a cluster. */
export const BOOTSTRAP_DIR = 'bootstrap';

/** Repository path of a folder in an environment. */
export function environmentPath(environment: string, ...parts: string[]): string {
  return ['clusters', environment, ...parts].join('/');
}

/** A component of the environment as its chart declared it. */
export interface ComponentSummary {
  readonly layer: Layer;
  readonly component: string;
  readonly options: ComponentChartProps;
}

/** What an environment's manifests touch: the facts its GitOps project is scoped to. */
export interface EnvironmentInventory {
  /** Namespaces of namespaced objects, namespaces created, and namespaces Helm releases write to. */
  readonly namespaces: readonly string[];
  /** Cluster-scoped kinds rendered or installed by add-ons. */
  readonly clusterResources: readonly GroupKind[];
  readonly chartRepositories: readonly string[];
  /** The chart repositories that are OCI registries. */
  readonly ociChartRepositories: readonly string[];
  readonly components: readonly ComponentSummary[];
}

export interface BootstrapChartProps {
  readonly environment: ClusterSpec;
  /** What the environment's manifests touch (the project allows exactly that). */
  readonly inventory: EnvironmentInventory;
}

/**
 * The objects that make a cluster reconcile its environment from git: applied once with
 * `kubectl apply -k clusters/<env>/bootstrap`, after which they manage themselves from git too.
 */
export class BootstrapChart extends Chart {
  constructor(scope: Construct, id: string, props: BootstrapChartProps) {
    super(scope, id, {
      disableResourceNameHashes: true,
      labels: { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY },
    });
    const { environment, inventory } = props;
    const objects = environment.gitops.engine === 'argocd' ? argoCdObjects(environment, inventory) : fluxObjects(environment, inventory);
    objects.forEach((object, index) => new ApiObject(this, `object-${index}`, asApiObject(object)));
  }
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
      syncWave: BOOTSTRAP_WAVE,
    }),
    application({
      name: `${name}-bootstrap`,
      project: name,
      source: source(environmentPath(name, BOOTSTRAP_DIR)),
      destinationNamespace: ARGOCD_NAMESPACE,
      syncWave: BOOTSTRAP_WAVE,
      serverSideApply: false,
    }),
    ...inventory.ociChartRepositories.map((url) => ociRepository(url)),
    ...inventory.components.map((component) =>
      application({
        name: `${name}-${component.layer}-${component.component}`,
        project: name,
        source: source(environmentPath(name, 'manifests', component.layer, component.component)),
        syncWave: syncWaveOf(component.layer, component.component),
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
    kustomization({
      name: `${name}-bootstrap`,
      path: `./${environmentPath(name, BOOTSTRAP_DIR)}`,
      source: name,
      dependsOn: [],
      timeout: '5m',
    }),
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
