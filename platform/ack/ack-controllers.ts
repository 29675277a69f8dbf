import type { ClusterSpec } from '../spec/cluster-spec.js';
import { CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';
import { kindsOf } from '../core/component.js';
import type { GroupKind } from '../core/component-chart.js';
import type { HelmAddon } from '../core/helm-addon.js';
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

/**
 * The controllers whose roles and Pod Identity associations exist before GitOps starts (the
 * infrastructure code creates them with the cluster; see platform/README.md, "Identities"): the
 * eks controller creates every other association, and the iam controller every other role.
 */
export const BOOTSTRAP_ACK_SERVICES: readonly AckService[] = ['iam', 'eks'];

/** The others: they start once the bootstrap controllers have created their identities. */
export const ACK_SERVICE_CONTROLLERS: readonly AckService[] = (Object.keys(ACK_CONTROLLERS) as AckService[]).filter(
  (service) => !BOOTSTRAP_ACK_SERVICES.includes(service),
);

/** The service controllers only the async route uses (API Gateway, its function, queue and logs). */
const ASYNC_ONLY_SERVICES: readonly AckService[] = ['apigatewayv2', 'lambda', 'sqs', 'cloudwatchlogs'];

/**
 * The service controllers an environment runs: a controller, its role and its Pod Identity
 * association exist only where something of its kind is rendered, so an environment without the
 * async route has no identity that may create APIs, functions or queues.
 */
export function ackServiceControllersFor(environment: Pick<ClusterSpec, 'async'>): readonly AckService[] {
  return ACK_SERVICE_CONTROLLERS.filter((service) => environment.async !== undefined || !ASYNC_ONLY_SERVICES.includes(service));
}

/** The kinds of each ACK controller the platform renders (each controller's chart installs more). */
const ACK_KINDS_USED: Record<AckService, readonly string[]> = {
  iam: ['Role'],
  eks: ['PodIdentityAssociation'],
  ec2: ['SecurityGroup'],
  elasticache: ['CacheSubnetGroup', 'ReplicationGroup'],
  apigatewayv2: ['API', 'APIMapping', 'Authorizer', 'DomainName', 'Integration', 'Route', 'Stage'],
  lambda: ['Alias', 'Function'],
  sqs: ['Queue'],
  cloudwatchlogs: ['LogGroup'],
};

/** The kinds the platform uses from these ACK controllers, as GroupKinds. */
export function ackKinds(...services: readonly AckService[]): GroupKind[] {
  return services.flatMap((service) => kindsOf(`${service}.services.k8s.aws`, ...ACK_KINDS_USED[service]));
}

export const ackServiceAccount = (service: AckService) => `ack-${service}-controller`;

/**
 * One ACK controller as a Helm add-on: cluster-wide, leader-elected when highly available.
 * `createNamespace`: whether this component renders ack-system (the first ACK component does).
 */
export function ackControllerAddon(environment: ClusterSpec, service: AckService, createNamespace: boolean): HelmAddon {
  const replicas = environment.highAvailability ? 2 : 1;
  return {
    name: `ack-${service}-controller`,
    namespace: ACK_NAMESPACE,
    createNamespace,
    chart: { repository: 'oci://public.ecr.aws/aws-controllers-k8s', name: `${service}-chart`, version: ACK_CONTROLLERS[service] },
    podSecurity: 'restricted',
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC],
    network: {
      ingress: [scrapedBy([{ port: 8080 }])],
      // The AWS APIs and the Kubernetes API (both HTTPS), and credentials from Pod Identity.
      egress: [HTTPS_ANYWHERE, POD_IDENTITY_AGENT],
    },
    // The bootstrap controllers' associations are not ours: they exist before GitOps starts.
    podIdentities: BOOTSTRAP_ACK_SERVICES.includes(service) ? [] : [`${ACK_NAMESPACE}/${ackServiceAccount(service)}`],
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
