/**
 * Workloads of the platform that call AWS, and the service accounts EKS Pod Identity binds their
 * IAM roles to. The roles (and the PodIdentityAssociations) are AWS resources rendered with the
 * AWS side of the platform; they are named `<clusterName>-<key>` so both sides agree.
 */
export interface ControllerIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export const CONTROLLER_IDENTITIES = {
  karpenter: { namespace: 'kube-system', serviceAccount: 'karpenter' },
  'aws-load-balancer-controller': { namespace: 'kube-system', serviceAccount: 'aws-load-balancer-controller' },
  'external-dns': { namespace: 'external-dns', serviceAccount: 'external-dns' },
  'efs-csi-controller': { namespace: 'kube-system', serviceAccount: 'efs-csi-controller-sa' },
  'cloudwatch-agent': { namespace: 'amazon-cloudwatch', serviceAccount: 'cloudwatch-agent' },
  keda: { namespace: 'keda', serviceAccount: 'keda-operator' },
} as const satisfies Record<string, ControllerIdentity>;

export type ControllerName = keyof typeof CONTROLLER_IDENTITIES;

/** "namespace/serviceAccount": how an add-on names the identities its pods use (HelmAddon.podIdentities). */
export function podIdentity(identity: ControllerIdentity): string {
  return `${identity.namespace}/${identity.serviceAccount}`;
}

/** The IAM role of a controller in a cluster. */
export function controllerRoleName(clusterName: string, controller: ControllerName): string {
  return `${clusterName}-${controller}`;
}
