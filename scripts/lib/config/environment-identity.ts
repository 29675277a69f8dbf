import type { YamlPath } from '../yaml/source-map.js';

/**
 * The cluster.yaml values that say which AWS resources an environment is. Two environments that
 * share one would fight over it (the same IAM role names, the same DNS record, the same model
 * cache), so the loader compares environments on these; new:env replaces them with placeholders.
 *
 * `unique`: `fleet` no two environments may share the value; `account` no two in the same AWS
 * account and region (names that are unique there, such as IAM roles and queues); `warn` sharing
 * is allowed but reported (network inputs two clusters may share on purpose); absent: not
 * compared, only scaffolded (an account may hold several environments).
 * A `*` in `path` stands for every item of a list.
 */
export interface IdentityField {
  readonly path: YamlPath;
  /** What the value is, in messages. */
  readonly what: string;
  /** What new:env's placeholder asks for. */
  readonly fill: string;
  readonly unique?: 'fleet' | 'account' | 'warn';
}

export const ENVIRONMENT_IDENTITY: readonly IdentityField[] = [
  { path: ['aws', 'accountId'], what: 'the AWS account', fill: 'the 12-digit AWS account id' },
  {
    path: ['aws', 'clusterName'],
    what: 'the EKS cluster name (its IAM role, queue and cache names derive from it)',
    fill: 'the EKS cluster name',
    unique: 'account',
  },
  { path: ['dns', 'zone'], what: 'the Route 53 zone', fill: 'the Route 53 zone the API is published in', unique: 'warn' },
  { path: ['dns', 'hostedZoneId'], what: 'the Route 53 hosted zone', fill: 'the Route 53 hosted zone id (Z...)', unique: 'warn' },
  {
    path: ['dns', 'host'],
    what: 'the API host name (one DNS record, one load balancer)',
    fill: 'the API host name, in dns.zone',
    unique: 'fleet',
  },
  { path: ['dns', 'certificateArn'], what: 'the ACM certificate', fill: 'the ACM certificate ARN for dns.host', unique: 'warn' },
  { path: ['network', 'vpcId'], what: 'the VPC', fill: "the cluster's VPC id (vpc-...)", unique: 'warn' },
  { path: ['network', 'vpcCidr'], what: "the VPC's CIDR block", fill: "the VPC's CIDR block", unique: 'warn' },
  { path: ['network', 'privateSubnetIds', '*'], what: 'a private subnet', fill: 'a private subnet id (subnet-...)', unique: 'warn' },
  {
    path: ['network', 'clusterSecurityGroupId'],
    what: 'the EKS cluster security group (EKS makes one per cluster)',
    fill: 'the EKS cluster security group id (sg-...)',
    unique: 'fleet',
  },
  {
    path: ['karpenter', 'nodeRole'],
    what: "the Karpenter nodes' IAM role",
    fill: "the IAM role name of this cluster's Karpenter nodes",
    unique: 'account',
  },
  {
    path: ['karpenter', 'interruptionQueue'],
    what: "Karpenter's interruption queue",
    fill: "the SQS queue name of this cluster's Karpenter interruption events",
    unique: 'account',
  },
  {
    path: ['gpu', 'efa', 'placementGroup'],
    what: "the EFA pool's cluster placement group",
    fill: "the name of this cluster's placement group for multi-node replicas, in gpu.efa.zone",
    unique: 'account',
  },
  {
    path: ['gpu', 'capacityReservations', '*', 'id'],
    what: 'a capacity reservation (whichever cluster launches first would use it up)',
    fill: "a capacity reservation id (cr-...) of this cluster's account, or remove the entry",
    unique: 'account',
  },
  {
    path: ['storage', 'efsFileSystemId'],
    what: "the model cache's EFS file system",
    fill: 'the EFS file system id of the model cache (fs-...)',
    unique: 'fleet',
  },
  { path: ['ingress', 'wafAclArn'], what: 'the WAF web ACL', fill: 'the WAF web ACL ARN in front of the API', unique: 'warn' },
  {
    path: ['gateway', 'secretName'],
    what: "the gateway's secret (its API keys)",
    fill: "the Secrets Manager secret name of the gateway's keys",
    unique: 'account',
  },
  {
    path: ['edge', 'jwt', 'audience', '*'],
    what: 'a JWT audience (a token for one environment would open the other)',
    fill: "the JWT audience callers' tokens carry for this environment",
    unique: 'fleet',
  },
  { path: ['async', 'host'], what: 'the async API host name', fill: 'the async API host name, in dns.zone', unique: 'fleet' },
  {
    path: ['async', 'domainTarget'],
    what: "the async API's custom domain",
    fill: "the API Gateway custom domain's target (d-....execute-api.REGION.amazonaws.com)",
    unique: 'fleet',
  },
];

/** Concrete paths of `field` in a parsed document (a `*` expanded over the list's items). */
export function identityPaths(field: IdentityField, doc: unknown): YamlPath[] {
  const expand = (node: unknown, rest: YamlPath, at: YamlPath): YamlPath[] => {
    if (rest.length === 0) return node === undefined || node === null || typeof node === 'object' ? [] : [at];
    const [head, ...tail] = rest;
    if (head === '*') return Array.isArray(node) ? node.flatMap((item, i) => expand(item, tail, [...at, i])) : [];
    if (node === null || typeof node !== 'object') return [];
    return expand((node as Record<string, unknown>)[head!], tail, [...at, head!]);
  };
  return expand(doc, field.path, []);
}

/** The value at a concrete path. */
export function valueAt(doc: unknown, at: YamlPath): unknown {
  return at.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], doc);
}
