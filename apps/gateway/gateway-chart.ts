import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../../platform/spec/cluster-spec.js';
import { GATEWAY_REQUEST_TIMEOUT_SECONDS } from '../../platform/spec/platform-spec.js';
import { kindsOf, type ComponentDeclaration } from '../../platform/core/component.js';
import { NamespacedChart } from '../../platform/core/namespaced-chart.js';
import { packageRoot } from '../../platform/core/package-root.js';
import { toYaml } from '../../platform/core/yaml.js';
import { ALB_INGRESS_CLASS, ALB_SSL_POLICY } from '../../platform/aws-load-balancer/aws-load-balancer.js';
import { scrapedBy, type Flow } from '../../platform/core/network-policies.js';
import { SERVING_PRIORITY_CLASS } from '../../platform/scheduling/scheduling.js';
import { spreadOverZones } from '../../platform/scheduling/zone-spread.js';
import { SECRET_STORE } from '../../platform/external-secrets/external-secrets.js';
import { API_KEYS_FILE, CONFIG_DIR, KEYS_DIR, litellmConfig, type GatewayRoute } from './litellm-config.js';
import {
  addResponseCache,
  CACHE_AUTH_TOKEN_KEY,
  CACHE_ENDPOINT_CONFIGMAP,
  CACHE_HOST_KEY,
  CACHE_PORT,
  GATEWAY_PODS_SECURITY_GROUP,
  GATEWAY_SECRET,
} from './response-cache.js';
import { ROUTER_PORT } from '../router/envoy-config.js';
import { routerSelector } from '../router/router.js';
import { identityEnv } from '../../platform/core/container-identity.js';
import { COMPONENT_PHASE, syncWave } from '../../platform/core/gitops-constants.js';
import { addPodSecurityGroup, addSecurityGroup, dnsEgress, fromNodes } from '../../platform/network/security-groups.js';

export const GATEWAY_NAMESPACE = 'gateway';
/** The gateway's Service, port name and port: the only backend of the API load balancer. */
export const GATEWAY_SERVICE = 'gateway';
export const GATEWAY_PORT_NAME = 'http';
export const GATEWAY_PORT = 4000;
/**
 * The endpoint every probe and the load balancer's health check call. LiteLLM v1.103.0 serves
 * /health/readiness behind `Depends(user_api_key_auth)`, and a `custom_auth` hook runs before its
 * public-route check (litellm/proxy/auth/user_api_key_auth.py), so our custom_auth.py refuses a
 * probe without a key there: the pods would never be Ready. /health/liveliness has no auth
 * dependency. Without a database, readiness has nothing more to check than that the server answers.
 */
export const GATEWAY_HEALTH_PATH = '/health/liveliness';
/** LiteLLM v1.103.0's routes that declare no auth dependency (health_endpoints/_health_endpoints.py). */
export const LITELLM_UNAUTHENTICATED_PATHS: readonly string[] = ['/health/liveliness', '/health/liveness'];
/** The API Ingress load balancer's security group (its ACK object's name). */
const LOAD_BALANCER_SECURITY_GROUP = 'gateway-load-balancer';

/** LiteLLM proxy, pinned by digest (the tag says which release it is). */
export const GATEWAY_IMAGE = 'ghcr.io/berriai/litellm:v1.103.0@sha256:bd089afdcd35b894b14a93f9743cdc8b591f82da1a38dd43a010a7b0c9de5fd7';

/**
 * How long the gateway keeps an idle connection open (uvicorn's timeout_keep_alive, LiteLLM's
 * --keepalive_timeout). The ALB reuses its connections to a target until they have been idle for
 * its own idle timeout; uvicorn's default of 5 s closes them first, and a request the ALB sends on
 * a connection the pod is closing comes back as a 502. AWS: configure the application's idle
 * timeout to be larger than the load balancer's.
 */
export function keepAliveSeconds(environment: ClusterSpec): number {
  return environment.ingress.idleTimeoutSeconds + 15;
}

/**
 * How long a stopping gateway pod keeps taking requests (preStop), while the Load Balancer
 * Controller deregisters it and the ALB stops sending to it.
 */
const DRAIN_SECONDS = 120;

/**
 * How long a stopping gateway pod may live: the drain, then a whole request for what arrived
 * last (uvicorn's graceful shutdown waits for open streams; LiteLLM gives one up to
 * GATEWAY_REQUEST_TIMEOUT_SECONDS), as the router's Envoy does. The ALB's deregistration delay is
 * the same, or it would close the stream's connection first (its default is 300 s).
 */
export const GATEWAY_STOP_SECONDS = DRAIN_SECONDS + GATEWAY_REQUEST_TIMEOUT_SECONDS;

const CUSTOM_AUTH = readFileSync(path.join(packageRoot(import.meta.url), 'apps/gateway/custom_auth.py'), 'utf8');

/**
 * The serving entry point in the cluster: the gateway's namespace and the API Ingress, an ALB
 * that is HTTPS-only (HTTP redirects), terminates TLS with the environment's certificate, sends
 * traffic straight to the gateway pods (target type ip), keeps streamed responses alive for ten
 * minutes, and sits behind a WAF ACL when one is configured. external-dns publishes its host.
 */
export interface GatewayProps {
  /** The environment the gateway runs in. */
  readonly environment: ClusterSpec;
  /** One route per model the environment serves: the model and its server's base URL. */
  readonly routes: readonly GatewayRoute[];
  /** The models' namespaces, whose routers the gateway may reach (and nothing else there). */
  readonly models: readonly { readonly name: string; readonly namespace: string }[];
}

export class GatewayChart extends NamespacedChart {
  constructor(scope: Construct, id: string, props: GatewayProps) {
    const { environment, routes, models } = props;
    const toModels: Flow[] = models.map(({ name, namespace }) => ({
      name: `to-${namespace}`,
      // The model's router, which picks the pod per request (apps/router/), never the pods themselves.
      peers: [{ namespace, podLabels: routerSelector(name) }],
      ports: [{ port: ROUTER_PORT }],
    }));
    super(scope, id, {
      layer: 'apps',
      environment,
      namespace: GATEWAY_NAMESPACE,
      app: { name: 'gateway', instance: 'gateway', component: 'gateway' },
      pinPodSecurityVersion: true,
      // The gateway's pods are ALB targets by IP: a rollout waits until the ALB sees each new pod
      // healthy (the Load Balancer Controller's pod readiness gate) before it removes an old one.
      namespaceLabels: { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' },
      network: {
        // The ALB's nodes are in the VPC (target type ip sends to pod IPs directly).
        ingress: [
          { name: 'load-balancer', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: GATEWAY_PORT }] },
          scrapedBy([{ port: GATEWAY_PORT }]),
        ],
        egress: [...toModels, { name: 'to-response-cache', peers: [{ cidr: environment.network.vpcCidr }], ports: [{ port: CACHE_PORT }] }],
      },
    });
    const labels = { ...this.appLabels };
    const selector = { ...this.selector };
    const metadata = (name: string) => this.metadata(name);

    // The API's one way in for synchronous requests: this Ingress's ALB streams answers and
    // verifies the caller's JWT before anything reaches the gateway (see jwtValidation).
    const host = apiHost(environment);
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
          // A deregistered pod's open streams keep their connections as long as the pod may live.
          'alb.ingress.kubernetes.io/target-group-attributes': `deregistration_delay.timeout_seconds=${GATEWAY_STOP_SECONDS}`,
          // Our own security group (by its Name tag: its id exists only once ACK created it), and
          // no rules added by the controller to the pods' group, which ACK owns.
          'alb.ingress.kubernetes.io/security-groups': loadBalancerGroupName(environment),
          'alb.ingress.kubernetes.io/manage-backend-security-group-rules': 'false',
          ...(waf ? { 'alb.ingress.kubernetes.io/wafv2-acl-arn': waf } : {}),
          'alb.ingress.kubernetes.io/jwt-validation': JSON.stringify(jwtValidation(environment)),
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

    this.addGateway(environment, routes, labels, selector, metadata);
    addResponseCache(this, environment, GATEWAY_NAMESPACE, labels);
    addGatewaySecurityGroups(this, environment, labels, selector);
  }

  /**
   * LiteLLM: routes by model name to each model server's Service, caches completions in Redis,
   * checks API keys (custom_auth.py) and enforces each key's rate limits, exposes Prometheus
   * metrics. Its keys and the cache's auth token come from Secrets Manager through External
   * Secrets Operator; the cache's host from ACK's FieldExport.
   */
  private addGateway(
    environment: ClusterSpec,
    routes: readonly GatewayRoute[],
    labels: Record<string, string>,
    selector: Record<string, string>,
    metadata: (name: string) => { name: string; namespace: string; labels: Record<string, string> },
  ): void {
    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: metadata(GATEWAY_SERVICE),
      automountServiceAccountToken: false,
    });
    new ApiObject(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('gateway-config'),
      data: {
        'config.yaml': toYaml(litellmConfig(routes, { ttlSeconds: environment.gateway.cache.ttlSeconds })),
        'custom_auth.py': CUSTOM_AUTH,
      },
    });
    const secret = environment.gateway.secretName;
    new ApiObject(this, 'secrets', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: metadata('gateway'),
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: SECRET_STORE },
        target: { name: GATEWAY_SECRET, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
        data: [
          { secretKey: 'master-key', remoteRef: { key: secret, property: 'master_key' } },
          { secretKey: CACHE_AUTH_TOKEN_KEY, remoteRef: { key: secret, property: 'redis_auth_token' } },
          { secretKey: 'api-keys.json', remoteRef: { key: secret, property: 'api_keys' } },
        ],
      },
    });
    const restricted = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    };
    const resources = { cpu: '1', memory: '2Gi' };
    const probe = (path: string, period: number, failures: number) => ({
      httpGet: { path, port: GATEWAY_PORT_NAME },
      periodSeconds: period,
      failureThreshold: failures,
      timeoutSeconds: 5,
    });
    new ApiObject(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(GATEWAY_SERVICE),
      spec: {
        // No replicas: KEDA's HPA owns the count between gateway.replicas.min and max.
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: {
            labels,
            annotations: {
              'eks-llm-gitops.io/config-sha256': sha256(
                toYaml(litellmConfig(routes, { ttlSeconds: environment.gateway.cache.ttlSeconds })) + CUSTOM_AUTH,
              ),
            },
          },
          spec: {
            serviceAccountName: GATEWAY_SERVICE,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            priorityClassName: SERVING_PRIORITY_CLASS,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              runAsGroup: 1000,
              fsGroup: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            terminationGracePeriodSeconds: GATEWAY_STOP_SECONDS,
            topologySpreadConstraints: spreadOverZones(selector),
            containers: [
              {
                name: 'litellm',
                image: GATEWAY_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                args: [
                  '--config',
                  `${CONFIG_DIR}/config.yaml`,
                  '--port',
                  String(GATEWAY_PORT),
                  '--num_workers',
                  '1',
                  '--keepalive_timeout',
                  String(keepAliveSeconds(environment)),
                ],
                env: [
                  // The caller's JWT fills Authorization (the ALB verified it); the gateway's own
                  // credential, the API key, comes in its own header (custom_auth.py).
                  { name: 'GATEWAY_API_KEY_HEADER', value: API_KEY_HEADER },
                  // uid 1000 is no user of the LiteLLM image (Wolfi: root and nonroot 65532).
                  ...identityEnv('litellm'),
                  { name: 'GATEWAY_API_KEYS_FILE', value: API_KEYS_FILE },
                  { name: 'REDIS_HOST', valueFrom: { configMapKeyRef: { name: CACHE_ENDPOINT_CONFIGMAP, key: CACHE_HOST_KEY } } },
                  { name: 'REDIS_PORT', value: String(CACHE_PORT) },
                  { name: 'REDIS_SSL', value: 'True' },
                  { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: GATEWAY_SECRET, key: CACHE_AUTH_TOKEN_KEY } } },
                  { name: 'LITELLM_MASTER_KEY', valueFrom: { secretKeyRef: { name: GATEWAY_SECRET, key: 'master-key' } } },
                  { name: 'LITELLM_TELEMETRY', value: 'False' },
                ],
                ports: [{ name: GATEWAY_PORT_NAME, containerPort: GATEWAY_PORT, protocol: 'TCP' }],
                resources: { requests: resources, limits: resources },
                readinessProbe: probe(GATEWAY_HEALTH_PATH, 10, 3),
                livenessProbe: probe(GATEWAY_HEALTH_PATH, 20, 3),
                startupProbe: probe(GATEWAY_HEALTH_PATH, 5, 24),
                lifecycle: { preStop: { sleep: { seconds: DRAIN_SECONDS } } },
                securityContext: restricted,
                volumeMounts: [
                  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                  { name: 'keys', mountPath: KEYS_DIR, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'gateway-config' } },
              { name: 'keys', secret: { secretName: GATEWAY_SECRET, items: [{ key: 'api-keys.json', path: 'api-keys.json' }] } },
              { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
            ],
          },
        },
      },
    });
    new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      // Before the Deployment: the Load Balancer Controller builds the Ingress's target group from
      // this Service, and gates only pods created once that binding exists (policy CMB-007).
      metadata: { ...metadata(GATEWAY_SERVICE), annotations: syncWave(COMPONENT_PHASE.prerequisites) },
      spec: { selector, ports: [{ name: GATEWAY_PORT_NAME, port: GATEWAY_PORT, targetPort: GATEWAY_PORT_NAME, protocol: 'TCP' }] },
    });
    new ApiObject(this, 'disruption-budget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(GATEWAY_SERVICE),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
    new ApiObject(this, 'autoscaler', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: metadata(GATEWAY_SERVICE),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: GATEWAY_SERVICE },
        minReplicaCount: environment.gateway.replicas.min,
        maxReplicaCount: environment.gateway.replicas.max,
        triggers: [
          { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
          { type: 'memory', metricType: 'Utilization', metadata: { value: '80' } },
        ],
      },
    });
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The EC2 name (and Name tag) of the API Ingress's load balancer security group. */
export function loadBalancerGroupName(environment: ClusterSpec): string {
  return `${environment.aws.clusterName}-gateway-alb`;
}

/**
 * The gateway's security groups: the API Ingress's ALB admits HTTPS from the VPC (or anywhere
 * when internet-facing) and may only reach the gateway's port; the gateway pods admit that ALB
 * and the nodes (probes, scrapes), and may only reach the model servers, the cache and DNS. The
 * model servers' and the cache's groups admit the gateway pods' group by reference.
 */
function addGatewaySecurityGroups(
  scope: Construct,
  environment: ClusterSpec,
  labels: Record<string, string>,
  selector: Record<string, string>,
): void {
  const vpc = { cidr: environment.network.vpcCidr };
  const clients = environment.ingress.scheme === 'internal' ? vpc : { cidr: '0.0.0.0/0' };
  addSecurityGroup(scope, environment, {
    name: LOAD_BALANCER_SECURITY_GROUP,
    namespace: GATEWAY_NAMESPACE,
    awsName: loadBalancerGroupName(environment),
    description: `API load balancer of ${environment.name}: HTTPS (and HTTP to redirect) in; the gateway port and the JWKS endpoint out`,
    ingress: [443, 80].map((port) => ({
      port,
      peer: clients,
      description: environment.ingress.scheme === 'internal' ? 'clients in the VPC' : 'clients',
    })),
    egress: [
      { port: GATEWAY_PORT, peer: vpc, description: 'gateway pods' },
      // The JWT verification fetches the issuer's keys from the load balancer's own interfaces,
      // as its OIDC action does (AWS: without outbound HTTPS to the IdP the ALB answers 500). The
      // endpoint is a hostname, so the range is the internet, on its port only.
      { port: jwksPort(environment), peer: { cidr: '0.0.0.0/0' }, description: 'the JWKS endpoint (edge.jwt.jwksEndpoint)' },
    ],
    labels,
  });
  addPodSecurityGroup(scope, environment, {
    name: GATEWAY_PODS_SECURITY_GROUP,
    namespace: GATEWAY_NAMESPACE,
    awsName: `${environment.aws.clusterName}-gateway-pods`,
    description: `Gateway pods of ${environment.name}: the load balancers in; model routers, the cache and DNS out`,
    ingress: [
      {
        port: GATEWAY_PORT,
        peer: { group: { name: LOAD_BALANCER_SECURITY_GROUP, namespace: GATEWAY_NAMESPACE } },
        description: 'API Ingress load balancer',
      },
      fromNodes(environment, GATEWAY_PORT),
    ],
    egress: [
      { port: ROUTER_PORT, peer: vpc, description: 'model routers' },
      { port: CACHE_PORT, peer: vpc, description: 'response cache' },
      ...dnsEgress(environment),
    ],
    labels,
    podSelector: selector,
  });
}

export const gateway: ComponentDeclaration = {
  name: 'gateway',
  installs: [],
  needs: [
    ...kindsOf('keda.sh', 'ScaledObject'),
    ...kindsOf('ec2.services.k8s.aws', 'SecurityGroup'),
    ...kindsOf('elasticache.services.k8s.aws', 'CacheSubnetGroup', 'ReplicationGroup'),
    ...kindsOf('services.k8s.aws', 'FieldExport'),
    ...kindsOf('external-secrets.io', 'ExternalSecret'),
    ...kindsOf('kro.run', 'PodSecurityGroup'),
  ],
};

/** The header that carries the gateway's API key: LiteLLM's own, so clients and docs agree. */
export const API_KEY_HEADER = 'x-litellm-api-key';

/** The API's hostname: ingress.host, else dns.host. */
export function apiHost(environment: ClusterSpec): string {
  return environment.ingress.host ?? environment.dns.host;
}

/** The port the ALB fetches the JWKS on: the endpoint URL's, 443 unless it names one. */
export function jwksPort(environment: ClusterSpec): number {
  return Number(new URL(environment.edge.jwt.jwksEndpoint).port || 443);
}

/**
 * The ALB's JWT verification (Load Balancer Controller 2.15+, annotation
 * alb.ingress.kubernetes.io/jwt-validation): the signature against the issuer's JWKS (RS256),
 * iss, exp, nbf and iat always, and the audience as an additional claim. A request without a
 * valid token never reaches the gateway.
 */
export function jwtValidation(environment: ClusterSpec): Record<string, unknown> {
  const jwt = environment.edge.jwt;
  return {
    jwksEndpoint: jwt.jwksEndpoint,
    issuer: jwt.issuer,
    additionalClaims: [{ name: 'aud', format: jwt.audienceFormat, values: [...jwt.audience] }],
  };
}
