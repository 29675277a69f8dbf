import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { AFTER_OWN_CHART } from '../core/gitops-constants.js';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart, type HelmAddon } from '../core/helm-addon.js';
import { CONTROLLER_IDENTITIES, podIdentity } from '../identity/controller-identities.js';
import { ADMISSION_WEBHOOKS, CLUSTER_RBAC, CUSTOM_RESOURCE_DEFINITIONS } from '../core/cluster-kinds.js';

/** The IngressClass the API Ingress uses. */
export const ALB_INGRESS_CLASS = 'alb';

/** TLS 1.3 and 1.2 only. */
export const ALB_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/**
 * AWS Load Balancer Controller (Helm, kube-system) with the IngressClass `alb` and its
 * IngressClassParams: scheme from cluster.yaml, one shared load balancer (group), TLS policy and
 * idle timeout. Region and VPC are given, because pods cannot read them from IMDS (hop limit 1).
 */
export class AwsLoadBalancerChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops, addons: [awsLoadBalancerAddon(props.environment)] });
    const { environment } = props;
    const labels = { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'ingress' };
    new k8s.KubeIngressClass(this, 'ingress-class', {
      metadata: { name: ALB_INGRESS_CLASS, labels },
      spec: {
        controller: 'ingress.k8s.aws/alb',
        parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: ALB_INGRESS_CLASS },
      },
    });
    new ApiObject(this, 'ingress-class-params', {
      apiVersion: 'elbv2.k8s.aws/v1beta1',
      kind: 'IngressClassParams',
      // Its CRD comes with the controller's chart in this same sync.
      metadata: { name: ALB_INGRESS_CLASS, labels, annotations: { ...AFTER_OWN_CHART } },
      spec: {
        scheme: environment.ingress.scheme,
        ipAddressType: 'ipv4',
        group: { name: `${environment.aws.clusterName}-api` },
        sslPolicy: ALB_SSL_POLICY,
        loadBalancerAttributes: [
          { key: 'idle_timeout.timeout_seconds', value: String(environment.ingress.idleTimeoutSeconds) },
          { key: 'routing.http.drop_invalid_header_fields.enabled', value: 'true' },
          { key: 'deletion_protection.enabled', value: String(environment.highAvailability) },
        ],
        tags: [{ key: 'llm-platform/environment', value: environment.name }],
      },
    });
  }
}

export function awsLoadBalancerAddon(environment: ClusterSpec): HelmAddon {
  return {
    name: 'aws-load-balancer-controller',
    namespace: CONTROLLER_IDENTITIES['aws-load-balancer-controller'].namespace,
    podIdentities: [podIdentity(CONTROLLER_IDENTITIES['aws-load-balancer-controller'])],
    createNamespace: false,
    chart: { repository: 'https://aws.github.io/eks-charts', name: 'aws-load-balancer-controller', version: '3.6.0' },
    podSecurity: 'restricted',
    serverSideApply: true,
    clusterResources: [...CUSTOM_RESOURCE_DEFINITIONS, ...CLUSTER_RBAC, ...ADMISSION_WEBHOOKS],
    values: {
      clusterName: environment.aws.clusterName,
      region: environment.aws.region,
      vpcId: environment.network.vpcId,
      replicaCount: environment.highAvailability ? 2 : 1,
      serviceAccount: { create: true, name: CONTROLLER_IDENTITIES['aws-load-balancer-controller'].serviceAccount },
      // We render the IngressClass (and its parameters) ourselves, reviewed with everything else.
      createIngressClassResource: false,
      // No Service of type LoadBalancer is rendered; do not rewrite Services cluster-wide.
      enableServiceMutatorWebhook: false,
      defaultTags: { 'llm-platform/environment': environment.name },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    },
  };
}

export const awsLoadBalancer: PlatformComponent = {
  name: 'aws-load-balancer',
  installs: kindsOf('elbv2.k8s.aws', 'IngressClassParams', 'TargetGroupBinding'),
  needs: kindsOf('elbv2.k8s.aws', 'IngressClassParams'),
  build: (scope, props) => new AwsLoadBalancerChart(scope, 'aws-load-balancer', props),
};
