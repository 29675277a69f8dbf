import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AFTER_OWN_CHART } from '../core/gitops-constants.js';
import { recommendedLabels } from '../core/labels.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { CONTROLLER_IDENTITIES, podIdentity } from '../identity/controller-identities.js';
import { HTTPS_ANYWHERE, POD_IDENTITY_AGENT, scrapedBy } from '../core/network-policies.js';
import { CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';

/**
 * external-dns: publishes the API Ingress's hostname and the API's custom domain (a DNSEndpoint:
 * an alias record to API Gateway) in the environment's Route 53 zone, and only there. It owns its records through TXT records tagged with the cluster's name, and in
 * environments with `dns.recordPolicy: upsert-only` (production) it never deletes a record.
 */
export function externalDnsAddon(environment: ClusterSpec): HelmAddon {
  const identity = CONTROLLER_IDENTITIES['external-dns'];
  return {
    name: 'external-dns',
    podIdentities: [podIdentity(identity)],
    namespace: identity.namespace,
    chart: { repository: 'https://kubernetes-sigs.github.io/external-dns/', name: 'external-dns', version: '1.21.1' },
    podSecurity: 'restricted',
    serverSideApply: false,
    // The chart installs the DNSEndpoint CRD (the crd source).
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC],
    network: { ingress: [scrapedBy([{ port: 7979 }])], egress: [HTTPS_ANYWHERE, POD_IDENTITY_AGENT] },
    values: {
      provider: { name: 'aws' },
      sources: ['ingress', 'crd'],
      crd: { create: true },
      domainFilters: [environment.dns.zone],
      txtOwnerId: environment.aws.clusterName,
      policy: environment.dns.recordPolicy,
      registry: 'txt',
      interval: '1m',
      env: [{ name: 'AWS_DEFAULT_REGION', value: environment.aws.region }],
      serviceAccount: { create: true, name: identity.serviceAccount },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
    },
  };
}

/**
 * external-dns, and the records it publishes that no Ingress declares: the async API's custom
 * domain, an alias of async.host to the regional name API Gateway gives the domain
 * (async.domainTarget; the pinned ACK controller does not report it in status), once that is known.
 */
export class ExternalDnsChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops, addons: [externalDnsAddon(props.environment)] });
    const { environment } = props;
    const target = environment.async?.domainTarget;
    if (target === undefined) return;
    const host = environment.async!.host;
    new ApiObject(this, 'api-domain-record', {
      apiVersion: 'externaldns.k8s.io/v1alpha1',
      kind: 'DNSEndpoint',
      metadata: {
        name: 'api',
        namespace: CONTROLLER_IDENTITIES['external-dns'].namespace,
        labels: recommendedLabels({ name: 'api-gateway', instance: 'api', component: 'edge' }),
        // Its CRD comes with the external-dns chart in this same sync.
        annotations: { ...AFTER_OWN_CHART },
      },
      spec: {
        endpoints: [{ dnsName: host, recordType: 'A', targets: [target], providerSpecific: [{ name: 'alias', value: 'true' }] }],
      },
    });
  }
}

export const externalDns: PlatformComponent = {
  name: 'external-dns',
  installs: kindsOf('externaldns.k8s.io', 'DNSEndpoint'),
  needs: kindsOf('externaldns.k8s.io', 'DNSEndpoint'),
  build: (scope, props) => new ExternalDnsChart(scope, 'external-dns', props),
};
