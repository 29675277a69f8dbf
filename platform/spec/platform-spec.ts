import { z } from 'zod';

/*
 * The parts of cluster.yaml that drive the EKS platform: network, Karpenter, storage, ingress
 * and per-model autoscaling. Every message starts with "expected".
 */

const awsId = (prefix: string, what: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}-[0-9a-f]{8}([0-9a-f]{9})?$`), { error: `expected ${what} such as "${prefix}-0a1b2c3d4e5f60718"` });

const ipv4Cidr = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/, {
  error: 'expected an IPv4 CIDR such as "10.10.0.0/16"',
});

/** Go duration as Karpenter and Flux write it: 30m, 8h, 1h30m. */
const duration = z.string().regex(/^([0-9]+(s|m|h))+$/, { error: 'expected a duration such as "30m" or "8h"' });

export const networkSchema = z.strictObject({
  /** The cluster's VPC: the load balancer controller needs it (pods cannot reach IMDS). */
  vpcId: awsId('vpc', 'a VPC id'),
  /** The VPC's CIDR: the API server's webhook calls and in-VPC endpoints come from it. */
  vpcCidr: ipv4Cidr,
  /** Private subnets (two or more Availability Zones) for in-VPC AWS resources such as the cache. */
  privateSubnetIds: z
    .array(awsId('subnet', 'a subnet id'), { error: 'expected a list of private subnet ids' })
    .min(2, { error: 'expected at least two private subnets (two Availability Zones)' })
    .refine((ids) => new Set(ids).size === ids.length, { error: 'expected distinct subnet ids' }),
  /**
   * The EKS cluster security group (EKS creates it with the cluster and puts it on every node):
   * the pods' own security groups admit it for Prometheus scrapes and kubelet probes.
   */
  clusterSecurityGroupId: awsId('sg', 'the EKS cluster security group id'),
});

export const karpenterSchema = z.strictObject({
  /** EKS-optimized AMI family; Karpenter picks the NVIDIA variant for GPU instances. */
  amiFamily: z.enum(['al2023', 'bottlerocket'], { error: 'expected "al2023" or "bottlerocket"' }),
  /** Pinned AMI release (the alias al2023@<version>); "latest" would roll every node on each AMI release. */
  amiVersion: z.string().regex(/^v[0-9][0-9.]*$/, {
    error: 'expected a pinned AMI release such as "v20261110" (not "latest": each AMI release would replace every node)',
  }),
  /** IAM role of the nodes Karpenter launches. */
  nodeRole: z.string().regex(/^[A-Za-z0-9+=,.@_-]{1,64}$/, { error: 'expected an IAM role name' }),
  /** SQS queue with spot interruption and scheduled maintenance events. */
  interruptionQueue: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, { error: 'expected an SQS queue name' }),
  /** A window (UTC cron and duration) with no voluntary GPU node disruption, e.g. business hours. */
  disruptionFreeze: z
    .strictObject({ schedule: z.string().min(9, { error: 'expected a cron schedule such as "0 8 * * mon-fri"' }), duration })
    .optional(),
});

export const storageSchema = z.strictObject({
  /** EFS file system of the shared model cache (StorageClass efs-sc). */
  efsFileSystemId: awsId('fs', 'an EFS file system id'),
});

/** The gateway's idle timeout for a streamed answer: LiteLLM's request_timeout (apps/gateway/litellm-config.ts). */
export const GATEWAY_REQUEST_TIMEOUT_SECONDS = 600;
/** The shortest ALB idle timeout that lets the gateway's own timeout answer reach the caller. */
export const MIN_IDLE_TIMEOUT_SECONDS = GATEWAY_REQUEST_TIMEOUT_SECONDS + 30;

const dnsName = z
  .string()
  .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: 'expected a lowercase DNS name' });

/**
 * The API's load balancer, an ALB the Load Balancer Controller makes from the gateway's Ingress:
 * the synchronous API's only way in. It streams (server-sent events pass through as they are
 * written), holds a response as long as its idle timeout, and verifies callers' JWTs (edge.jwt).
 */
export const ingressSchema = z.strictObject({
  /** internet-facing needs a WAF ACL (its rate-based rules throttle by client address). */
  scheme: z.enum(['internet-facing', 'internal'], { error: 'expected "internet-facing" or "internal"' }),
  /** The API's hostname (external-dns publishes it); default dns.host. */
  host: dnsName.optional(),
  wafAclArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional\/webacl\/[A-Za-z0-9_-]+\/[0-9a-f-]{36}$/, {
      error: 'expected a regional WAFv2 web ACL ARN',
    })
    .optional(),
  /**
   * Seconds the ALB keeps a connection with no bytes flowing: the wait for a streamed answer's
   * first token, or a whole unstreamed answer, must fit. At least the gateway's request timeout.
   */
  idleTimeoutSeconds: z
    .number()
    .int()
    .min(MIN_IDLE_TIMEOUT_SECONDS, {
      error: `expected at least ${MIN_IDLE_TIMEOUT_SECONDS} seconds: the gateway's request timeout (${GATEWAY_REQUEST_TIMEOUT_SECONDS} s) and 30 s for its answer, or the ALB cuts long answers`,
    })
    .max(4_000, { error: 'expected at most 4000 seconds (the ALB maximum)' })
    .default(660),
});

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Who may call the API: callers present a JWT from this issuer for one of these audiences. */
export const edgeSchema = z.strictObject({
  /**
   * Verified by the ALB on every synchronous request (signature from the JWKS endpoint, iss, exp,
   * aud) and by API Gateway's JWT authorizer on the async route.
   */
  jwt: z.strictObject({
    issuer: z.string().regex(/^https:\/\/[^\s]+$/, { error: 'expected the token issuer URL, https://...' }),
    /** The issuer's JSON Web Key Set (RS256 keys; at most 10 keys and 150 KB for the ALB). */
    jwksEndpoint: z.string().regex(/^https:\/\/[^\s]+$/, { error: 'expected the JWKS URL, https://.../jwks.json' }),
    audience: z
      .array(z.string().min(1))
      .min(1, { error: 'expected at least one audience' })
      .max(10, { error: 'expected at most 10 audiences (the ALB checks up to 10 values of a claim)' }),
    /** How the issuer writes the aud claim: one string (most IdPs, for one audience) or an array. */
    audienceFormat: z
      .enum(['single-string', 'string-array'], { error: 'expected "single-string" or "string-array" (how the tokens carry aud)' })
      .default('single-string'),
  }),
});

/** The asynchronous route: API Gateway (HTTP API, JWT) -> Lambda -> SQS, for batch requests. */
export const asyncSchema = z.strictObject({
  /** The async API's custom domain (API Gateway, regional), inside dns.zone and not dns.host. */
  host: dnsName,
  /**
   * Where async.host points: the regional domain name API Gateway gives the DomainName once it
   * exists (d-<id>.execute-api.<region>.amazonaws.com). The ACK apigatewayv2 controller pinned
   * here does not report it in the DomainName's status, so it is read once (aws apigatewayv2
   * get-domain-name) and recorded; until then no DNS record is made.
   */
  domainTarget: z
    .string()
    .regex(/^d-[a-z0-9]{10}\.execute-api\.[a-z0-9-]+\.amazonaws\.com$/, {
      error: 'expected the API Gateway regional domain name of async.host, such as "d-abc123defg.execute-api.us-west-2.amazonaws.com"',
    })
    .optional(),
  /** Default-route throttling of the stage (steady requests per second, and burst). */
  throttling: z.strictObject({
    rateLimit: z.number().positive({ error: 'expected requests per second > 0' }).max(10_000),
    burstLimit: z.number().int().min(1).max(5_000, { error: 'expected a burst from 1 to 5000' }),
  }),
  accessLogRetentionDays: z
    .number()
    .refine((d) => LOG_RETENTION_DAYS.includes(d), { error: `expected a CloudWatch Logs retention: ${LOG_RETENTION_DAYS.join(', ')}` }),
  lambda: z.strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'expected an S3 bucket name' }),
    key: z
      .string()
      .min(1)
      .regex(/\.zip$/, { error: 'expected the S3 key of a .zip package' }),
    /** The S3 object version: the package is immutable, as an image digest is. */
    objectVersion: z.string().min(1, { error: 'expected the S3 object version of the package' }),
    handler: z.string().regex(/^[A-Za-z0-9_./-]+$/, { error: 'expected a handler such as "app.handler"' }),
    runtime: z.enum(['python3.12', 'python3.13', 'nodejs20.x', 'nodejs22.x'], {
      error: 'expected python3.12, python3.13, nodejs20.x or nodejs22.x',
    }),
    memoryMB: z.number().int().min(128).max(10_240, { error: 'expected 128 to 10240 MB' }),
    timeoutSeconds: z.number().int().min(1).max(29, { error: 'expected 1 to 29 seconds (API Gateway waits 30 s)' }),
    reservedConcurrency: z.number().int().min(1).max(1_000, { error: 'expected a reserved concurrency from 1 to 1000' }),
  }),
});

/** The serving gateway (LiteLLM) in front of the model servers, and its response cache. */
export const gatewaySchema = z.strictObject({
  /** Replica bounds; KEDA scales between them on CPU and memory. */
  replicas: z
    .strictObject({
      min: z.number().int().min(1, { error: 'expected at least 1 gateway replica' }),
      max: z.number().int().min(1).max(100, { error: 'expected at most 100 gateway replicas' }),
    })
    .refine((r) => r.min <= r.max, { error: 'expected replicas.min <= replicas.max' }),
  /**
   * Each model's inference router (apps/router/): replica bounds; KEDA scales between them on the
   * router's CPU. Default: 1 to 3, and at least 2 where the environment is highly available.
   */
  routers: z
    .strictObject({
      replicas: z
        .strictObject({
          min: z.number().int().min(1, { error: 'expected at least 1 router replica: every request of a model passes its router' }),
          max: z.number().int().min(1).max(50, { error: 'expected at most 50 router replicas' }),
        })
        .refine((r) => r.min <= r.max, { error: 'expected replicas.min <= replicas.max' }),
    })
    .optional(),
  /**
   * The Secrets Manager secret holding the gateway's keys, a JSON object with `master_key`,
   * `redis_auth_token` and `api_keys` (a list of { alias, sha256, rpm_limit, tpm_limit }); only
   * External Secrets Operator reads it, nothing of it is in git.
   */
  secretName: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'expected a Secrets Manager secret name such as "llm/prod/gateway"' }),
  cache: z.strictObject({
    /** ElastiCache node type of the response cache. */
    nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'expected an ElastiCache node type such as "cache.t4g.small"' }),
    /** Read replicas per shard: 1 or more gives Multi-AZ with automatic failover. */
    replicasPerShard: z.number().int().min(0).max(5, { error: 'expected 0 to 5 replicas' }),
    /** How long a cached completion is served, in seconds. */
    ttlSeconds: z.number().int().min(1).max(86_400, { error: 'expected a TTL from 1 to 86400 seconds' }),
  }),
});

/** Per-model autoscaling in an environment (KEDA); every field has a default. */
export const autoscalingSchema = z.strictObject({
  /** Requests waiting in vLLM's queue per replica before another replica is added. */
  queuePerReplica: z
    .number({ error: 'expected a number of waiting requests' })
    .positive({ error: 'expected a positive number' })
    .optional(),
  /**
   * Average KV-cache usage (percent of vLLM's KV-cache blocks in use) the replicas are scaled to.
   * Not GPU utilisation: continuous batching keeps that near 100% under a single request.
   */
  kvCacheUtilization: z
    .number({ error: 'expected a percentage' })
    .min(10, { error: 'expected at least 10 (%)' })
    .max(100, { error: 'expected at most 100 (%)' })
    .optional(),
  /** Also scale on a CloudWatch metric (read with the KEDA operator's pod identity). */
  cloudwatch: z
    .strictObject({
      namespace: z.string().regex(/^[A-Za-z0-9/_.#:-]{1,255}$/, { error: 'expected a CloudWatch namespace such as "AWS/SQS"' }),
      metricName: z.string().regex(/^[A-Za-z0-9/_.#:-]{1,255}$/, { error: 'expected a CloudWatch metric name' }),
      dimensions: z.record(z.string().min(1), z.string().min(1), { error: 'expected a mapping of dimension name to value' }),
      /** Metric value per replica. */
      target: z.number({ error: 'expected the target value per replica' }).positive({ error: 'expected a positive number' }),
      statistic: z
        .enum(['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount'], { error: 'expected a CloudWatch statistic' })
        .default('Average'),
    })
    .optional(),
});

export type AutoscalingSpec = z.infer<typeof autoscalingSchema>;
