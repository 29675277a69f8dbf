import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../../scripts/lib/config/cluster-schema.js';
import { recommendedLabels } from '../../scripts/lib/k8s/labels.js';
import { ADMISSION_POLICIES, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../addons/cluster-kinds.js';
import { PlatformComponentChart, type GitOpsTarget, type HelmAddon } from '../addons/helm-addon.js';
import { SKIP_DRY_RUN_UNTIL_KIND_EXISTS, syncWave } from '../gitops/constants.js';
import { HTTPS_ANYWHERE } from '../network/network-policies.js';
import { KRO_API_VERSION, POD_SECURITY_GROUP_GRAPH, podSecurityGroupControllerRules, podSecurityGroupGraphSpec } from './pod-security-group.js';

export const KRO_NAMESPACE = 'kro-system';
/** kro's controller, pinned by digest (the tag says which release it is). */
export const KRO_IMAGE = { repository: 'registry.k8s.io/kro/kro', tag: 'v0.9.4@sha256:eaf9fbaddd9d7f6cf400a8d47ab066b14cbef22b92a79be7bbdc7b3673376fb9' };

/**
 * kro (Kube Resource Orchestrator, kubernetes-sigs): composes Kubernetes objects and passes values
 * between them, here an ACK security group's id into the SecurityGroupPolicy that attaches it to
 * pods. Its RBAC is "aggregation": it may touch only what the graphs rendered here need.
 */
export class KroChart extends PlatformComponentChart {
  constructor(scope: Construct, environment: ClusterSpec, gitops: GitOpsTarget) {
    super(scope, 'kro', [kroAddon(environment)], gitops, -55);
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
        annotations: { ...SKIP_DRY_RUN_UNTIL_KIND_EXISTS, ...syncWave(1) },
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
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...ADMISSION_POLICIES, { group: 'kro.run', kind: 'ResourceGraphDefinition' }],
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
