import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { recommendedLabels } from '../../scripts/lib/k8s/labels.js';
import { ComponentChart, type GroupKind } from '../../scripts/lib/render/component-chart.js';
import { application } from '../gitops/argocd-objects.js';
import { SYNC_WAVE } from '../gitops/constants.js';
import { helmRelease, helmRepository } from '../gitops/flux-objects.js';

/** A third-party controller installed from a Helm chart at an exact version. */
export interface HelmAddon {
  /** Component folder (manifests/platform/<name>/) and Helm release name. */
  readonly name: string;
  /** Namespace the release is installed in; rendered with its Pod Security level. */
  readonly namespace: string;
  readonly chart: {
    /** Helm repository URL (https). */
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
  /** Order among platform components (lower first). */
  readonly syncWave?: number;
}

export type GitOpsEngine = 'argocd' | 'flux';

const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/**
 * Renders a Helm add-on for the environment's GitOps engine: its Namespace, and either an Argo CD
 * Application with a Helm source (values inline) or a Flux HelmRepository and HelmRelease.
 */
export class HelmAddonChart extends ComponentChart {
  constructor(scope: Construct, addon: HelmAddon, gitops: { readonly engine: GitOpsEngine; readonly project: string }) {
    if (!EXACT_VERSION.test(addon.chart.version)) {
      throw new Error(`add-on ${addon.name}: chart version "${addon.chart.version}" is not an exact version (x.y.z)`);
    }
    if (!addon.chart.repository.startsWith('https://')) {
      throw new Error(`add-on ${addon.name}: chart repository "${addon.chart.repository}" must be an https URL`);
    }
    super(scope, 'platform', addon.name, {
      syncWave: addon.syncWave ?? SYNC_WAVE.platform,
      chartRepositories: [addon.chart.repository],
      extraClusterResources: addon.clusterResources,
      extraNamespaces: [addon.namespace, ...(addon.otherNamespaces ?? [])],
    });
    const labels = recommendedLabels({ name: addon.chart.name, instance: addon.name, component: 'platform-addon', version: addon.chart.version });

    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: addon.namespace,
        labels: {
          ...recommendedLabels({ name: addon.chart.name, instance: addon.name, component: 'platform-addon' }),
          'pod-security.kubernetes.io/enforce': addon.podSecurity,
        },
      },
    });

    if (gitops.engine === 'argocd') {
      new ApiObject(
        this,
        'application',
        asApiObject(
          application({
            name: addon.name,
            project: gitops.project,
            labels,
            source: {
              repoURL: addon.chart.repository,
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
    } else {
      const repository = `${addon.name}-charts`;
      new ApiObject(this, 'helm-repository', asApiObject(helmRepository(repository, addon.namespace, addon.chart.repository, labels)));
      new ApiObject(
        this,
        'helm-release',
        asApiObject(
          helmRelease({
            name: addon.name,
            namespace: addon.namespace,
            chart: addon.chart.name,
            version: addon.chart.version,
            repository,
            values: addon.values,
            labels,
          }),
        ),
      );
    }
  }
}

/** A typed model's JSON as cdk8s ApiObject props. */
export function asApiObject(json: Record<string, unknown>) {
  return json as { apiVersion: string; kind: string; [key: string]: unknown };
}
