import { beforeAll, describe, expect, test } from 'vitest';
import { renderSampleFleet, type Json, type RenderedEnvironment } from './helpers/rendered-fleet.js';

/* API Gateway, the async route and the ACK references that tie them together, as rendered. */

let envs: RenderedEnvironment[];

beforeAll(async () => {
  ({ envs } = await renderSampleFleet());
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
};

describe('API Gateway', () => {
  test('the default route requires a JWT from the configured issuer and audience', () => {
    for (const env of envs) {
      const authorizer = find(env.objects, 'Authorizer', 'jwt')!;
      expect(authorizer.spec).toMatchObject({ authorizerType: 'JWT', identitySource: ['$request.header.Authorization'], jwtConfiguration: env.spec.edge.jwt });
      const route = find(env.objects, 'Route', 'default')!;
      expect(route.spec).toMatchObject({ routeKey: '$default', authorizationType: 'JWT', authorizerRef: { from: { name: 'jwt' } }, targetRef: { from: { name: 'gateway' } } });
    }
  });

  test('the stage throttles the default route and writes access logs to its own log group', () => {
    for (const env of envs) {
      const stage = find(env.objects, 'Stage', 'default')!;
      expect(stage.spec.defaultRouteSettings).toMatchObject({ throttlingRateLimit: env.spec.edge.throttling.rateLimit, throttlingBurstLimit: env.spec.edge.throttling.burstLimit });
      const logs = find(env.objects, 'LogGroup', 'api-access-logs')!;
      expect(stage.spec.accessLogSettings.destinationARN).toBe(`arn:aws:logs:${env.spec.aws.region}:${env.spec.aws.accountId}:log-group:${logs.spec.name}`);
      expect(logs.spec.retentionDays).toBe(env.spec.edge.accessLogRetentionDays);
      expect(JSON.parse(stage.spec.accessLogSettings.format)).toHaveProperty('requestId', '$context.requestId');
    }
  });

  test('integrates privately with the ALB provisioned for it, through a VPC link in the private subnets', () => {
    for (const env of envs) {
      const integration = find(env.objects, 'Integration', 'gateway')!;
      expect(integration.spec).toMatchObject({ integrationType: 'HTTP_PROXY', connectionType: 'VPC_LINK', integrationURI: env.spec.edge.loadBalancer.listenerArn, connectionRef: { from: { name: 'api' } } });
      expect(find(env.objects, 'VPCLink', 'api')!.spec.subnetIDs).toEqual(env.spec.network.privateSubnetIds);
      // The Load Balancer Controller keeps that ALB's target group on the gateway pods.
      expect(find(env.objects, 'TargetGroupBinding', 'edge')!.spec).toEqual({ serviceRef: { name: 'gateway', port: 4000 }, targetGroupARN: env.spec.edge.loadBalancer.targetGroupArn, targetType: 'ip' });
    }
  });

  test('every ACK reference names an object of the right kind in the same namespace', () => {
    for (const env of envs) {
      for (const object of env.objects.filter((o) => o.apiVersion.includes('.services.k8s.aws/'))) {
        const refs: Array<[string, Json]> = [];
        for (const [field, value] of Object.entries(object.spec ?? {})) {
          if (field.endsWith('Ref') && (value as Json)?.from) refs.push([field, value as Json]);
          if (field.endsWith('Refs') && Array.isArray(value)) for (const v of value) refs.push([field, v]);
        }
        for (const nested of [object.spec?.vpcConfig]) for (const v of nested?.securityGroupRefs ?? []) refs.push(['securityGroupRefs', v]);
        for (const [field, ref] of refs) {
          const kind = field === 'targetRef' ? 'Integration' : field === 'securityGroupRefs' ? 'SecurityGroup' : REFERENCES[field];
          expect(kind, `${env.name} ${object.kind}/${object.metadata.name}.${field}`).toBeDefined();
          const target = env.objects.find((o) => o.kind === kind && o.metadata.name === ref.from.name && o.metadata.namespace === object.metadata.namespace);
          expect(target, `${env.name} ${object.kind}/${object.metadata.name}.${field} -> ${kind}/${ref.from.name}`).toBeDefined();
        }
      }
    }
  });

  test('security groups reference no other security group, so the reference graph has no cycle', () => {
    for (const env of envs) {
      for (const group of env.objects.filter((o) => o.kind === 'SecurityGroup')) {
        for (const rule of [...(group.spec.ingressRules ?? []), ...(group.spec.egressRules ?? [])]) expect(rule.userIDGroupPairs, group.metadata.name).toBeUndefined();
      }
    }
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
      expect(route!.spec).toMatchObject({ routeKey: 'POST /v1/async/{proxy+}', authorizationType: 'JWT', targetRef: { from: { name: 'async-intake' } } });
      const fn = find(env.objects, 'Function', 'async-intake')!;
      const lambda = env.spec.async.lambda;
      expect(fn.spec).toMatchObject({
        code: { s3Bucket: lambda.bucket, s3Key: lambda.key, s3ObjectVersion: lambda.objectVersion },
        reservedConcurrentExecutions: lambda.reservedConcurrency,
        timeout: lambda.timeoutSeconds,
        roleRef: { from: { name: `${env.spec.aws.clusterName}-async-intake` } },
      });
      const queue = find(env.objects, 'Queue', 'async-requests')!;
      expect(fn.spec.environment.variables.QUEUE_URL).toBe(`https://sqs.${env.spec.aws.region}.amazonaws.com/${env.spec.aws.accountId}/${queue.spec.queueName}`);
      const role = find(env.objects, 'Role', `${env.spec.aws.clusterName}-async-intake`)!;
      const statements = JSON.parse(role.spec.inlinePolicies['async-intake']).Statement as Json[];
      expect(statements.find((s) => s.Sid === 'EnqueueRequests')?.Resource).toBe(`arn:aws:sqs:${env.spec.aws.region}:${env.spec.aws.accountId}:${queue.spec.queueName}`);
      const alias = find(env.objects, 'Alias', 'async-intake-live')!;
      expect(alias.spec.permissions).toEqual([expect.objectContaining({ principal: 'apigateway.amazonaws.com', sourceAccount: env.spec.aws.accountId })]);
    }
  });

  test('the production queue is the one the 8B model\'s CloudWatch trigger scales on', () => {
    const prod = envs.find((e) => e.name === 'prod')!;
    const queue = find(prod.objects, 'Queue', 'async-requests')!;
    expect(queue.spec.queueName).toBe(prod.spec.models['llama-3-1-8b-instruct'].autoscaling.cloudwatch.dimensions.QueueName);
    expect(queue.metadata.annotations['services.k8s.aws/deletion-policy']).toBe('retain');
  });
});
