import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { recommendedLabels } from '../../scripts/lib/k8s/labels.js';
import { ComponentChart, type ComponentOptions, type GroupKind } from '../../scripts/lib/render/component-chart.js';
import { application } from '../gitops/argocd-objects.js';
import { ARGOCD_NAMESPACE, SYNC_WAVE } from '../gitops/constants.js';
import { helmRelease, helmRepository } from '../gitops/flux-objects.js';
import { defaultDenyPolicies, type Flow, type NamespacePolicy } from '../network/network-policies.js';

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
  readonly podSecurity: 'restricted' | 'baseline' | 'privileged';
  /** Whether the chart's CRDs are too large for client-side apply (Argo CD syncs server-side). */
  readonly serverSideApply: boolean;
  /** Traffic the chart's pods need beyond DNS (default deny otherwise). */
  readonly network?: NamespacePolicy;
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
export function addonComponentOptions(addons: readonly HelmAddon[], syncWave: number): ComponentOptions {
  addons.forEach(checkAddon);
  return {
    syncWave,
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
  const labels = recommendedLabels({ name: addon.chart.name, instance: addon.name, component: 'platform-addon', version: addon.chart.version });
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
          syncWave: 0,
          serverSideApply: addon.serverSideApply,
        }),
      ),
    );
    return;
  }
  const repository = `${addon.name}-charts`;
  new ApiObject(scope, `${id}-helm-repository`, asApiObject(helmRepository(repository, addon.namespace, addon.chart.repository, labels, oci)));
  new ApiObject(
    scope,
    `${id}-helm-release`,
    asApiObject(helmRelease({ name: addon.name, namespace: addon.namespace, chart: addon.chart.name, version: addon.chart.version, repository, values: addon.values, labels })),
  );
}

/**
 * A component folder holding one or more Helm add-ons (and whatever else a subclass adds). Each
 * namespace the add-ons own is rendered once: the least restrictive Pod Security level any of
 * them needs, default-deny network policy, and the union of the flows they declare.
 */
export class PlatformComponentChart extends ComponentChart {
  constructor(scope: Construct, component: string, addons: readonly HelmAddon[], gitops: GitOpsTarget, syncWave: number = SYNC_WAVE.platform) {
    super(scope, 'platform', component, addonComponentOptions(addons, syncWave));
    const owned = addons.filter((a) => a.createNamespace ?? true);
    for (const namespace of [...new Set(owned.map((a) => a.namespace))].sort()) {
      const here = owned.filter((a) => a.namespace === namespace);
      const first = here[0] as HelmAddon;
      new kplus.Namespace(this, `${namespace}-namespace`, {
        metadata: {
          name: namespace,
          labels: {
            ...recommendedLabels({ name: first.chart.name, instance: component, component: 'platform-addon' }),
            'pod-security.kubernetes.io/enforce': loosest(here.map((a) => a.podSecurity)),
          },
        },
      });
      defaultDenyPolicies(this, namespace, mergePolicies(here.map((a) => a.network ?? {})));
    }
    for (const addon of addons) addHelmAddon(this, addon, gitops);
  }
}

const PSS_ORDER = ['restricted', 'baseline', 'privileged'] as const;

function loosest(levels: ReadonlyArray<HelmAddon['podSecurity']>): HelmAddon['podSecurity'] {
  return PSS_ORDER[Math.max(...levels.map((l) => PSS_ORDER.indexOf(l)))] ?? 'restricted';
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

/** A typed model's JSON as cdk8s ApiObject props. */
export function asApiObject(json: Record<string, unknown>) {
  return json as { apiVersion: string; kind: string; [key: string]: unknown };
}

export { ARGOCD_NAMESPACE };
