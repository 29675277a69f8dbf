import { z } from 'zod';
import {
  byteQuantity,
  cpuQuantity,
  dnsName,
  fieldsValid,
  gpuInstanceFamily,
  MODEL_NAME_MAX,
  modelVersion,
  objectName,
  positiveInt,
  uniqueList,
} from './field-rules.js';
import {
  asyncSchema,
  autoscalingSchema,
  edgeSchema,
  gatewaySchema,
  ingressSchema,
  karpenterSchema,
  networkSchema,
  storageSchema,
} from './platform-spec.js';
import { canarySchema, modelCanarySchema } from './canary-spec.js';

/** Newest Kubernetes minor with offline schemas here; older EKS standard-support versions are accepted. */
const KUBERNETES_VERSIONS = ['1.29', '1.30', '1.31', '1.32', '1.33', '1.34'];

/** https, or plain http to this machine only (a tunnel, a test): a bearer token never crosses a network in clear. */
const prometheusQueryUrl = z
  .string()
  .regex(/^(https:\/\/[A-Za-z0-9.-]+(:\d+)?|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(\/[A-Za-z0-9._~/-]*)?$/, {
    error:
      'expected the https:// base URL of a Prometheus HTTP API, such as "https://prometheus.staging.example.com" (http:// only to 127.0.0.1 or localhost)',
  });

export const environmentName = objectName(20, 'it names the environment folder and labels its objects');

const replicas = z
  .strictObject({
    min: z
      .number({ error: 'expected the minimum replica count, an integer >= 0' })
      .int({ error: 'expected an integer' })
      .min(0, { error: 'expected an integer >= 0' }),
    max: positiveInt('the maximum replica count', 1000),
  })
  .superRefine(
    (r, ctx) => {
      if (r.min > r.max) {
        ctx.addIssue({
          code: 'custom',
          path: ['min'],
          input: r.min,
          message: `expected replicas.min <= replicas.max (${r.max}), found ${r.min}`,
        });
      }
    },
    { when: (payload) => fieldsValid(payload, ['min', 'max']) },
  );

const gitRevision = z
  .string()
  .regex(/^(?!.*\.\.)(?!.*\/\/)(?!\/)(?!.*\/$)[A-Za-z0-9._/-]{1,200}$/, {
    error: 'expected the name of the protected default branch, such as "main"',
  })
  .refine((v) => v !== 'HEAD', {
    error: 'expected an explicit branch name: "HEAD" follows whatever the remote points at, not what was reviewed',
  });

/** One environment: `clusters/<env>/cluster.yaml`. */
export const clusterSchema = z.strictObject({
  name: environmentName,
  aws: z.strictObject({
    accountId: z
      .string({ error: 'expected a 12-digit AWS account id in quotes (unquoted, YAML reads it as a number)' })
      .regex(/^[0-9]{12}$/, { error: 'expected a 12-digit AWS account id' }),
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$/, { error: 'expected an AWS region such as "us-west-2"' }),
    clusterName: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, { error: 'expected an EKS cluster name (letters, digits, "-" and "_", at most 100)' }),
    kubernetesVersion: z
      .string({ error: 'expected a quoted Kubernetes minor version such as "1.32" (unquoted, YAML reads 1.30 as 1.3)' })
      .refine((v) => KUBERNETES_VERSIONS.includes(v), {
        error: `expected a supported Kubernetes minor version (${KUBERNETES_VERSIONS.join(', ')})`,
      }),
  }),
  dns: z.strictObject({
    zone: dnsName,
    /** The zone's Route 53 id: external-dns may change records in this zone and no other. */
    hostedZoneId: z
      .string({ error: 'expected the Route 53 hosted zone id of dns.zone, such as "Z0123456789ABCDEFGHIJ"' })
      .regex(/^Z[A-Z0-9]{1,31}$/, { error: 'expected a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"' }),
    host: dnsName,
    certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[0-9a-f-]{36}$/, {
      error: 'expected an ACM certificate ARN such as "arn:aws:acm:us-west-2:111122223333:certificate/<uuid>"',
    }),
    /** external-dns: "sync" also deletes records it owns; "upsert-only" never deletes (production). */
    recordPolicy: z.enum(['sync', 'upsert-only'], { error: 'expected "sync" or "upsert-only"' }).default('sync'),
  }),
  network: networkSchema,
  karpenter: karpenterSchema,
  storage: storageSchema,
  ingress: ingressSchema,
  gateway: gatewaySchema,
  edge: edgeSchema,
  /** The environment's Prometheus as seen from outside the cluster (npm run promote reads SLO figures there). */
  monitoring: z
    .strictObject({
      /**
       * The base URL of its HTTP API (/api/v1/...), reachable from the promotion job, such as an
       * authenticating proxy in front of it (PROMETHEUS_TOKEN is sent as a bearer token).
       */
      queryUrl: prometheusQueryUrl,
    })
    .optional(),
  async: asyncSchema.optional(),
  /**
   * Where nodes pull Docker Hub images from: an ECR pull-through cache rule of the cluster's
   * account and region with this repository prefix (created with the cluster, see
   * platform/README.md, "Images"). Anonymous Docker Hub pulls are rate-limited, and the vLLM
   * image is pulled on every GPU scale-up.
   */
  images: z
    .strictObject({
      dockerHubCachePrefix: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]{1,29}$/, { error: 'expected an ECR pull-through cache prefix such as "docker-hub"' })
        .default('docker-hub'),
    })
    .default({ dockerHubCachePrefix: 'docker-hub' }),
  gpu: z.strictObject({
    instanceFamilies: uniqueList(gpuInstanceFamily, 'GPU instance families'),
    capacityTypes: uniqueList(
      z.enum(['on-demand', 'spot'], { error: 'expected "on-demand" or "spot" (Karpenter capacity types)' }),
      'capacity types',
    ),
    limits: z.strictObject({
      gpus: positiveInt('the most GPUs the GPU NodePool may launch', 100_000),
      /** CPU and memory caps of the GPU pool; default to 32 vCPU and 320Gi per GPU (the largest GPU instances' ratio, with room). */
      cpu: cpuQuantity.optional(),
      memory: byteQuantity.optional(),
    }),
    /**
     * Where replicas that span nodes run (the gpu-efa pool): EFA does not cross Availability
     * Zones, so the pool is pinned to one, and a cluster placement group (created with the
     * cluster; Karpenter selects it, never creates it) puts the nodes close together.
     */
    efa: z
      .strictObject({
        zone: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$/, { error: 'expected an Availability Zone name such as "us-west-2a"' }),
        placementGroup: z
          .string()
          .regex(/^[A-Za-z0-9_.:-]{1,255}$/, { error: 'expected the name of an existing cluster placement group, such as "llm-prod-efa"' })
          .optional(),
      })
      .optional(),
    /**
     * On-Demand Capacity Reservations and Capacity Blocks for ML the GPU pools may use first
     * (Karpenter's capacity type "reserved"): capacity that is there when a scale-up needs it.
     */
    capacityReservations: z
      .array(
        z.strictObject({
          id: z.string().regex(/^cr-[0-9a-z]+$/, { error: 'expected a capacity reservation id such as "cr-0123456789abcdef0"' }),
        }),
        { error: 'expected a list of { id: cr-... }' },
      )
      .max(30, { error: 'expected at most 30 reservations (Karpenter selects up to 30 terms)' })
      .optional(),
    /**
     * Warm capacity per GPU pool: placeholder pods that hold this many nodes of GPUs (the size of
     * one node each), with the engine images already pulled, and give way to any model server at
     * once (a negative priority). A scale-up then skips the node launch and the image pull.
     */
    warmNodes: z
      .array(
        z.strictObject({
          pool: z.enum(['gpu', 'gpu-efa'], { error: 'expected "gpu" or "gpu-efa"' }),
          count: positiveInt('warm nodes', 20),
          gpusPerNode: positiveInt('GPUs a warm node holds (one model server replica: the largest that should start warm)', 8),
          instanceFamilies: uniqueList(gpuInstanceFamily, 'GPU instance families').optional(),
        }),
        { error: 'expected a list of { pool, count, gpusPerNode }' },
      )
      .optional(),
  }),
  gitops: z.strictObject({
    engine: z.enum(['argocd', 'flux'], { error: 'expected "argocd" or "flux"' }),
    repoURL: z.string().regex(/^(https:\/\/[^\s/]+\/\S+|ssh:\/\/git@[^\s/]+\/\S+|git@[^\s:]+:\S+)$/, {
      error: 'expected the repository URL the cluster pulls from, such as "https://github.com/acme/llm-fleet.git"',
    }),
    revision: gitRevision,
  }),
  models: z.record(
    objectName(MODEL_NAME_MAX, 'a model name from apps/models'),
    z.strictObject({
      version: modelVersion,
      replicas,
      autoscaling: autoscalingSchema.optional(),
      /**
       * A multi-node model's canary in progress: the new version's LeaderWorkerSet group and its
       * share of the requests, one of the environment's canary checkpoints. npm run promote writes
       * it and moves it step by step (apps/model-server/staged-canary.ts); people rarely do.
       */
      canary: modelCanarySchema.optional(),
    }),
    { error: 'expected a mapping of model name to { version, replicas }' },
  ),
  /**
   * A new model version takes traffic by these checkpoints, judged on its SLOs, before it
   * replaces the old (Argo Rollouts; apps/model-server/canary.ts). Without it, a rolling update.
   */
  canary: canarySchema.optional(),
  /** Run platform controllers with standby replicas and disruption budgets (production). */
  highAvailability: z.boolean({ error: 'expected true or false' }).default(false),
  promotion: z
    .strictObject({
      from: environmentName,
      soakHours: z
        .number({ error: 'expected hours, a number from 0 to 2160' })
        .min(0, { error: 'expected hours >= 0' })
        .max(2160, { error: 'expected at most 2160 hours (90 days)' }),
      /**
       * The SLO evidence is judged per window of this many minutes over the soak (each must meet
       * every SLO); read from the source's monitoring.queryUrl.
       */
      sloWindowMinutes: z
        .number({ error: 'expected minutes, an integer from 5 to 1440' })
        .int({ error: 'expected minutes, an integer from 5 to 1440' })
        .min(5, { error: 'expected at least 5 minutes' })
        .max(1440, { error: 'expected at most 1440 minutes (a day)' })
        .default(60),
    })
    .optional(),
});

export type ClusterSpec = z.infer<typeof clusterSchema>;
