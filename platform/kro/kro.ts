import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { recommendedLabels } from '../core/labels.js';
import { ADMISSION_POLICIES, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { AFTER_OWN_CHART } from '../core/gitops-constants.js';
import { HTTPS_ANYWHERE } from '../core/network-policies.js';
import {
  KRO_API_VERSION,
  POD_SECURITY_GROUP_GRAPH,
  POD_SECURITY_GROUP_KIND,
  podSecurityGroupControllerRules,
  podSecurityGroupGraphSpec,
} from './pod-security-group.js';

export const KRO_NAMESPACE = 'kro-system';
/** kro's controller, pinned by digest (the tag says which release it is). */
export const KRO_IMAGE = {
  repository: 'registry.k8s.io/kro/kro',
  tag: 'v0.9.4@sha256:eaf9fbaddd9d7f6cf400a8d47ab066b14cbef22b92a79be7bbdc7b3673376fb9',
};

/**
 * kro (Kube Resource Orchestrator, kubernetes-sigs): composes Kubernetes objects and passes values
 * between them, here an ACK security group's id into the SecurityGroupPolicy that attaches it to
 * pods. Its RBAC is "aggregation": it may touch only what the graphs rendered here need.
 */
export class KroChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops, addons: [kroAddon(props.environment)] });
    const labels = recommendedLabels({ name: 'kro', instance: 'kro', component: 'graphs' });
    new ApiObject(this, 'pod-security-group-access', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'kro:pod-security-groups', labels: { ...labels, 'rbac.kro.run/aggregate-to-controller': 'true' } },
      rules: podSecurityGroupControllerRules(),
    });
    new ApiObject(this, 'pod-security-group', {
      apiVersion: KRO_API_VERSION,
      kind: 'ResourceGraphDefinition',
      metadata: {
        name: POD_SECURITY_GROUP_GRAPH,
        labels,
        // Its CRD comes with the chart in this same sync; skip the dry run until it exists.
        annotations: { ...AFTER_OWN_CHART },
      },
      spec: podSecurityGroupGraphSpec(),
    });
  }
}

export function kroAddon(environment: ClusterSpec): HelmAddon {
  const replicas = environment.highAvailability ? 2 : 1;
  return {
    name: 'kro',
    namespace: KRO_NAMESPACE,
    chart: { repository: 'oci://registry.k8s.io/kro/charts', name: 'kro', version: '0.9.4' },
    podSecurity: 'restricted',
    serverSideApply: true,
    // The CRD of each graph's instances is created by kro itself, not by the chart.
    clusterResources: [
      ...CUSTOM_RESOURCE_DEFINITIONS,
      ...CLUSTER_RBAC,
      ...ADMISSION_POLICIES,
      { group: 'kro.run', kind: 'ResourceGraphDefinition' },
    ],
    network: { egress: [HTTPS_ANYWHERE] },
    values: {
      image: KRO_IMAGE,
      // Not the chart's default ("unrestricted" is cluster-admin for anyone who can write a graph).
      rbac: { mode: 'aggregation' },
      deployment: {
        replicaCount: replicas,
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      },
      // Never delete a graph's CRD (and with it every instance) when a graph is removed.
      config: { allowCRDDeletion: false, enableLeaderElection: true },
    },
  };
}

/** kro, and the graph whose instances (PodSecurityGroup) the apps use. */
export const kro: PlatformComponent = {
  name: 'kro',
  installs: kindsOf('kro.run', 'ResourceGraphDefinition', POD_SECURITY_GROUP_KIND),
  needs: kindsOf('kro.run', 'ResourceGraphDefinition'),
  build: (scope, props) => new KroChart(scope, 'kro', props),
};
