/**
 * IAM policy documents as typed objects. ACK takes them as JSON strings; they are built here and
 * serialised once (policyJson), never assembled by string concatenation.
 */

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Statement[];
}

export function policy(...statements: Statement[]): PolicyDocument {
  const sids = new Set<string>();
  for (const s of statements) {
    if (sids.has(s.Sid)) throw new Error(`duplicate statement id ${s.Sid}`);
    sids.add(s.Sid);
  }
  return { Version: '2012-10-17', Statement: statements };
}

export function allow(
  sid: string,
  action: string | readonly string[],
  resource: string | readonly string[],
  condition?: ConditionBlock,
): Statement {
  return { Sid: sid, Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) };
}

/** The JSON string ACK expects (compact; key order is the objects' own, so output is stable). */
export function policyJson(document: PolicyDocument): string {
  return JSON.stringify(document);
}

/** Where a policy applies: one account, region and cluster. */
export interface AwsScope {
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
}

/** ARN builders for the services the platform touches (partition aws). */
export const arn = {
  ec2: (scope: AwsScope, resource: string) => `arn:aws:ec2:${scope.region}:${scope.account}:${resource}`,
  /** Public AMIs and snapshots belong to other accounts: no account in the ARN. */
  ec2Public: (scope: AwsScope, resource: string) => `arn:aws:ec2:${scope.region}::${resource}`,
  elb: (scope: AwsScope, resource: string) => `arn:aws:elasticloadbalancing:${scope.region}:${scope.account}:${resource}`,
  iam: (scope: AwsScope, resource: string) => `arn:aws:iam::${scope.account}:${resource}`,
  sqs: (scope: AwsScope, queue: string) => `arn:aws:sqs:${scope.region}:${scope.account}:${queue}`,
  eks: (scope: AwsScope, resource: string) => `arn:aws:eks:${scope.region}:${scope.account}:${resource}`,
  ssm: (scope: AwsScope, resource: string) => `arn:aws:ssm:${scope.region}::${resource}`,
  elasticfilesystem: (scope: AwsScope, resource: string) => `arn:aws:elasticfilesystem:${scope.region}:${scope.account}:${resource}`,
  logs: (scope: AwsScope, resource: string) => `arn:aws:logs:${scope.region}:${scope.account}:${resource}`,
  elasticache: (scope: AwsScope, resource: string) => `arn:aws:elasticache:${scope.region}:${scope.account}:${resource}`,
  secretsmanager: (scope: AwsScope, resource: string) => `arn:aws:secretsmanager:${scope.region}:${scope.account}:${resource}`,
  lambda: (scope: AwsScope, resource: string) => `arn:aws:lambda:${scope.region}:${scope.account}:${resource}`,
  apigateway: (scope: AwsScope, resource: string) => `arn:aws:apigateway:${scope.region}::${resource}`,
  wafv2: (scope: AwsScope, resource: string) => `arn:aws:wafv2:${scope.region}:${scope.account}:${resource}`,
  sts: (scope: AwsScope, resource: string) => `arn:aws:sts::${scope.account}:${resource}`,
  route53: (resource: string) => `arn:aws:route53:::${resource}`,
  s3: (resource: string) => `arn:aws:s3:::${resource}`,
};

/** Conditions every policy here uses: the request stays in the environment's region. */
export const inRegion = (scope: AwsScope): ConditionBlock => ({ StringEquals: { 'aws:RequestedRegion': scope.region } });

/**
 * The trust policy of a role that EKS Pod Identity hands to one service account of one cluster.
 * The agent tags the session with the cluster, namespace and service account (session tags are
 * on by default), so the role cannot be assumed for any other pod even if an association were
 * created for it by mistake.
 */
export function podIdentityTrust(scope: AwsScope, namespace: string, serviceAccount: string): PolicyDocument {
  return policy({
    Sid: 'AllowEksPodIdentity',
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: {
      StringEquals: {
        'aws:RequestTag/eks-cluster-arn': arn.eks(scope, `cluster/${scope.cluster}`),
        'aws:RequestTag/kubernetes-namespace': namespace,
        'aws:RequestTag/kubernetes-service-account': serviceAccount,
      },
    },
  });
}

/** The trust policy of a role a Lambda function runs as, for functions of this account only. */
export function lambdaTrust(scope: AwsScope): PolicyDocument {
  return policy({
    Sid: 'AllowLambda',
    Effect: 'Allow',
    Principal: { Service: 'lambda.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:SourceAccount': scope.account } },
  });
}
