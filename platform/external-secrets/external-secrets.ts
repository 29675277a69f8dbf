import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { recommendedLabels } from '../core/labels.js';
import { ADMISSION_WEBHOOKS, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';
import { AFTER_OWN_CHART } from '../core/gitops-constants.js';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { HTTPS_ANYWHERE, POD_IDENTITY_AGENT, scrapedBy } from '../core/network-policies.js';

export const EXTERNAL_SECRETS_NAMESPACE = 'external-secrets';
export const EXTERNAL_SECRETS_SERVICE_ACCOUNT = 'external-secrets';
/** The store every ExternalSecret reads from: the environment's Secrets Manager, as ESO's own role. */
export const SECRET_STORE = 'aws-secrets-manager';

/**
 * External Secrets Operator: copies values from AWS Secrets Manager into Kubernetes Secrets, so
 * that no secret value is ever in git. It reads with its own EKS Pod Identity role (the store has
 * no auth section: the SDK's default chain finds the Pod Identity credentials), which may read
 * the environment's secrets only.
 */
export class ExternalSecretsChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops, addons: [externalSecretsAddon(props.environment)] });
    const { environment } = props;
    new ApiObject(this, 'store', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: {
        name: SECRET_STORE,
        labels: recommendedLabels({ name: 'external-secrets', instance: 'external-secrets', component: 'secret-store' }),
        // The store's CRD comes with the chart in this same sync; skip the dry run until it exists.
        annotations: { ...AFTER_OWN_CHART },
      },
      spec: { provider: { aws: { service: 'SecretsManager', region: environment.aws.region } } },
    });
  }
}

export function externalSecretsAddon(environment: ClusterSpec): HelmAddon {
  const replicas = environment.highAvailability ? 2 : 1;
  return {
    name: 'external-secrets',
    podIdentities: [`${EXTERNAL_SECRETS_NAMESPACE}/${EXTERNAL_SECRETS_SERVICE_ACCOUNT}`],
    namespace: EXTERNAL_SECRETS_NAMESPACE,
    chart: { repository: 'https://charts.external-secrets.io', name: 'external-secrets', version: '2.12.0' },
    podSecurity: 'restricted',
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...ADMISSION_WEBHOOKS],
    network: {
      ingress: [
        { name: 'api-server-to-webhooks', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: 10250 }] },
        scrapedBy([{ port: 8080 }]),
      ],
      egress: [HTTPS_ANYWHERE, POD_IDENTITY_AGENT],
    },
    values: {
      installCRDs: true,
      replicaCount: replicas,
      leaderElect: replicas > 1,
      serviceAccount: { create: true, name: EXTERNAL_SECRETS_SERVICE_ACCOUNT },
      webhook: { replicaCount: replicas },
      certController: { replicaCount: 1 },
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
      serviceMonitor: { enabled: true },
    },
  };
}

export const externalSecrets: PlatformComponent = {
  name: 'external-secrets',
  installs: kindsOf('external-secrets.io', 'ClusterSecretStore', 'ExternalSecret', 'SecretStore'),
  needs: kindsOf('external-secrets.io', 'ClusterSecretStore'),
  build: (scope, props) => new ExternalSecretsChart(scope, 'external-secrets', props),
};
