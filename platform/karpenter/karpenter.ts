import { ApiObject } from 'cdk8s';
import { EC2NodeClass, type IEC2NodeClass } from '@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass';
import { NodePool, type INodePool } from '@kubernetes-models/karpenter/karpenter.sh/v1/NodePool';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { formatBytes } from '../spec/quantity.js';
import { asApiObject } from '../core/api-object.js';
import { AFTER_OWN_CHART } from '../core/gitops-constants.js';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { CONTROLLER_IDENTITIES, podIdentity } from '../identity/controller-identities.js';
import { GPU_INSTANCE_FAMILIES } from '../spec/gpu-instance-families.js';
import { ADMISSION_WEBHOOKS, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';

/** NodePools the workloads select with `karpenter.sh/nodepool`. */
export const GPU_NODE_POOL = 'gpu';
export const EFA_NODE_POOL = 'gpu-efa';

/** The GPU NodePool a model's replicas run in: the EFA pool when the model needs EFA. */
export const gpuNodePoolFor = (gpu: { readonly efa?: boolean }): string => (gpu.efa ? EFA_NODE_POOL : GPU_NODE_POOL);
export const GENERAL_NODE_POOL = 'general';

/** The taint GPU nodes carry: only pods that tolerate it (the GPU workloads) land there. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' } as const;

/** Label on GPU nodes that the NVIDIA device plugin's default node affinity also understands. */
const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';

/**
 * Karpenter: the controller (Helm, in kube-system) and the capacity it may launch: a GPU NodePool
 * with the environment's instance families and capacity types, an EFA pool when a model needs
 * EFA, and a general pool for CPU workloads. Nodes use the EKS-optimized AMI at a pinned release.
 */
export class KarpenterChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops, addons: [karpenterAddon(props.environment)] });
    const { environment } = props;

    this.nodeClass('gpu', ec2NodeClass(environment, 'gpu', { dataVolumeGiB: 500, efa: false }));
    this.nodePool(GPU_NODE_POOL, gpuNodePool(environment, GPU_NODE_POOL, environment.gpu.instanceFamilies, 'gpu'));
    if (props.efa) {
      const efaFamilies = environment.gpu.instanceFamilies.filter((f) => GPU_INSTANCE_FAMILIES[f]?.efa);
      this.nodeClass('gpu-efa', ec2NodeClass(environment, 'gpu-efa', { dataVolumeGiB: 500, efa: true }));
      this.nodePool(EFA_NODE_POOL, gpuNodePool(environment, EFA_NODE_POOL, efaFamilies, 'gpu-efa'));
    }
    this.nodeClass('general', ec2NodeClass(environment, 'general', { dataVolumeGiB: 100, efa: false }));
    this.nodePool(GENERAL_NODE_POOL, generalNodePool(environment));
  }

  private nodeClass(name: string, spec: IEC2NodeClass['spec']): void {
    const object = new EC2NodeClass({ metadata: { name, labels: labels(), annotations: { ...AFTER_OWN_CHART } }, spec });
    object.validate();
    new ApiObject(this, `ec2nodeclass-${name}`, asApiObject(object.toJSON() as Record<string, unknown>));
  }

  private nodePool(name: string, spec: INodePool['spec']): void {
    const object = new NodePool({ metadata: { name, labels: labels(), annotations: { ...AFTER_OWN_CHART } }, spec });
    object.validate();
    new ApiObject(this, `nodepool-${name}`, asApiObject(object.toJSON() as Record<string, unknown>));
  }
}

function labels(): Record<string, string> {
  return { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'capacity' };
}

/** The Karpenter controller chart (v1 APIs), with interruption handling through SQS. */
export function karpenterAddon(environment: ClusterSpec): HelmAddon {
  return {
    name: 'karpenter',
    namespace: CONTROLLER_IDENTITIES.karpenter.namespace,
    podIdentities: [podIdentity(CONTROLLER_IDENTITIES.karpenter)],
    createNamespace: false,
    chart: { repository: 'oci://public.ecr.aws/karpenter', name: 'karpenter', version: '1.14.1' },
    podSecurity: 'restricted',
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...ADMISSION_WEBHOOKS],
    values: {
      settings: { clusterName: environment.aws.clusterName, interruptionQueue: environment.karpenter.interruptionQueue },
      serviceAccount: { create: true, name: CONTROLLER_IDENTITIES.karpenter.serviceAccount },
      // The chart's default affinity keeps the controller off the nodes it manages.
      replicas: environment.highAvailability ? 2 : 1,
      controller: { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
      logLevel: 'info',
    },
  };
}

/**
 * Node settings. IMDSv2 is required and the hop limit is 1: pods cannot reach the instance
 * metadata service (and the node's role) at all; they get AWS credentials from EKS Pod Identity.
 * The controllers that would otherwise read their region and VPC from IMDS are given them in
 * their values. Disks are encrypted gp3: a root volume, plus a large data volume for container
 * images (a vLLM image is ~10 GB) and the kubelet's ephemeral storage.
 */
function ec2NodeClass(environment: ClusterSpec, name: string, options: { dataVolumeGiB: number; efa: boolean }): IEC2NodeClass['spec'] {
  const discovery = [{ tags: { 'karpenter.sh/discovery': environment.aws.clusterName } }];
  const ebs = (size: number) => ({
    volumeSize: `${size}Gi`,
    volumeType: 'gp3' as const,
    encrypted: true,
    deleteOnTermination: true,
    iops: 6000,
    throughput: 500,
  });
  const bottlerocket = environment.karpenter.amiFamily === 'bottlerocket';
  return {
    amiSelectorTerms: [{ alias: `${environment.karpenter.amiFamily}@${environment.karpenter.amiVersion}` }],
    role: environment.karpenter.nodeRole,
    subnetSelectorTerms: discovery,
    securityGroupSelectorTerms: discovery,
    // AL2023 keeps everything on its root volume; Bottlerocket has a small OS volume and a data volume.
    blockDeviceMappings: bottlerocket
      ? [
          { deviceName: '/dev/xvda', ebs: { volumeSize: '4Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
          { deviceName: '/dev/xvdb', ebs: ebs(options.dataVolumeGiB) },
        ]
      : [{ deviceName: '/dev/xvda', rootVolume: true, ebs: ebs(options.dataVolumeGiB) }],
    metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
    ...(name.startsWith('gpu') ? { instanceStorePolicy: 'RAID0' as const } : {}),
    // Reservations are used first (capacity type "reserved"), then the pool's other capacity types.
    ...(name.startsWith('gpu') && environment.gpu.capacityReservations
      ? { capacityReservationSelectorTerms: environment.gpu.capacityReservations.map((r) => ({ id: r.id })) }
      : {}),
    // One cluster placement group for the EFA pool: the nodes of a multi-node replica sit close.
    ...(options.efa && environment.gpu.efa?.placementGroup ? { placementGroupSelector: { name: environment.gpu.efa.placementGroup } } : {}),
    // No networkInterfaces on the EFA class: Karpenter (v1.14.1, instancetype/types.go efas()) then
    // offers each instance type's own maximum of EFA interfaces (32 on a p5.48xlarge) and attaches
    // one per network card for pods that request vpc.amazonaws.com/efa. A list here would replace
    // that count with its efa-only entries, for every family of the pool: a pod asking for all of
    // its node's interfaces would then fit no node and stay Pending.
    tags: { 'llm-platform/environment': environment.name, 'llm-platform/node-class': name },
  };
}

function gpuNodePool(environment: ClusterSpec, name: string, families: readonly string[], nodeClass: string): INodePool['spec'] {
  const capacityTypes = [...environment.gpu.capacityTypes, ...(environment.gpu.capacityReservations ? ['reserved'] : [])].sort();
  // EFA does not cross Availability Zones, and a placement group lives in one: pin the EFA pool to gpu.efa.zone.
  const zone =
    nodeClass === 'gpu-efa' && environment.gpu.efa
      ? [{ key: 'topology.kubernetes.io/zone', operator: 'In' as const, values: [environment.gpu.efa.zone] }]
      : [];
  const gpus = environment.gpu.limits.gpus;
  const cpu = environment.gpu.limits.cpu ?? String(gpus * 32);
  const memory = environment.gpu.limits.memory ?? formatBytes(gpus * 320 * 2 ** 30);
  const freeze = environment.karpenter.disruptionFreeze;
  return {
    template: {
      metadata: { labels: { [GPU_PRESENT_LABEL]: 'true', 'llm-platform/pool': name } },
      spec: {
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodeClass },
        requirements: [
          { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: [...families].sort() },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: capacityTypes },
          { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
          { key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
          ...zone,
        ],
        taints: [{ ...GPU_TAINT }],
        // GPU nodes never expire: expiry is forceful (outside the budgets, no replacement first),
        // nodes launched together would expire together, and a grace period would then delete
        // serving pods regardless of their budget. New AMIs (a karpenter.amiVersion bump) reach
        // them by drift: one node at a time (the budget below), replacement first, each eviction
        // paced by the model's PodDisruptionBudget once its replica has loaded (do-not-disrupt).
        expireAfter: 'Never',
      },
    },
    limits: { 'nvidia.com/gpu': String(gpus), cpu, memory },
    disruption: {
      // Never repack GPU nodes to save money: moving a model costs a multi-minute reload. Only
      // empty nodes are reclaimed, after a while (a replica may come back soon).
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '30m',
      budgets: [{ nodes: '1' }, ...(freeze ? [{ nodes: '0', schedule: freeze.schedule, duration: freeze.duration }] : [])],
    },
  };
}

function generalNodePool(environment: ClusterSpec): INodePool['spec'] {
  return {
    template: {
      metadata: { labels: { 'llm-platform/pool': GENERAL_NODE_POOL } },
      spec: {
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'general' },
        requirements: [
          { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
          { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: [...environment.gpu.capacityTypes].sort() },
          { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
        ],
        expireAfter: '720h',
        terminationGracePeriod: '2h',
      },
    },
    limits: { cpu: '256', memory: '1024Gi' },
    disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '5m', budgets: [{ nodes: '10%' }] },
  };
}

export const karpenter: PlatformComponent = {
  name: 'karpenter',
  installs: [...kindsOf('karpenter.sh', 'NodePool', 'NodeClaim'), ...kindsOf('karpenter.k8s.aws', 'EC2NodeClass')],
  needs: [...kindsOf('karpenter.sh', 'NodePool'), ...kindsOf('karpenter.k8s.aws', 'EC2NodeClass')],
  build: (scope, props) => new KarpenterChart(scope, 'karpenter', props),
};
