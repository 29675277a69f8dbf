import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../../scripts/lib/config/cluster-schema.js';
import { recommendedLabels } from '../../scripts/lib/k8s/labels.js';
import { ComponentChart } from '../../scripts/lib/render/component-chart.js';
import { ALB_INGRESS_CLASS, ALB_SSL_POLICY } from '../../platform/ingress/aws-load-balancer.js';
import { defaultDenyPolicies, scrapedBy, type Flow } from '../../platform/network/network-policies.js';

export const GATEWAY_NAMESPACE = 'gateway';
/** The gateway's Service, port name and port: the only backend of the API load balancer. */
export const GATEWAY_SERVICE = 'gateway';
export const GATEWAY_PORT_NAME = 'http';
export const GATEWAY_PORT = 4000;
/** The gateway's liveness endpoint, which the load balancer health-checks. */
export const GATEWAY_HEALTH_PATH = '/health/liveliness';

/** The hostname the API load balancer answers on (ingress.host, else dns.host). */
export function ingressHost(environment: ClusterSpec): string {
  return environment.ingress.host ?? environment.dns.host;
}

/**
 * The serving entry point in the cluster: the gateway's namespace and the API Ingress, an ALB
 * that is HTTPS-only (HTTP redirects), terminates TLS with the environment's certificate, sends
 * traffic straight to the gateway pods (target type ip), keeps streamed responses alive for ten
 * minutes, and sits behind a WAF ACL when one is configured. external-dns publishes its host.
 */
export class GatewayChart extends ComponentChart {
  constructor(scope: Construct, environment: ClusterSpec, modelNamespaces: readonly string[]) {
    super(scope, 'apps', 'gateway');
    const identity = { name: 'gateway', instance: 'gateway', component: 'gateway' };
    const labels = recommendedLabels(identity);

    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: GATEWAY_NAMESPACE,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': `v${environment.aws.kubernetesVersion}`,
        },
      },
    });

    const host = ingressHost(environment);
    const waf = environment.ingress.wafAclArn;
    new k8s.KubeIngress(this, 'ingress', {
      metadata: {
        name: 'api',
        namespace: GATEWAY_NAMESPACE,
        labels,
        annotations: {
          'alb.ingress.kubernetes.io/target-type': 'ip',
          'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
          'alb.ingress.kubernetes.io/ssl-redirect': '443',
          'alb.ingress.kubernetes.io/certificate-arn': environment.dns.certificateArn,
          'alb.ingress.kubernetes.io/ssl-policy': ALB_SSL_POLICY,
          'alb.ingress.kubernetes.io/backend-protocol': 'HTTP',
          'alb.ingress.kubernetes.io/healthcheck-path': GATEWAY_HEALTH_PATH,
          'alb.ingress.kubernetes.io/success-codes': '200',
          ...(waf ? { 'alb.ingress.kubernetes.io/wafv2-acl-arn': waf } : {}),
          'external-dns.alpha.kubernetes.io/hostname': host,
        },
      },
      spec: {
        ingressClassName: ALB_INGRESS_CLASS,
        tls: [{ hosts: [host] }],
        rules: [
          {
            host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: GATEWAY_SERVICE, port: { name: GATEWAY_PORT_NAME } } },
                },
              ],
            },
          },
        ],
      },
    });

    const toModels: Flow[] = modelNamespaces.map((namespace) => ({ name: `to-${namespace}`, peers: [{ namespace }], ports: [{ port: 8000 }] }));
    defaultDenyPolicies(this, GATEWAY_NAMESPACE, {
      // The ALB's nodes are in the VPC (target type ip sends to pod IPs directly).
      ingress: [{ name: 'load-balancer', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: GATEWAY_PORT }] }, scrapedBy([{ port: GATEWAY_PORT }])],
      egress: toModels,
    });
  }
}
