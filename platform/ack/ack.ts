import type { ClusterSpec } from '../spec/cluster-spec.js';
import { CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';
import { kindsOf, type PlatformComponent } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { HTTPS_ANYWHERE, POD_IDENTITY_AGENT, scrapedBy } from '../core/network-policies.js';

/** Where the ACK controllers run. */
export const ACK_NAMESPACE = 'ack-system';

/**
 * The ACK controllers the platform uses, with chart versions (oci://public.ecr.aws/
 * aws-controllers-k8s/<service>-chart). iam and eks create the roles and Pod Identity
 * associations of everything else; their own roles are created once at cluster bootstrap.
 */
export const ACK_CONTROLLERS = {
  iam: '1.9.1',
  eks: '1.23.1',
  ec2: '1.21.2',
  elasticache: '1.2.3',
  apigatewayv2: '1.2.0',
  lambda: '1.16.0',
  sqs: '1.7.1',
  cloudwatchlogs: '1.1.0',
} as const;

export type AckService = keyof typeof ACK_CONTROLLERS;

/** The controllers whose roles exist before ACK does (see README, "Bootstrap"). */
export const BOOTSTRAP_ACK_SERVICES: readonly AckService[] = ['iam', 'eks'];

export const ackServiceAccount = (service: AckService) => `ack-${service}-controller`;

/** One ACK controller as a Helm add-on: cluster-wide, leader-elected when highly available. */
export function ackControllerAddon(environment: ClusterSpec, service: AckService): HelmAddon {
  const replicas = environment.highAvailability ? 2 : 1;
  return {
    name: `ack-${service}-controller`,
    namespace: ACK_NAMESPACE,
    chart: { repository: 'oci://public.ecr.aws/aws-controllers-k8s', name: `${service}-chart`, version: ACK_CONTROLLERS[service] },
    podSecurity: 'restricted',
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC],
    network: {
      ingress: [scrapedBy([{ port: 8080 }])],
      // The AWS APIs and the Kubernetes API (both HTTPS), and credentials from Pod Identity.
      egress: [HTTPS_ANYWHERE, POD_IDENTITY_AGENT],
    },
    values: {
      aws: { region: environment.aws.region },
      serviceAccount: { create: true, name: ackServiceAccount(service) },
      installScope: 'cluster',
      // Highly available (production) environments never delete an AWS resource because its
      // Kubernetes object went away; elsewhere deleting the object deletes the resource.
      deletionPolicy: environment.highAvailability ? 'retain' : 'delete',
      resourceTags: [
        'services.k8s.aws/controller-version=%CONTROLLER_SERVICE%-%CONTROLLER_VERSION%',
        'services.k8s.aws/namespace=%K8S_NAMESPACE%',
        `llm-platform/environment=${environment.name}`,
        `llm-platform/cluster=${environment.aws.clusterName}`,
      ],
      deployment: { replicas },
      leaderElection: { enabled: replicas > 1, namespace: ACK_NAMESPACE },
      metrics: { service: { create: true, type: 'ClusterIP' } },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
    },
  };
}

/**
 * The ACK controllers: first of all, since every other component's AWS identity comes through
 * them. The kinds listed are those the platform uses; each controller's chart installs more.
 */
export const ack: PlatformComponent = {
  name: 'ack',
  installs: [
    ...kindsOf('iam.services.k8s.aws', 'Role'),
    ...kindsOf('eks.services.k8s.aws', 'PodIdentityAssociation'),
    ...kindsOf('ec2.services.k8s.aws', 'SecurityGroup'),
    ...kindsOf('elasticache.services.k8s.aws', 'CacheSubnetGroup', 'ReplicationGroup'),
    ...kindsOf(
      'apigatewayv2.services.k8s.aws',
      'API',
      'APIMapping',
      'Authorizer',
      'DomainName',
      'Integration',
      'Route',
      'Stage',
      'VPCLink',
    ),
    ...kindsOf('lambda.services.k8s.aws', 'Alias', 'Function'),
    ...kindsOf('sqs.services.k8s.aws', 'Queue'),
    ...kindsOf('cloudwatchlogs.services.k8s.aws', 'LogGroup'),
    ...kindsOf('services.k8s.aws', 'FieldExport'),
  ],
  needs: [],
  build: (scope, { environment, gitops }) =>
    new AddonChart(scope, 'ack', {
      gitops,
      addons: (Object.keys(ACK_CONTROLLERS) as AckService[]).map((service) => ackControllerAddon(environment, service)),
    }),
};
