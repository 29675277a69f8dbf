import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { CONTROLLER_IDENTITIES } from './controller-identities.js';
import { permissionsBoundaryArn } from './iam/ack-policies.js';
import {
  cloudWatchAgentPolicy,
  efsCsiPolicy,
  externalDnsPolicy,
  karpenterPolicy,
  kedaPolicy,
  loadBalancerControllerPolicy,
} from './iam/controller-policies.js';
import { podIdentityTrust, policyJson, type AwsScope, type PolicyDocument } from './iam/document.js';
import { externalSecretsPolicy } from './iam/workload-policies.js';
import { EXTERNAL_SECRETS_NAMESPACE, EXTERNAL_SECRETS_SERVICE_ACCOUNT } from '../external-secrets/external-secrets.js';

/** A workload that calls AWS: the service account EKS Pod Identity gives a role to, and the role's policy. */
export interface WorkloadIdentity {
  /** Short name: the role is `<cluster>-<key>`, the association is named after it. */
  readonly key: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly description: string;
  readonly policy: PolicyDocument;
}

/** Marks a ServiceAccount whose pods call AWS (policy AWS-003 checks it has an identity). */
export const CALLS_AWS_ANNOTATION = 'eks-llm-gitops.io/calls-aws';

export function awsScope(environment: ClusterSpec): AwsScope {
  return { account: environment.aws.accountId, region: environment.aws.region, cluster: environment.aws.clusterName };
}

export const roleName = (environment: ClusterSpec, key: string) => `${environment.aws.clusterName}-${key}`;

/** The platform's controllers that call AWS (the ACK controllers' identities are ackServiceIdentities). */
export function platformIdentities(environment: ClusterSpec): WorkloadIdentity[] {
  const scope = awsScope(environment);
  const controller = (key: keyof typeof CONTROLLER_IDENTITIES, description: string, policy: PolicyDocument): WorkloadIdentity => ({
    key,
    ...CONTROLLER_IDENTITIES[key],
    description,
    policy,
  });
  return [
    controller(
      'karpenter',
      "Karpenter: launches and terminates this cluster's nodes",
      karpenterPolicy(scope, {
        nodeRole: environment.karpenter.nodeRole,
        interruptionQueue: environment.karpenter.interruptionQueue,
        placementGroup: environment.gpu.efa?.placementGroup,
      }),
    ),
    controller(
      'aws-load-balancer-controller',
      'AWS Load Balancer Controller',
      loadBalancerControllerPolicy(scope, { vpcId: environment.network.vpcId }),
    ),
    controller(
      'external-dns',
      `external-dns: records in ${environment.dns.zone}`,
      externalDnsPolicy({ hostedZoneId: environment.dns.hostedZoneId, zone: environment.dns.zone }),
    ),
    controller(
      'efs-csi-controller',
      'EFS CSI driver: access points on the model cache',
      efsCsiPolicy(scope, { fileSystemId: environment.storage.efsFileSystemId }),
    ),
    controller('cloudwatch-agent', 'CloudWatch agent: Container Insights metrics and logs', cloudWatchAgentPolicy(scope)),
    controller('keda', 'KEDA: CloudWatch metrics for scaling', kedaPolicy(scope)),
    {
      key: 'external-secrets',
      namespace: EXTERNAL_SECRETS_NAMESPACE,
      serviceAccount: EXTERNAL_SECRETS_SERVICE_ACCOUNT,
      description: "External Secrets Operator: the gateway's secret",
      policy: externalSecretsPolicy(scope, { secretNames: [environment.gateway.secretName] }),
    },
  ];
}

/**
 * The ACK objects that give one workload its AWS identity: an IAM Role (trusting Pod Identity for
 * exactly its service account, bounded by the environment's permissions boundary, with the
 * workload's policy inline) and the PodIdentityAssociation that binds it, both in `namespace`
 * (ACK resolves the association's roleRef there).
 */
export function addWorkloadIdentity(
  scope: Construct,
  environment: ClusterSpec,
  identity: WorkloadIdentity,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>> = {},
): void {
  const aws = awsScope(environment);
  const name = roleName(environment, identity.key);
  if (name.length > 64) throw new Error(`IAM role name ${name} is longer than 64 characters`);
  new ApiObject(scope, `${identity.key}-role`, {
    apiVersion: 'iam.services.k8s.aws/v1alpha1',
    kind: 'Role',
    metadata: { name, namespace, labels, ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}) },
    spec: {
      name,
      description: identity.description,
      assumeRolePolicyDocument: policyJson(podIdentityTrust(aws, identity.namespace, identity.serviceAccount)),
      inlinePolicies: { [identity.key]: policyJson(identity.policy) },
      permissionsBoundary: permissionsBoundaryArn(aws),
      maxSessionDuration: 3600,
      tags: [
        { key: 'llm-platform/environment', value: environment.name },
        { key: 'llm-platform/service-account', value: `${identity.namespace}/${identity.serviceAccount}` },
      ],
    },
  });
  new ApiObject(scope, `${identity.key}-pod-identity`, {
    apiVersion: 'eks.services.k8s.aws/v1alpha1',
    kind: 'PodIdentityAssociation',
    metadata: {
      name: identity.key,
      namespace,
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    },
    spec: {
      clusterName: environment.aws.clusterName,
      namespace: identity.namespace,
      serviceAccount: identity.serviceAccount,
      roleRef: { from: { name } },
      tags: { 'llm-platform/environment': environment.name },
    },
  });
}
