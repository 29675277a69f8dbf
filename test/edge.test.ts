import { beforeAll, describe, expect, test } from 'vitest';
import { load as parse } from 'js-yaml';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GATEWAY_REQUEST_TIMEOUT_SECONDS, MIN_IDLE_TIMEOUT_SECONDS } from '../platform/spec/platform-spec.js';
import { REPO_ROOT } from './helpers/fixture-repo.js';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { renderObjects, renderSampleFleet, type Json, type RenderedEnvironment } from './helpers/rendered-fleet.js';

/* The API's edge (the ALB for synchronous requests, API Gateway for the async route) and the ACK references that tie them together, as rendered. */

let fleet: Fleet;
let envs: RenderedEnvironment[];

beforeAll(async () => {
  ({ fleet, envs } = await renderSampleFleet());
});

const find = (objects: Json[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

/** ACK reference fields and the kind each must name. */
const REFERENCES: Record<string, string> = {
  apiRef: 'API',
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

describe('the synchronous API: the ALB streams and checks the JWT; the gateway checks its own key', () => {
  test('no API Gateway sits on the synchronous path: no HTTP API proxy, VPC link or default route', () => {
    for (const env of envs) {
      expect(
        env.objects.filter((o) => o.kind === 'Integration' && o.spec.integrationType === 'HTTP_PROXY'),
        env.name,
      ).toEqual([]);
      expect(
        env.objects.filter((o) => o.kind === 'VPCLink' || o.kind === 'TargetGroupBinding'),
        env.name,
      ).toEqual([]);
      expect(find(env.objects, 'Route', 'default'), env.name).toBeUndefined();
    }
  });

  test('the ALB holds an idle connection longer than the gateway waits for a model', () => {
    for (const env of envs) {
      const params = find(env.objects, 'IngressClassParams', 'alb')!;
      const idle = params.spec.loadBalancerAttributes.find((a: Json) => a.key === 'idle_timeout.timeout_seconds');
      expect(Number(idle.value), env.name).toBe(env.spec.ingress.idleTimeoutSeconds);
      expect(Number(idle.value)).toBeGreaterThan(GATEWAY_REQUEST_TIMEOUT_SECONDS);
      const config = parse(find(env.objects, 'ConfigMap', 'gateway-config')!.data['config.yaml']) as Json;
      expect(config.litellm_settings.request_timeout).toBe(GATEWAY_REQUEST_TIMEOUT_SECONDS);
      for (const route of config.model_list) expect(route.litellm_params.stream_timeout).toBeLessThan(Number(idle.value));
    }
  });

  test("policy NET-007's minimum idle timeout is the config's: the gateway's timeout plus 30 s", async () => {
    const data = parse(await readFile(path.join(REPO_ROOT, 'policies/data/network.yaml'), 'utf8')) as Json;
    expect(data.streaming_edge.min_idle_timeout_seconds).toBe(MIN_IDLE_TIMEOUT_SECONDS);
    expect(MIN_IDLE_TIMEOUT_SECONDS).toBe(GATEWAY_REQUEST_TIMEOUT_SECONDS + 30);
  });

  test("the ALB verifies the caller's JWT against the issuer's keys, issuer and audience", () => {
    for (const env of envs) {
      const ingress = find(env.objects, 'Ingress', 'api')!;
      expect(JSON.parse(ingress.metadata.annotations['alb.ingress.kubernetes.io/jwt-validation'])).toEqual({
        jwksEndpoint: env.spec.edge.jwt.jwksEndpoint,
        issuer: env.spec.edge.jwt.issuer,
        additionalClaims: [{ name: 'aud', format: 'single-string', values: env.spec.edge.jwt.audience }],
      });
      // The API's name is dns.host, which external-dns publishes from the Ingress.
      expect(ingress.spec.rules[0].host).toBe(env.spec.dns.host);
      expect(ingress.metadata.annotations['external-dns.alpha.kubernetes.io/hostname']).toBe(env.spec.dns.host);
    }
  });

  test('one credential per hop: the gateway reads its API key from x-litellm-api-key, never from Authorization', () => {
    for (const env of envs) {
      const gateway = find(env.objects, 'Deployment', 'gateway')!;
      const container = gateway.spec.template.spec.containers[0];
      expect(container.env).toContainEqual({ name: 'GATEWAY_API_KEY_HEADER', value: 'x-litellm-api-key' });
    }
  });

  test('a public ALB sits behind the WAF web ACL from cluster.yaml', () => {
    for (const env of envs.filter((e) => e.spec.ingress.scheme === 'internet-facing')) {
      const ingress = find(env.objects, 'Ingress', 'api')!;
      expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/wafv2-acl-arn'], env.name).toBe(env.spec.ingress.wafAclArn);
    }
    expect(envs.filter((e) => e.spec.ingress.scheme === 'internet-facing').map((e) => e.name)).toEqual(['prod', 'staging']);
  });
});

describe('API Gateway for the async route', () => {
  const withAsync = () => envs.filter((env) => env.spec.async !== undefined);

  test('exists only where async is configured (prod in the sample fleet)', () => {
    expect(withAsync().map((e) => e.name)).toEqual(['prod']);
    for (const env of envs.filter((e) => e.spec.async === undefined))
      expect(
        env.objects.filter((o) => o.apiVersion.startsWith('apigatewayv2.')),
        env.name,
      ).toEqual([]);
  });

  test('its one route requires a JWT from the configured issuer and audience and invokes the intake function', () => {
    for (const env of withAsync()) {
      const authorizer = find(env.objects, 'Authorizer', 'jwt')!;
      expect(authorizer.spec).toMatchObject({
        authorizerType: 'JWT',
        identitySource: ['$request.header.Authorization'],
        jwtConfiguration: { issuer: env.spec.edge.jwt.issuer, audience: env.spec.edge.jwt.audience },
      });
      const routes = env.objects.filter((o) => o.kind === 'Route');
      expect(routes.map((r) => r.spec.routeKey)).toEqual(['POST /v1/async/{proxy+}']);
      expect(routes[0]!.spec).toMatchObject({ authorizationType: 'JWT', authorizerRef: { from: { name: 'jwt' } } });
      const integration = find(env.objects, 'Integration', routes[0]!.spec.targetRef.from.name)!;
      expect(integration.spec.integrationType).toBe('AWS_PROXY');
    }
  });

  test('the stage throttles and writes access logs to its own log group', () => {
    for (const env of withAsync()) {
      const stage = find(env.objects, 'Stage', 'default')!;
      expect(stage.spec.defaultRouteSettings).toMatchObject({
        throttlingRateLimit: env.spec.async!.throttling.rateLimit,
        throttlingBurstLimit: env.spec.async!.throttling.burstLimit,
      });
      const logs = find(env.objects, 'LogGroup', 'api-access-logs')!;
      expect(stage.spec.accessLogSettings.destinationARN).toBe(
        `arn:aws:logs:${env.spec.aws.region}:${env.spec.aws.accountId}:log-group:${logs.spec.name}`,
      );
      expect(logs.spec.retentionDays).toBe(env.spec.async!.accessLogRetentionDays);
      expect(JSON.parse(stage.spec.accessLogSettings.format)).toHaveProperty('requestId', '$context.requestId');
    }
  });

  test('serves on the custom domain async.host only, with the environment certificate and TLS 1.2', () => {
    for (const env of withAsync()) {
      expect(find(env.objects, 'API', 'api')!.spec.disableExecuteAPIEndpoint, env.name).toBe(true);
      expect(find(env.objects, 'DomainName', 'api')!.spec).toMatchObject({
        domainName: env.spec.async!.host,
        domainNameConfigurations: [{ certificateARN: env.spec.dns.certificateArn, endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2' }],
      });
      expect(find(env.objects, 'APIMapping', 'api')!.spec).toEqual({
        apiRef: { from: { name: 'api' } },
        domainRef: { from: { name: 'api' } },
        stage: '$default',
      });
      // The alias record external-dns publishes: async.host -> API Gateway's regional name.
      expect(find(env.objects, 'DNSEndpoint', 'api')!.spec.endpoints).toEqual([
        {
          dnsName: env.spec.async!.host,
          recordType: 'A',
          targets: [env.spec.async!.domainTarget],
          providerSpecific: [{ name: 'alias', value: 'true' }],
        },
      ]);
      const externalDns = env.objects.find((o) => o.kind === 'Application' && o.metadata.name === 'external-dns')!;
      expect(externalDns.spec.source.helm.valuesObject.sources).toEqual(['ingress', 'crd']);
      expect(env.spec.async!.host).not.toBe(env.spec.dns.host);
    }
  });

  test('without domainTarget the domain and mapping are rendered but no DNS record', () => {
    const env = withAsync()[0]!;
    const located = fleet.environments.get(env.name)!;
    const spec = { ...located.spec, async: { ...located.spec.async!, domainTarget: undefined } };
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
    expect(Object.values(prod.spec.models).every((m: any) => m.autoscaling?.cloudwatch === undefined)).toBe(true);
  });
});
