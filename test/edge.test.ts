import { beforeAll, describe, expect, test } from 'vitest';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { renderObjects, renderSampleFleet, type Json, type RenderedEnvironment } from './helpers/rendered-fleet.js';

/* API Gateway, the async route and the ACK references that tie them together, as rendered. */

let fleet: Fleet;
let envs: RenderedEnvironment[];

beforeAll(async () => {
  ({ fleet, envs } = await renderSampleFleet());
});

const find = (objects: Json[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

/** ACK reference fields and the kind each must name. */
const REFERENCES: Record<string, string> = {
  apiRef: 'API',
  connectionRef: 'VPCLink',
  authorizerRef: 'Authorizer',
  roleRef: 'Role',
  functionRef: 'Function',
  cacheSubnetGroupRef: 'CacheSubnetGroup',
  domainRef: 'DomainName',
  targetRef: 'Integration',
  groupRef: 'SecurityGroup',
  securityGroupRefs: 'SecurityGroup',
};

/** Every ACK reference anywhere in an object's spec: [field, { from: { name, namespace? } }]. */
function references(value: unknown, found: Array<[string, Json]> = [], field = ''): Array<[string, Json]> {
  if (Array.isArray(value)) for (const item of value) references(item, found, field.endsWith('Refs') ? field : '');
  else if (value && typeof value === 'object') {
    if ((field.endsWith('Ref') || field.endsWith('Refs')) && (value as Json).from) found.push([field, value as Json]);
    else for (const [key, nested] of Object.entries(value)) references(nested, found, key);
  }
  return found;
}

describe('API Gateway', () => {
  test('the default route requires a JWT from the configured issuer and audience', () => {
    for (const env of envs) {
      const authorizer = find(env.objects, 'Authorizer', 'jwt')!;
      expect(authorizer.spec).toMatchObject({
        authorizerType: 'JWT',
        identitySource: ['$request.header.Authorization'],
        jwtConfiguration: env.spec.edge.jwt,
      });
      const route = find(env.objects, 'Route', 'default')!;
      expect(route.spec).toMatchObject({
        routeKey: '$default',
        authorizationType: 'JWT',
        authorizerRef: { from: { name: 'jwt' } },
        targetRef: { from: { name: 'gateway' } },
      });
    }
  });

  test('the stage throttles the default route and writes access logs to its own log group', () => {
    for (const env of envs) {
      const stage = find(env.objects, 'Stage', 'default')!;
      expect(stage.spec.defaultRouteSettings).toMatchObject({
        throttlingRateLimit: env.spec.edge.throttling.rateLimit,
        throttlingBurstLimit: env.spec.edge.throttling.burstLimit,
      });
      const logs = find(env.objects, 'LogGroup', 'api-access-logs')!;
      expect(stage.spec.accessLogSettings.destinationARN).toBe(
        `arn:aws:logs:${env.spec.aws.region}:${env.spec.aws.accountId}:log-group:${logs.spec.name}`,
      );
      expect(logs.spec.retentionDays).toBe(env.spec.edge.accessLogRetentionDays);
      expect(JSON.parse(stage.spec.accessLogSettings.format)).toHaveProperty('requestId', '$context.requestId');
    }
  });

  test('integrates privately with the ALB provisioned for it, through a VPC link in the private subnets', () => {
    for (const env of envs) {
      const integration = find(env.objects, 'Integration', 'gateway')!;
      expect(integration.spec).toMatchObject({
        integrationType: 'HTTP_PROXY',
        connectionType: 'VPC_LINK',
        integrationURI: env.spec.edge.loadBalancer.listenerArn,
        connectionRef: { from: { name: 'api' } },
      });
      expect(find(env.objects, 'VPCLink', 'api')!.spec.subnetIDs).toEqual(env.spec.network.privateSubnetIds);
      // The Load Balancer Controller keeps that ALB's target group on the gateway pods.
      expect(find(env.objects, 'TargetGroupBinding', 'edge')!.spec).toEqual({
        serviceRef: { name: 'gateway', port: 4000 },
        targetGroupARN: env.spec.edge.loadBalancer.targetGroupArn,
        targetType: 'ip',
      });
    }
  });

  test('serves on the custom domain dns.host only, with the environment certificate and TLS 1.2', () => {
    for (const env of envs) {
      expect(find(env.objects, 'API', 'api')!.spec.disableExecuteAPIEndpoint, env.name).toBe(true);
      expect(find(env.objects, 'DomainName', 'api')!.spec).toMatchObject({
        domainName: env.spec.dns.host,
        domainNameConfigurations: [{ certificateARN: env.spec.dns.certificateArn, endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2' }],
      });
      expect(find(env.objects, 'APIMapping', 'api')!.spec).toEqual({
        apiRef: { from: { name: 'api' } },
        domainRef: { from: { name: 'api' } },
        stage: '$default',
      });
      // The alias record external-dns publishes: dns.host -> API Gateway's regional name.
      expect(find(env.objects, 'DNSEndpoint', 'api')!.spec.endpoints).toEqual([
        {
          dnsName: env.spec.dns.host,
          recordType: 'A',
          targets: [env.spec.edge.domainTarget],
          providerSpecific: [{ name: 'alias', value: 'true' }],
        },
      ]);
      // ...which external-dns reads (crd source), while the Ingress keeps a name of its own.
      const externalDns = env.objects.find((o) => o.kind === 'Application' && o.metadata.name === 'external-dns')!;
      expect(externalDns.spec.source.helm.valuesObject.sources).toEqual(['ingress', 'crd']);
      expect(find(env.objects, 'Ingress', 'api')!.spec.rules[0].host).not.toBe(env.spec.dns.host);
    }
  });

  test('without domainTarget the domain and mapping are rendered but no DNS record', () => {
    const env = envs[0]!;
    const located = fleet.environments.get(env.name)!;
    const spec = { ...located.spec, edge: { ...located.spec.edge, domainTarget: undefined } };
    const fleetWithout: Fleet = { ...fleet, environments: new Map([[env.name, { ...located, spec }]]) };
    const objects = renderObjects(fleetWithout, env.name);
    expect(find(objects, 'DomainName', 'api')).toBeDefined();
    expect(find(objects, 'APIMapping', 'api')).toBeDefined();
    expect(objects.filter((o) => o.kind === 'DNSEndpoint')).toEqual([]);
  });

  test('every ACK reference names a rendered object of the right kind', () => {
    let count = 0;
    for (const env of envs) {
      for (const object of env.objects.filter((o) => o.apiVersion.includes('.services.k8s.aws/'))) {
        for (const [field, ref] of references(object.spec)) {
          const kind = REFERENCES[field];
          expect(kind, `${env.name} ${object.kind}/${object.metadata.name}.${field}`).toBeDefined();
          const namespace = ref.from.namespace ?? object.metadata.namespace;
          const target = env.objects.find(
            (o) => o.kind === kind && o.metadata.name === ref.from.name && o.metadata.namespace === namespace,
          );
          expect(
            target,
            `${env.name} ${object.kind}/${object.metadata.name}.${field} -> ${kind} ${namespace}/${ref.from.name}`,
          ).toBeDefined();
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(30);
  });
});

describe('the asynchronous route', () => {
  test('exists where cluster.yaml configures it: API Gateway -> Lambda (alias live) -> SQS', () => {
    for (const env of envs) {
      const route = find(env.objects, 'Route', 'async');
      if (!env.spec.async) {
        expect(route, env.name).toBeUndefined();
        continue;
      }
      expect(route!.spec).toMatchObject({
        routeKey: 'POST /v1/async/{proxy+}',
        authorizationType: 'JWT',
        targetRef: { from: { name: 'async-intake' } },
      });
      const fn = find(env.objects, 'Function', 'async-intake')!;
      const lambda = env.spec.async.lambda;
      expect(fn.spec).toMatchObject({
        code: { s3Bucket: lambda.bucket, s3Key: lambda.key, s3ObjectVersion: lambda.objectVersion },
        reservedConcurrentExecutions: lambda.reservedConcurrency,
        timeout: lambda.timeoutSeconds,
        roleRef: { from: { name: `${env.spec.aws.clusterName}-async-intake` } },
      });
      const queue = find(env.objects, 'Queue', 'async-requests')!;
      expect(fn.spec.environment.variables.QUEUE_URL).toBe(
        `https://sqs.${env.spec.aws.region}.amazonaws.com/${env.spec.aws.accountId}/${queue.spec.queueName}`,
      );
      const role = find(env.objects, 'Role', `${env.spec.aws.clusterName}-async-intake`)!;
      const statements = JSON.parse(role.spec.inlinePolicies['async-intake']).Statement as Json[];
      expect(statements.find((s) => s.Sid === 'EnqueueRequests')?.Resource).toBe(
        `arn:aws:sqs:${env.spec.aws.region}:${env.spec.aws.accountId}:${queue.spec.queueName}`,
      );
      const alias = find(env.objects, 'Alias', 'async-intake-live')!;
      expect(alias.spec.permissions).toEqual([
        expect.objectContaining({ principal: 'apigateway.amazonaws.com', sourceAccount: env.spec.aws.accountId }),
      ]);
    }
  });

  test('the production queue survives its object, and no model scales on it (it has no workers)', () => {
    const prod = envs.find((e) => e.name === 'prod')!;
    const queue = find(prod.objects, 'Queue', 'async-requests')!;
    expect(queue.spec.queueName).toBe('llm-prod-async-requests');
    expect(queue.metadata.annotations['services.k8s.aws/deletion-policy']).toBe('retain');
    expect(Object.values(prod.spec.models).map((m: any) => m.autoscaling?.cloudwatch)).toEqual([undefined, undefined]);
  });
});
