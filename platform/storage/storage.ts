import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import type { PlatformComponent, PlatformComponentProps } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { CONTROLLER_IDENTITIES, podIdentity } from '../identity/controller-identities.js';
import { CLUSTER_RBAC, CSI_DRIVERS } from '../core/cluster-kinds.js';

/** UID and GID that own the model cache's EFS access points; the model servers run as it. */
export const MODEL_CACHE_OWNER_ID = 1000;

/** The StorageClass of the shared model cache. */
export const MODEL_CACHE_STORAGE_CLASS = 'efs-sc';

/**
 * EFS for the model cache: the EFS CSI driver (Helm, kube-system; its node plugin runs on every
 * node, GPU nodes included) and the StorageClass `efs-sc`, which gives each claim an EFS access
 * point owned by the UID the model servers run as. The directory follows the claim's namespace
 * and name (not a random suffix) and the volume is retained, so a recreated claim finds the
 * weights it had already downloaded.
 */
export class StorageChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops, addons: [efsCsiAddon(props.environment)] });
    const { environment } = props;
    new k8s.KubeStorageClass(this, 'model-cache', {
      metadata: {
        name: MODEL_CACHE_STORAGE_CLASS,
        labels: { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'storage' },
      },
      provisioner: 'efs.csi.aws.com',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'Immediate',
      mountOptions: ['tls'],
      parameters: {
        provisioningMode: 'efs-ap',
        fileSystemId: environment.storage.efsFileSystemId,
        directoryPerms: '700',
        uid: String(MODEL_CACHE_OWNER_ID),
        gid: String(MODEL_CACHE_OWNER_ID),
        basePath: '/model-cache',
        subPathPattern: '${.PVC.namespace}/${.PVC.name}',
        ensureUniqueDirectory: 'false',
      },
    });
  }
}

export function efsCsiAddon(environment: ClusterSpec): HelmAddon {
  return {
    name: 'aws-efs-csi-driver',
    namespace: CONTROLLER_IDENTITIES['efs-csi-controller'].namespace,
    podIdentities: [podIdentity(CONTROLLER_IDENTITIES['efs-csi-controller'])],
    createNamespace: false,
    chart: { repository: 'https://kubernetes-sigs.github.io/aws-efs-csi-driver/', name: 'aws-efs-csi-driver', version: '3.2.4' },
    podSecurity: 'privileged',
    serverSideApply: false,
    clusterResources: [...CSI_DRIVERS, ...CLUSTER_RBAC],
    values: {
      controller: {
        serviceAccount: { create: true, name: CONTROLLER_IDENTITIES['efs-csi-controller'].serviceAccount },
        replicaCount: environment.highAvailability ? 2 : 1,
        tags: { 'llm-platform/environment': environment.name },
      },
      // The node plugin mounts volumes wherever a pod lands, including tainted GPU nodes.
      node: { tolerations: [{ operator: 'Exists' }] },
    },
  };
}

export const storage: PlatformComponent = {
  name: 'storage',
  installs: [],
  needs: [],
  build: (scope, props) => new StorageChart(scope, 'storage', props),
};
