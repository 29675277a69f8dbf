import { allow, arn, inRegion, policy, type AwsScope, type PolicyDocument } from './document.js';

/*
 * Policies of the ACK controllers: each may manage only what this environment renders, named
 * with the cluster's prefix (`<cluster>-...`) or tagged by ACK, in this account and region.
 * ACK's own recommendations attach *FullAccess managed policies; these lists follow the API calls
 * the controllers make for the kinds we use.
 */

/** Every IAM role the platform creates starts with the cluster's name. */
export const rolePrefix = (scope: AwsScope) => `${scope.cluster}-`;

/** The permissions boundary every role created through ACK must carry (created at bootstrap). */
export const permissionsBoundaryArn = (scope: AwsScope) => arn.iam(scope, `policy/${scope.cluster}-workload-boundary`);

/**
 * ACK iam controller (its role is created at bootstrap: nothing can create the role of the
 * controller that creates roles). It manages the cluster's roles only, and only with the
 * permissions boundary, so a role it creates can never hold more than the boundary allows.
 */
export function ackIamPolicy(scope: AwsScope): PolicyDocument {
  const roles = arn.iam(scope, `role/${rolePrefix(scope)}*`);
  const boundary = { StringEquals: { 'iam:PermissionsBoundary': permissionsBoundaryArn(scope) } };
  return policy(
    allow(
      'CreateBoundedRoles',
      ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:AttachRolePolicy'],
      roles,
      boundary,
    ),
    allow(
      'ManageClusterRoles',
      [
        'iam:GetRole',
        'iam:UpdateRole',
        'iam:UpdateAssumeRolePolicy',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:ListRoleTags',
        'iam:GetRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:DetachRolePolicy',
        'iam:DeleteRole',
      ],
      roles,
    ),
  );
}

/** ACK eks controller (bootstrap role): Pod Identity associations of this cluster only. */
export function ackEksPolicy(scope: AwsScope): PolicyDocument {
  const cluster = arn.eks(scope, `cluster/${scope.cluster}`);
  const associations = arn.eks(scope, `podidentityassociation/${scope.cluster}/*`);
  return policy(
    allow(
      'ManagePodIdentityAssociations',
      ['eks:CreatePodIdentityAssociation', 'eks:ListPodIdentityAssociations', 'eks:DescribeCluster'],
      cluster,
    ),
    allow(
      'ManageOwnAssociations',
      [
        'eks:DescribePodIdentityAssociation',
        'eks:UpdatePodIdentityAssociation',
        'eks:DeletePodIdentityAssociation',
        'eks:TagResource',
        'eks:UntagResource',
        'eks:ListTagsForResource',
      ],
      associations,
    ),
    allow('PassClusterRolesToPods', 'iam:PassRole', arn.iam(scope, `role/${rolePrefix(scope)}*`), {
      StringEquals: { 'iam:PassedToService': 'pods.eks.amazonaws.com' },
    }),
    allow('ReadRoles', 'iam:GetRole', arn.iam(scope, `role/${rolePrefix(scope)}*`)),
  );
}

/** ACK ec2 controller: security groups in the environment's VPC. */
export function ackEc2Policy(scope: AwsScope, options: { vpcId: string }): PolicyDocument {
  const vpc = arn.ec2(scope, `vpc/${options.vpcId}`);
  const groups = arn.ec2(scope, 'security-group/*');
  return policy(
    allow(
      'Describe',
      ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeVpcs', 'ec2:DescribeTags'],
      '*',
      inRegion(scope),
    ),
    allow('CreateInVpc', 'ec2:CreateSecurityGroup', [vpc, groups]),
    allow('TagOnCreate', 'ec2:CreateTags', groups, { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' } }),
    allow(
      'ManageGroupsInVpc',
      [
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:ModifySecurityGroupRules',
        'ec2:CreateTags',
        'ec2:DeleteTags',
        'ec2:DeleteSecurityGroup',
      ],
      groups,
      { ArnEquals: { 'ec2:Vpc': vpc } },
    ),
  );
}

/** ACK elasticache controller: the environment's cache (replication group, subnet group, users). */
export function ackElastiCachePolicy(scope: AwsScope): PolicyDocument {
  const named = (type: string) => arn.elasticache(scope, `${type}:${scope.cluster}-*`);
  return policy(
    allow(
      'Describe',
      ['elasticache:Describe*', 'elasticache:ListTagsForResource', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DescribeSecurityGroups'],
      '*',
      inRegion(scope),
    ),
    allow(
      'ManageClusterCache',
      [
        'elasticache:CreateReplicationGroup',
        'elasticache:ModifyReplicationGroup',
        'elasticache:DeleteReplicationGroup',
        'elasticache:CreateCacheSubnetGroup',
        'elasticache:ModifyCacheSubnetGroup',
        'elasticache:DeleteCacheSubnetGroup',
        'elasticache:CreateUser',
        'elasticache:ModifyUser',
        'elasticache:DeleteUser',
        'elasticache:CreateUserGroup',
        'elasticache:ModifyUserGroup',
        'elasticache:DeleteUserGroup',
        'elasticache:AddTagsToResource',
        'elasticache:RemoveTagsFromResource',
      ],
      [
        named('replicationgroup'),
        named('cluster'),
        named('subnetgroup'),
        named('user'),
        named('usergroup'),
        arn.elasticache(scope, 'parametergroup:default.*'),
      ],
    ),
    allow('CreateServiceLinkedRole', 'iam:CreateServiceLinkedRole', arn.iam(scope, 'role/aws-service-role/elasticache.amazonaws.com/*'), {
      StringEquals: { 'iam:AWSServiceName': 'elasticache.amazonaws.com' },
    }),
  );
}

/** ACK apigatewayv2 controller: HTTP APIs and their parts, custom domains; access-log delivery. No VPC links: nothing proxies into the VPC. */
export function ackApiGatewayPolicy(scope: AwsScope): PolicyDocument {
  const paths = ['/apis', '/apis/*', '/domainnames', '/domainnames/*', '/tags/*'].map((p) => arn.apigateway(scope, p));
  return policy(
    allow(
      'ManageHttpApis',
      [
        'apigateway:GET',
        'apigateway:POST',
        'apigateway:PUT',
        'apigateway:PATCH',
        'apigateway:DELETE',
        'apigateway:TagResource',
        'apigateway:UntagResource',
      ],
      paths,
    ),
    // HTTP API access logs: the caller sets up the log delivery (CloudWatch Logs API, no resource-level permissions).
    allow(
      'AccessLogDelivery',
      [
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ],
      '*',
      inRegion(scope),
    ),
  );
}

/** ACK lambda controller: the environment's functions, run as the environment's function roles. */
export function ackLambdaPolicy(scope: AwsScope, options: { artifactBucket?: string }): PolicyDocument {
  const functions = [arn.lambda(scope, `function:${scope.cluster}-*`), arn.lambda(scope, `function:${scope.cluster}-*:*`)];
  return policy(
    allow(
      'Read',
      ['lambda:GetAccountSettings', 'lambda:ListFunctions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs'],
      '*',
      inRegion(scope),
    ),
    allow(
      'ManageClusterFunctions',
      [
        'lambda:CreateFunction',
        'lambda:DeleteFunction',
        'lambda:GetFunction',
        'lambda:GetFunctionConfiguration',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
        'lambda:PublishVersion',
        'lambda:ListVersionsByFunction',
        'lambda:CreateAlias',
        'lambda:UpdateAlias',
        'lambda:DeleteAlias',
        'lambda:GetAlias',
        'lambda:ListAliases',
        'lambda:PutFunctionConcurrency',
        'lambda:DeleteFunctionConcurrency',
        'lambda:GetFunctionConcurrency',
        'lambda:AddPermission',
        'lambda:RemovePermission',
        'lambda:GetPolicy',
        'lambda:TagResource',
        'lambda:UntagResource',
        'lambda:ListTags',
      ],
      functions,
    ),
    allow('PassFunctionRoles', 'iam:PassRole', arn.iam(scope, `role/${rolePrefix(scope)}*`), {
      StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    }),
    ...(options.artifactBucket
      ? [allow('ReadArtifacts', ['s3:GetObject', 's3:GetObjectVersion'], arn.s3(`${options.artifactBucket}/*`))]
      : []),
  );
}

/** ACK sqs controller: the environment's queues. */
export function ackSqsPolicy(scope: AwsScope): PolicyDocument {
  return policy(
    allow(
      'ManageClusterQueues',
      [
        'sqs:CreateQueue',
        'sqs:DeleteQueue',
        'sqs:GetQueueAttributes',
        'sqs:SetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:TagQueue',
        'sqs:UntagQueue',
        'sqs:ListQueueTags',
      ],
      arn.sqs(scope, `${scope.cluster}-*`),
    ),
  );
}

/** ACK cloudwatchlogs controller: the environment's log groups. */
export function ackLogsPolicy(scope: AwsScope): PolicyDocument {
  const groups = [arn.logs(scope, `log-group:/aws/${scope.cluster}/*`), arn.logs(scope, `log-group:/aws/${scope.cluster}/*:*`)];
  return policy(
    allow('Describe', 'logs:DescribeLogGroups', '*', inRegion(scope)),
    allow(
      'ManageClusterLogGroups',
      [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:PutRetentionPolicy',
        'logs:DeleteRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
        'logs:ListTagsForResource',
        'logs:TagLogGroup',
        'logs:ListTagsLogGroup',
      ],
      groups,
    ),
  );
}
