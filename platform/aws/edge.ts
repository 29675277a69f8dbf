import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { allow, arn, lambdaTrust, policy, policyJson, type PolicyDocument } from '../identity/iam/document.js';
import { permissionsBoundaryArn } from '../identity/iam/ack-policies.js';
import { awsScope, roleName } from '../identity/workload-identity.js';

/** The access-log line API Gateway writes per request (JSON; no bodies, no tokens). */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  principal: '$context.authorizer.claims.sub',
});

type Labels = Readonly<Record<string, string>>;

/**
 * API Gateway for the asynchronous batch route, as ACK apigatewayv2 objects: an HTTP API whose
 * one route, POST /v1/async/{proxy+}, requires a JWT from the configured issuer and audience and
 * invokes the async intake function; a stage with default-route throttling and JSON access logs
 * (to a log group of its own); and the custom domain async.host. ACK references (apiRef,
 * targetRef, authorizerRef, domainRef) order the creation; nothing here is an ID copied by hand.
 *
 * The synchronous API does not pass through API Gateway: an HTTP API waits at most 30 s for an
 * integration and buffers the response, so streamed answers would arrive all at once and long
 * ones not at all (policy NET-007). It is served by the gateway's ALB (apps/gateway), which
 * streams and verifies the same JWTs.
 */
export function addApiGateway(scope: Construct, environment: ClusterSpec, namespace: string, labels: Labels): void {
  const async = environment.async;
  if (!async) return;
  const aws = awsScope(environment);
  const cluster = environment.aws.clusterName;
  const jwt = environment.edge.jwt;
  const retain = environment.highAvailability ? { annotations: { 'services.k8s.aws/deletion-policy': 'retain' } } : {};
  const object = (
    id: string,
    apiVersion: string,
    kind: string,
    name: string,
    spec: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => new ApiObject(scope, id, { apiVersion, kind, metadata: { name, namespace, labels, ...extra }, spec });
  const logGroup = `/aws/${cluster}/api-gateway/access`;

  object(
    'access-logs',
    'cloudwatchlogs.services.k8s.aws/v1alpha1',
    'LogGroup',
    'api-access-logs',
    { name: logGroup, retentionDays: async.accessLogRetentionDays, tags: { 'llm-platform/environment': environment.name } },
    retain,
  );
  object('api', 'apigatewayv2.services.k8s.aws/v1alpha1', 'API', 'api', {
    name: `${cluster}-async-api`,
    protocolType: 'HTTP',
    description: `Asynchronous batch API of ${environment.name}`,
    // Clients use the custom domain only: the execute-api address would be a second way in.
    disableExecuteAPIEndpoint: true,
    tags: { 'llm-platform/environment': environment.name },
  });
  object('jwt-authorizer', 'apigatewayv2.services.k8s.aws/v1alpha1', 'Authorizer', 'jwt', {
    apiRef: { from: { name: 'api' } },
    name: `${cluster}-jwt`,
    authorizerType: 'JWT',
    identitySource: ['$request.header.Authorization'],
    jwtConfiguration: { issuer: jwt.issuer, audience: [...jwt.audience] },
  });
  object('stage', 'apigatewayv2.services.k8s.aws/v1alpha1', 'Stage', 'default', {
    apiRef: { from: { name: 'api' } },
    stageName: '$default',
    autoDeploy: true,
    defaultRouteSettings: {
      throttlingRateLimit: async.throttling.rateLimit,
      throttlingBurstLimit: async.throttling.burstLimit,
      detailedMetricsEnabled: true,
    },
    accessLogSettings: { destinationARN: arn.logs(aws, `log-group:${logGroup}`), format: ACCESS_LOG_FORMAT },
    tags: { 'llm-platform/environment': environment.name },
  });
  addCustomDomain(environment, async.host, object);
  addAsyncRoute(environment, object);
}

/**
 * The async API's custom domain: async.host with the environment's (regional) ACM certificate,
 * TLS 1.2, mapped to the $default stage. The Route 53 alias record that points it at API Gateway
 * is a DNSEndpoint of the external-dns component (its CRD comes with that chart, which syncs
 * after this component).
 */
function addCustomDomain(environment: ClusterSpec, host: string, object: ObjectMaker): void {
  object('domain', 'apigatewayv2.services.k8s.aws/v1alpha1', 'DomainName', 'api', {
    domainName: host,
    domainNameConfigurations: [{ certificateARN: environment.dns.certificateArn, endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2' }],
    tags: { 'llm-platform/environment': environment.name },
  });
  object('domain-mapping', 'apigatewayv2.services.k8s.aws/v1alpha1', 'APIMapping', 'api', {
    apiRef: { from: { name: 'api' } },
    domainRef: { from: { name: 'api' } },
    stage: '$default',
  });
}

/** The async intake function's role: enqueue to its queue, write its logs, attach to the VPC. */
export function asyncIntakePolicy(environment: ClusterSpec, queue: string, logGroup: string): PolicyDocument {
  const aws = awsScope(environment);
  const vpc = arn.ec2(aws, `vpc/${environment.network.vpcId}`);
  return policy(
    allow('EnqueueRequests', ['sqs:SendMessage', 'sqs:GetQueueAttributes'], arn.sqs(aws, queue)),
    allow(
      'WriteOwnLogs',
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      [arn.logs(aws, `log-group:${logGroup}`), arn.logs(aws, `log-group:${logGroup}:log-stream:*`)],
    ),
    // Lambda creates and removes the function's network interfaces in the VPC (no resource-level
    // support for Describe*): scoped to the environment's VPC.
    allow('DescribeNetworkInterfaces', ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'], '*', {
      StringEquals: { 'aws:RequestedRegion': aws.region },
    }),
    allow(
      'ManageFunctionNetworkInterfaces',
      ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      [arn.ec2(aws, 'network-interface/*'), arn.ec2(aws, 'subnet/*'), arn.ec2(aws, 'security-group/*')],
      { ArnEqualsIfExists: { 'ec2:Vpc': vpc } },
    ),
  );
}

type ObjectMaker = (
  id: string,
  apiVersion: string,
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  extra?: Record<string, unknown>,
) => ApiObject;

/** The SQS queue the async route enqueues batch requests on. */
export function asyncQueueName(environment: Pick<ClusterSpec, 'aws'>): string {
  return `${environment.aws.clusterName}-async-requests`;
}

/**
 * The asynchronous batch route: POST /v1/async/{proxy+} (JWT, as the ALB checks it) invokes a Lambda
 * function (its own role, security group, reserved concurrency, immutable package by S3 object
 * version) that validates the request and enqueues it on an SQS queue for batch workers. This
 * repository renders no such workers: the queue is for a fork's own, and nothing may scale on it
 * until they exist (a queue nobody drains only grows; the config check refuses the trigger).
 */
function addAsyncRoute(environment: ClusterSpec, object: ObjectMaker): void {
  const lambda = environment.async!.lambda;
  const aws = awsScope(environment);
  const cluster = environment.aws.clusterName;
  const retain = environment.highAvailability ? { annotations: { 'services.k8s.aws/deletion-policy': 'retain' } } : {};
  const queue = asyncQueueName(environment);
  const functionName = `${cluster}-async-intake`;
  const logGroup = `/aws/${cluster}/lambda/async-intake`;
  const role = roleName(environment, 'async-intake');

  object(
    'async-queue',
    'sqs.services.k8s.aws/v1alpha1',
    'Queue',
    'async-requests',
    {
      queueName: queue,
      // Encrypted with the SQS-owned key; a worker has 15 minutes per message; kept 4 days.
      kmsMasterKeyID: 'alias/aws/sqs',
      visibilityTimeout: '900',
      messageRetentionPeriod: '345600',
      receiveMessageWaitTimeSeconds: '20',
      tags: { 'llm-platform/environment': environment.name },
    },
    retain,
  );
  object(
    'async-logs',
    'cloudwatchlogs.services.k8s.aws/v1alpha1',
    'LogGroup',
    'async-intake-logs',
    { name: logGroup, retentionDays: environment.async!.accessLogRetentionDays, tags: { 'llm-platform/environment': environment.name } },
    retain,
  );
  object('async-role', 'iam.services.k8s.aws/v1alpha1', 'Role', role, {
    name: role,
    description: `Async intake function of ${environment.name}: enqueue to ${queue}`,
    assumeRolePolicyDocument: policyJson(lambdaTrust(aws)),
    inlinePolicies: { 'async-intake': policyJson(asyncIntakePolicy(environment, queue, logGroup)) },
    permissionsBoundary: permissionsBoundaryArn(aws),
    maxSessionDuration: 3600,
    tags: [{ key: 'llm-platform/environment', value: environment.name }],
  });
  object('async-security-group', 'ec2.services.k8s.aws/v1alpha1', 'SecurityGroup', 'async-intake', {
    name: functionName,
    description: `Async intake function of ${environment.name}: HTTPS out (SQS), nothing in`,
    vpcID: environment.network.vpcId,
    egressRules: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, ipRanges: [{ cidrIP: '0.0.0.0/0', description: 'SQS over HTTPS' }] }],
    tags: [{ key: 'llm-platform/environment', value: environment.name }],
  });
  object('async-function', 'lambda.services.k8s.aws/v1alpha1', 'Function', 'async-intake', {
    name: functionName,
    description: 'Validates an asynchronous completion request and enqueues it for batch workers',
    code: { s3Bucket: lambda.bucket, s3Key: lambda.key, s3ObjectVersion: lambda.objectVersion },
    handler: lambda.handler,
    runtime: lambda.runtime,
    memorySize: lambda.memoryMB,
    timeout: lambda.timeoutSeconds,
    reservedConcurrentExecutions: lambda.reservedConcurrency,
    roleRef: { from: { name: role } },
    vpcConfig: { subnetIDs: [...environment.network.privateSubnetIds], securityGroupRefs: [{ from: { name: 'async-intake' } }] },
    environment: { variables: { QUEUE_URL: `https://sqs.${aws.region}.amazonaws.com/${aws.account}/${queue}` } },
    loggingConfig: { logGroup, logFormat: 'JSON' },
    tags: { 'llm-platform/environment': environment.name },
  });
  object('async-alias', 'lambda.services.k8s.aws/v1alpha1', 'Alias', 'async-intake-live', {
    name: 'live',
    functionRef: { from: { name: 'async-intake' } },
    functionVersion: '$LATEST',
    // API Gateway may invoke this alias, from this account's APIs only, on the async route only.
    permissions: [
      {
        statementID: 'api-gateway-async-route',
        action: 'lambda:InvokeFunction',
        principal: 'apigateway.amazonaws.com',
        sourceAccount: aws.account,
        sourceARN: `arn:aws:execute-api:${aws.region}:${aws.account}:*/*/POST/v1/async/*`,
      },
    ],
  });
  object('async-integration', 'apigatewayv2.services.k8s.aws/v1alpha1', 'Integration', 'async-intake', {
    apiRef: { from: { name: 'api' } },
    integrationType: 'AWS_PROXY',
    integrationURI: arn.lambda(aws, `function:${functionName}:live`),
    payloadFormatVersion: '2.0',
    timeoutInMillis: (lambda.timeoutSeconds + 1) * 1000,
  });
  object('async-route', 'apigatewayv2.services.k8s.aws/v1alpha1', 'Route', 'async', {
    apiRef: { from: { name: 'api' } },
    routeKey: 'POST /v1/async/{proxy+}',
    targetRef: { from: { name: 'async-intake' } },
    authorizationType: 'JWT',
    authorizerRef: { from: { name: 'jwt' } },
  });
}
