import type { ControllerOwnedField } from './controller-owned.js';
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { BOOTSTRAP_WAVE, PLATFORM_STAGES, stageOf, syncWaveOf } from '../components.js';
import { asApiObject } from '../core/api-object.js';
import { application, appProject } from '../core/argocd-objects.js';
import type { ComponentChartProps, GroupKind, Layer } from '../core/component-chart.js';
import { gitRepository, kustomization } from '../core/flux-objects.js';
import { ARGOCD_NAMESPACE, PHASE_FOLDERS, type ComponentPhase } from '../core/gitops-constants.js';
import { MANAGED_BY, PART_OF } from '../core/labels.js';
import type { ClusterSpec } from '../spec/cluster-spec.js';

/**
 * Folder (under clusters/<env>/) of the objects that connect a cluster to its environment: the
 * GitOps engine's root syncs it. Its `root/` sub-folder is what a person applies once by hand
 * (kubectl apply -k clusters/<env>/bootstrap/root): the project and the root Application (Flux:
 * the repository and the bootstrap Kustomization), which then create everything else in order.
 */
export const BOOTSTRAP_DIR = 'bootstrap';
export const BOOTSTRAP_ROOT_DIR = 'root';

/** Repository path of a folder in an environment. */
export function environmentPath(environment: string, ...parts: string[]): string {
  return ['clusters', environment, ...parts].join('/');
}

/** A component of the environment as its chart declared it. */
export interface ComponentSummary {
  readonly layer: Layer;
  readonly component: string;
  readonly options: ComponentChartProps;
  /** The phases its objects sync in (see phaseOf): Flux syncs each as a Kustomization of its own. */
  readonly phases: readonly ComponentPhase[];
  /** Fields of its objects that a controller writes after Argo CD (controllerOwnedFields). */
  readonly controllerOwned: readonly ControllerOwnedField[];
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
  /** `root`: what is applied by hand; `synced`: what the root then creates, in order. */
  readonly part: 'root' | 'synced';
}

/**
 * The objects that make a cluster reconcile its environment from git: the root part applied once
 * with `kubectl apply -k clusters/<env>/bootstrap/root`, after which the root syncs the whole
 * bootstrap folder, itself included, from git.
 */
export class BootstrapChart extends Chart {
  constructor(scope: Construct, id: string, props: BootstrapChartProps) {
    super(scope, id, {
      disableResourceNameHashes: true,
      labels: { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY },
    });
    const { environment, inventory } = props;
    const objects = environment.gitops.engine === 'argocd' ? argoCdObjects(environment, inventory) : fluxObjects(environment, inventory);
    objects[props.part].forEach((object, index) => new ApiObject(this, `object-${index}`, asApiObject(object)));
  }
}

interface BootstrapObjects {
  readonly root: Record<string, unknown>[];
  readonly synced: Record<string, unknown>[];
}

/**
 * Argo CD, app of apps: an AppProject for the environment and a root Application that syncs the
 * bootstrap folder (so project and Applications change through git too), applied by hand; and one
 * Application per component folder, which the root creates wave by wave: project, platform
 * stages, then workloads. Argo CD waits for a wave's Applications to be healthy only with the
 * Application health check in argocd-cm (clusters/README.md, "Ordering"). Were the component
 * Applications applied by hand, they would all start syncing at once, in no order.
 */
function argoCdObjects(environment: ClusterSpec, inventory: EnvironmentInventory): BootstrapObjects {
  const { name, gitops } = environment;
  const source = (path: string) => ({ repoURL: gitops.repoURL, targetRevision: gitops.revision, path });
  const root = [
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
  ];
  const synced = inventory.components.map((component) =>
    application({
      name: `${name}-${component.layer}-${component.component}`,
      project: name,
      source: source(environmentPath(name, 'manifests', component.layer, component.component)),
      syncWave: syncWaveOf(component.layer, component.component),
      serverSideApply: false,
      labels: { 'eks-llm-gitops.io/layer': component.layer },
      ...(component.controllerOwned.length > 0 ? { ignoreDifferences: component.controllerOwned } : {}),
    }),
  );
  return { root, synced };
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
 * Flux: the repository at the protected branch and a Kustomization for the bootstrap folder,
 * applied by hand; and a Kustomization per component and phase, each waiting until everything in
 * it is ready. Flux has no sync waves, so the order is dependsOn: a platform component depends on
 * every component of the stage before it (platform/components.ts), the apps on the last stage;
 * within a component, its prerequisites (the sub-folder prerequisites/) come before its main
 * objects, and objects of kinds its own chart defines (custom-resources/) after them, since
 * kustomize-controller dry-runs a whole Kustomization before applying any of it.
 */
function fluxObjects(environment: ClusterSpec, inventory: EnvironmentInventory): BootstrapObjects {
  const { name, gitops } = environment;
  const unit = (c: ComponentSummary, phase: ComponentPhase) =>
    `${name}-${c.layer}-${c.component}${phase === 'main' ? '' : `-${PHASE_FOLDERS[phase]}`}`;
  const completed = (c: ComponentSummary) => c.phases.filter((p) => p !== 'prerequisites').map((p) => unit(c, p));
  const platform = inventory.components.filter((c) => c.layer === 'platform');
  const stage = (index: number) => platform.filter((c) => stageOf(c.component) === index);
  const before = (c: ComponentSummary): string[] => {
    if (c.layer === 'apps') return stage(PLATFORM_STAGES.length - 1).flatMap(completed);
    const index = stageOf(c.component);
    return index === 0 ? [] : stage(index - 1).flatMap(completed);
  };
  const synced = inventory.components.flatMap((c) =>
    c.phases.map((phase) =>
      kustomization({
        name: unit(c, phase),
        path: `./${environmentPath(name, 'manifests', c.layer, c.component, ...(phase === 'main' ? [] : [PHASE_FOLDERS[phase]]))}`,
        source: name,
        dependsOn:
          phase === 'prerequisites'
            ? before(c)
            : phase === 'main'
              ? [...before(c), ...(c.phases.includes('prerequisites') ? [unit(c, 'prerequisites')] : [])]
              : [unit(c, 'main')],
        // A cold model start (cache fill and load) can take most of an hour.
        timeout: c.layer === 'apps' ? '60m' : '15m',
      }),
    ),
  );
  const root = [
    gitRepository(name, gitops.repoURL, gitops.revision),
    kustomization({
      name: `${name}-bootstrap`,
      path: `./${environmentPath(name, BOOTSTRAP_DIR)}`,
      source: name,
      dependsOn: [],
      timeout: '5m',
    }),
  ];
  return { root, synced };
}
