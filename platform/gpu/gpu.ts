import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import type { PlatformComponent, PlatformComponentProps } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { EFA_NODE_POOL, GPU_TAINT } from '../karpenter/karpenter.js';
import { scrapedBy } from '../core/network-policies.js';
import { CLUSTER_RBAC } from '../core/cluster-kinds.js';

const NAMESPACE = 'gpu-system';

/** Only on NVIDIA GPU nodes (a Karpenter label), tolerating their taint. */
const ON_GPU_NODES = {
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] }] },
        ],
      },
    },
  },
  tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
};

/**
 * What GPU nodes run besides the models: the NVIDIA device plugin (advertises nvidia.com/gpu;
 * Bottlerocket's NVIDIA AMI ships its own, AL2023's does not), the DCGM exporter (GPU metrics
 * for Prometheus and KEDA), and the EFA device plugin on the EFA pool when a model needs it.
 * They mount the kubelet's device-plugin and pod-resources sockets, hence a privileged namespace.
 */
export class GpuNodeAgentsChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops, addons: gpuNodeAgents(props.environment, props.efa ?? false) });
  }
}

function gpuNodeAgents(environment: ClusterSpec, efa: boolean): HelmAddon[] {
  const addons: HelmAddon[] = [];
  const base = { namespace: NAMESPACE, podSecurity: 'privileged' as const, serverSideApply: false };
  if (environment.karpenter.amiFamily === 'al2023') {
    addons.push({
      ...base,
      name: 'nvidia-device-plugin',
      chart: { repository: 'https://nvidia.github.io/k8s-device-plugin', name: 'nvidia-device-plugin', version: '0.20.1' },
      clusterResources: CLUSTER_RBAC,
      // The chart's default affinity needs Node Feature Discovery labels; Karpenter's are enough.
      values: { ...ON_GPU_NODES, priorityClassName: 'system-node-critical', gfd: { enabled: false } },
    });
  }
  addons.push({
    ...base,
    name: 'dcgm-exporter',
    chart: { repository: 'https://nvidia.github.io/dcgm-exporter/helm-charts', name: 'dcgm-exporter', version: '4.8.4' },
    clusterResources: CLUSTER_RBAC,
    network: { ingress: [scrapedBy([{ port: 9400 }])] },
    values: {
      ...ON_GPU_NODES,
      // honorLabels keeps the GPU consumer's pod and namespace labels (not exported_pod), which
      // the KEDA GPU-utilisation query selects on.
      serviceMonitor: { enabled: true, interval: '15s', honorLabels: true },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    },
  });
  if (efa) {
    addons.push({
      ...base,
      name: 'aws-efa-k8s-device-plugin',
      chart: { repository: 'https://aws.github.io/eks-charts', name: 'aws-efa-k8s-device-plugin', version: 'v0.5.20' },
      clusterResources: [],
      values: {
        nodeSelector: { 'karpenter.sh/nodepool': EFA_NODE_POOL },
        tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
      },
    });
  }
  return addons;
}

export const gpu: PlatformComponent = {
  name: 'gpu',
  installs: [],
  needs: [],
  build: (scope, props) => new GpuNodeAgentsChart(scope, 'gpu', props),
};
