import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { asApiObject } from './api-object.js';
import { application } from './argocd-objects.js';
import { ComponentChart, type ComponentChartProps, type GroupKind } from './component-chart.js';
import { helmRelease, helmRepository } from './flux-objects.js';
import { COMPONENT_PHASE } from './gitops-constants.js';
import { recommendedLabels } from './labels.js';
import { loosestPodSecurity, RestrictedNamespace, type PodSecurityLevel } from './namespace.js';
import type { Flow, NamespacePolicy } from './network-policies.js';

/** A third-party controller installed from a Helm chart at an exact version. */
export interface HelmAddon {
  /** Helm release name (and the name of its Argo CD Application or Flux HelmRelease). */
  readonly name: string;
  /** Namespace the release is installed in. */
  readonly namespace: string;
  /**
   * Render the namespace (with its Pod Security level and network policies)? False for
   * namespaces the cluster owns, such as kube-system, which we must never manage or prune.
   * @default true
   */
  readonly createNamespace?: boolean;
  readonly chart: {
    /** Helm repository: an https URL, or oci://registry/path for OCI charts. */
    readonly repository: string;
    readonly name: string;
    /** Exact version: a range would change what runs without a reviewed PR. */
    readonly version: string;
  };
  /** Helm values, built in TypeScript from the environment. */
  readonly values: Record<string, unknown>;
  /** Namespaces other than its own that the chart writes to (e.g. kube-system for API aggregation). */
  readonly otherNamespaces?: readonly string[];
  /** Cluster-scoped kinds the chart creates (CRDs, cluster roles, webhooks...), for Argo CD's allow-list. */
  readonly clusterResources: readonly GroupKind[];
  /** Pod Security Standard the chart's pods meet, enforced on its namespace. */
  readonly podSecurity: PodSecurityLevel;
  /** Whether the chart's CRDs are too large for client-side apply (Argo CD syncs server-side). */
  readonly serverSideApply: boolean;
  /** Traffic the chart's pods need beyond DNS (default deny otherwise). */
  readonly network?: NamespacePolicy;
  /**
   * The service accounts (namespace/name) of the chart's pods that EKS Pod Identity gives an AWS
   * role. Rendered on the Application or HelmRelease (POD_IDENTITIES_ANNOTATION), so that the sync
   * replay proves each association is Healthy before the chart's pods are created: Pod Identity
   * injects credentials only into pods created after their association exists.
   * @default []
   */
  readonly podIdentities?: readonly string[];
}

/** Names the service accounts with an AWS identity whose pods an Application or HelmRelease creates. */
export const POD_IDENTITIES_ANNOTATION = 'eks-llm-gitops.io/pod-identities';

function identityAnnotations(addon: HelmAddon): Record<string, string> {
  const identities = addon.podIdentities ?? [];
  return identities.length > 0 ? { [POD_IDENTITIES_ANNOTATION]: [...identities].sort().join(',') } : {};
}

export type GitOpsEngine = 'argocd' | 'flux';

export interface GitOpsTarget {
  readonly engine: GitOpsEngine;
  readonly project: string;
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** How a chart repository is written for Argo CD (OCI without scheme) and Flux. */
export function chartSource(repository: string): { argoRepoURL: string; oci: boolean } {
  const oci = repository.startsWith('oci://');
  return { argoRepoURL: oci ? repository.slice('oci://'.length) : repository, oci };
}

function checkAddon(addon: HelmAddon): void {
  if (!EXACT_VERSION.test(addon.chart.version)) {
    throw new Error(`add-on ${addon.name}: chart version "${addon.chart.version}" is not an exact version (x.y.z)`);
  }
  if (!addon.chart.repository.startsWith('https://') && !addon.chart.repository.startsWith('oci://')) {
    throw new Error(`add-on ${addon.name}: chart repository "${addon.chart.repository}" must be an https:// or oci:// URL`);
  }
}

/** What the GitOps project must allow for these add-ons. */
export function addonComponentOptions(addons: readonly HelmAddon[]): ComponentChartProps {
  addons.forEach(checkAddon);
  return {
    layer: 'platform',
    chartRepositories: addons.map((a) => chartSource(a.chart.repository).argoRepoURL),
    ociChartRepositories: addons.filter((a) => chartSource(a.chart.repository).oci).map((a) => chartSource(a.chart.repository).argoRepoURL),
    extraClusterResources: addons.flatMap((a) => a.clusterResources),
    extraNamespaces: addons.flatMap((a) => [a.namespace, ...(a.otherNamespaces ?? [])]),
  };
}

/**
 * Renders a Helm add-on for the environment's GitOps engine into `scope`: an Argo CD Application
 * with a Helm source (values inline), or a Flux HelmRepository and HelmRelease.
 */
export function addHelmAddon(scope: Construct, addon: HelmAddon, gitops: GitOpsTarget): void {
  checkAddon(addon);
  const id = addon.name;
  const labels = recommendedLabels({
    name: addon.chart.name,
    instance: addon.name,
    component: 'platform-addon',
    version: addon.chart.version,
  });
  const { argoRepoURL, oci } = chartSource(addon.chart.repository);
  if (gitops.engine === 'argocd') {
    new ApiObject(
      scope,
      `${id}-application`,
      asApiObject(
        application({
          name: addon.name,
          project: gitops.project,
          labels,
          source: {
            repoURL: argoRepoURL,
            chart: addon.chart.name,
            targetRevision: addon.chart.version,
            helm: { releaseName: addon.name, valuesObject: addon.values },
          },
          destinationNamespace: addon.namespace,
          syncWave: COMPONENT_PHASE.chart,
          annotations: identityAnnotations(addon),
          serverSideApply: addon.serverSideApply,
        }),
      ),
    );
    return;
  }
  const repository = `${addon.name}-charts`;
  new ApiObject(
    scope,
    `${id}-helm-repository`,
    asApiObject(helmRepository(repository, addon.namespace, addon.chart.repository, labels, oci)),
  );
  new ApiObject(
    scope,
    `${id}-helm-release`,
    asApiObject(
      helmRelease({
        name: addon.name,
        namespace: addon.namespace,
        chart: addon.chart.name,
        version: addon.chart.version,
        repository,
        values: addon.values,
        labels,
        annotations: identityAnnotations(addon),
      }),
    ),
  );
}

export interface AddonChartProps {
  /** The environment's GitOps engine and project. */
  readonly gitops: GitOpsTarget;
  /**
   * The Helm add-ons the component installs.
   * @default none (a component of plain objects, such as the priority classes)
   */
  readonly addons?: readonly HelmAddon[];
}

/**
 * A platform component holding Helm add-ons (and whatever else a subclass adds). Each namespace
 * the add-ons own is rendered once: the least restrictive Pod Security level any of them needs,
 * default-deny network policy, and the union of the flows they declare.
 */
export class AddonChart extends ComponentChart {
  constructor(scope: Construct, id: string, props: AddonChartProps) {
    const addons = props.addons ?? [];
    super(scope, id, addonComponentOptions(addons));
    const owned = addons.filter((a) => a.createNamespace ?? true);
    for (const namespace of [...new Set(owned.map((a) => a.namespace))].sort()) {
      const here = owned.filter((a) => a.namespace === namespace);
      const first = here[0] as HelmAddon;
      new RestrictedNamespace(this, `${namespace}-namespace`, {
        name: namespace,
        labels: recommendedLabels({ name: first.chart.name, instance: id, component: 'platform-addon' }),
        podSecurity: loosestPodSecurity(here.map((a) => a.podSecurity)),
        network: mergePolicies(here.map((a) => a.network ?? {})),
      });
    }
    for (const addon of addons) addHelmAddon(this, addon, props.gitops);
  }
}

/** Flows of several add-ons in one namespace; flows with the same name combine their peers and ports. */
function mergePolicies(policies: readonly NamespacePolicy[]): NamespacePolicy {
  const merge = (flows: readonly Flow[]): Flow[] => {
    const byName = new Map<string, Flow>();
    for (const flow of flows) {
      const known = byName.get(flow.name);
      if (!known) {
        byName.set(flow.name, flow);
        continue;
      }
      const unique = <T>(items: readonly T[]) => [...new Map(items.map((i) => [JSON.stringify(i), i])).values()];
      byName.set(flow.name, { ...known, peers: unique([...known.peers, ...flow.peers]), ports: unique([...known.ports, ...flow.ports]) });
    }
    return [...byName.values()];
  };
  return { ingress: merge(policies.flatMap((p) => p.ingress ?? [])), egress: merge(policies.flatMap((p) => p.egress ?? [])) };
}
