import { allow, arn, inRegion, policy, type AwsScope, type PolicyDocument } from './document.js';

/*
 * Least-privilege policies of the platform's controllers, for one cluster in one account and
 * region: upstream's recommended policies with every resource narrowed to this cluster (by ARN
 * or by the tags the controllers put on what they create). Describe/List/Get reads that AWS only
 * authorises on "*" stay on "*"; no write is allowed on "*" without a condition.
 */

/** Karpenter v1: launch, tag and terminate this cluster's nodes; read pricing and capacity. */
export function karpenterPolicy(
  scope: AwsScope,
  options: { nodeRole: string; interruptionQueue: string; placementGroup?: string | undefined },
): PolicyDocument {
  const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${scope.cluster}`]: 'owned' };
  const requestOwned = {
    [`aws:RequestTag/kubernetes.io/cluster/${scope.cluster}`]: 'owned',
    'aws:RequestTag/eks:eks-cluster-name': scope.cluster,
  };
  const launched = ['fleet/*', 'instance/*', 'volume/*', 'network-interface/*', 'launch-template/*', 'spot-instances-request/*'].map((r) =>
    arn.ec2(scope, r),
  );
  return policy(
    allow(
      'AllowScopedEC2InstanceAccessActions',
      ['ec2:RunInstances', 'ec2:CreateFleet'],
      [
        arn.ec2Public(scope, 'image/*'),
        arn.ec2Public(scope, 'snapshot/*'),
        arn.ec2(scope, 'security-group/*'),
        arn.ec2(scope, 'subnet/*'),
        arn.ec2(scope, 'capacity-reservation/*'),
        // The EFA pool's launch template names its placement group, and RunInstances/CreateFleet
        // are authorised against every resource the request names: without it the class's
        // dry-run check fails (RunInstancesAuthFailed) and no EFA node launches.
        ...(options.placementGroup ? [arn.ec2(scope, `placement-group/${options.placementGroup}`)] : []),
      ],
    ),
    allow('AllowScopedEC2LaunchTemplateAccessActions', ['ec2:RunInstances', 'ec2:CreateFleet'], arn.ec2(scope, 'launch-template/*'), {
      StringEquals: owned,
      StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
    }),
    allow('AllowScopedEC2InstanceActionsWithTags', ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'], launched, {
      StringEquals: requestOwned,
      StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
    }),
    allow('AllowScopedResourceCreationTagging', 'ec2:CreateTags', launched, {
      StringEquals: { ...requestOwned, 'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'] },
      StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
    }),
    allow('AllowScopedResourceTagging', 'ec2:CreateTags', arn.ec2(scope, 'instance/*'), {
      StringEquals: owned,
      StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': scope.cluster },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
    }),
    allow(
      'AllowScopedDeletion',
      ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      [arn.ec2(scope, 'instance/*'), arn.ec2(scope, 'launch-template/*')],
      {
        StringEquals: owned,
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    ),
    allow(
      'AllowRegionalReadActions',
      [
        'ec2:DescribeCapacityReservations',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        // Karpenter's instance-status controller (v1.14.1 interruption/instancestatus_controller.go)
        // drains nodes whose EC2 status checks fail; without this read it switches itself off.
        'ec2:DescribeInstanceStatus',
        'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates',
        // Resolving the EFA pool's placementGroupSelector (cluster.yaml gpu.efa.placementGroup).
        'ec2:DescribePlacementGroups',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
      ],
      '*',
      inRegion(scope),
    ),
    allow('AllowSSMReadActions', 'ssm:GetParameter', arn.ssm(scope, 'parameter/aws/service/*')),
    allow('AllowPricingReadActions', 'pricing:GetProducts', '*'),
    allow(
      'AllowInterruptionQueueActions',
      ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      arn.sqs(scope, options.interruptionQueue),
    ),
    allow('AllowPassingInstanceRole', 'iam:PassRole', arn.iam(scope, `role/${options.nodeRole}`), {
      StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    }),
    allow('AllowScopedInstanceProfileCreationActions', 'iam:CreateInstanceProfile', arn.iam(scope, 'instance-profile/*'), {
      StringEquals: { ...requestOwned, 'aws:RequestTag/topology.kubernetes.io/region': scope.region },
      StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
    }),
    allow('AllowScopedInstanceProfileTagActions', 'iam:TagInstanceProfile', arn.iam(scope, 'instance-profile/*'), {
      StringEquals: {
        ...owned,
        'aws:ResourceTag/topology.kubernetes.io/region': scope.region,
        ...requestOwned,
        'aws:RequestTag/topology.kubernetes.io/region': scope.region,
      },
      StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*', 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
    }),
    allow(
      'AllowScopedInstanceProfileActions',
      ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
      arn.iam(scope, 'instance-profile/*'),
      {
        StringEquals: { ...owned, 'aws:ResourceTag/topology.kubernetes.io/region': scope.region },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    ),
    allow('AllowInstanceProfileReadActions', 'iam:GetInstanceProfile', arn.iam(scope, 'instance-profile/*')),
    allow('AllowUnscopedInstanceProfileListAction', 'iam:ListInstanceProfiles', '*'),
    allow('AllowAPIServerEndpointDiscovery', 'eks:DescribeCluster', arn.eks(scope, `cluster/${scope.cluster}`)),
  );
}

/** AWS Load Balancer Controller v2/v3: load balancers, target groups and their security groups in one VPC. */
export function loadBalancerControllerPolicy(scope: AwsScope, options: { vpcId: string }): PolicyDocument {
  const clusterTag = 'elbv2.k8s.aws/cluster';
  const loadBalancers = [arn.elb(scope, 'loadbalancer/app/*/*'), arn.elb(scope, 'loadbalancer/net/*/*')];
  const targetGroups = arn.elb(scope, 'targetgroup/*/*');
  const listeners = [arn.elb(scope, 'listener/app/*/*/*'), arn.elb(scope, 'listener/net/*/*/*')];
  const securityGroups = arn.ec2(scope, 'security-group/*');
  return policy(
    allow(
      'CreateServiceLinkedRole',
      'iam:CreateServiceLinkedRole',
      arn.iam(scope, 'role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing'),
      {
        StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' },
      },
    ),
    allow(
      'ReadOnly',
      [
        'ec2:DescribeAccountAttributes',
        'ec2:DescribeAddresses',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInternetGateways',
        'ec2:DescribeVpcs',
        'ec2:DescribeVpcPeeringConnections',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeInstances',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeTags',
        'ec2:GetCoipPoolUsage',
        'ec2:DescribeCoipPools',
        'ec2:GetSecurityGroupsForVpc',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeLoadBalancerAttributes',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeListenerCertificates',
        'elasticloadbalancing:DescribeSSLPolicies',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTrustStores',
        'elasticloadbalancing:DescribeListenerAttributes',
        'elasticloadbalancing:DescribeCapacityReservation',
        'acm:ListCertificates',
        'acm:DescribeCertificate',
        'wafv2:GetWebACL',
        'wafv2:GetWebACLForResource',
        'shield:GetSubscriptionState',
        'shield:DescribeProtection',
      ],
      '*',
      inRegion(scope),
    ),
    allow('SecurityGroupIngressInVpc', ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'], securityGroups, {
      ArnEquals: { 'ec2:Vpc': arn.ec2(scope, `vpc/${options.vpcId}`) },
    }),
    allow('CreateTaggedSecurityGroup', 'ec2:CreateSecurityGroup', securityGroups, {
      StringEquals: { [`aws:RequestTag/${clusterTag}`]: scope.cluster },
    }),
    allow('CreateSecurityGroupInVpc', 'ec2:CreateSecurityGroup', arn.ec2(scope, `vpc/${options.vpcId}`)),
    allow('TagSecurityGroupOnCreate', 'ec2:CreateTags', securityGroups, {
      StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup', [`aws:RequestTag/${clusterTag}`]: scope.cluster },
    }),
    allow('RetagOwnedSecurityGroups', ['ec2:CreateTags', 'ec2:DeleteTags'], securityGroups, {
      Null: { [`aws:RequestTag/${clusterTag}`]: 'true' },
      StringEquals: { [`aws:ResourceTag/${clusterTag}`]: scope.cluster },
    }),
    allow(
      'ManageOwnedSecurityGroups',
      ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'],
      securityGroups,
      {
        StringEquals: { [`aws:ResourceTag/${clusterTag}`]: scope.cluster },
      },
    ),
    allow(
      'CreateTaggedLoadBalancers',
      ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
      [...loadBalancers, targetGroups],
      {
        StringEquals: { [`aws:RequestTag/${clusterTag}`]: scope.cluster },
      },
    ),
    allow(
      'ManageListenersAndRules',
      [
        'elasticloadbalancing:CreateListener',
        'elasticloadbalancing:DeleteListener',
        'elasticloadbalancing:CreateRule',
        'elasticloadbalancing:DeleteRule',
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyRule',
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
        'elasticloadbalancing:SetWebAcl',
      ],
      [...loadBalancers, ...listeners, arn.elb(scope, 'listener-rule/app/*/*/*/*'), arn.elb(scope, 'listener-rule/net/*/*/*/*')],
    ),
    allow('TagOwnedLoadBalancers', ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'], [targetGroups, ...loadBalancers], {
      Null: { [`aws:RequestTag/${clusterTag}`]: 'true' },
      StringEquals: { [`aws:ResourceTag/${clusterTag}`]: scope.cluster },
    }),
    allow(
      'TagListenersAndRules',
      ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      [...listeners, arn.elb(scope, 'listener-rule/app/*/*/*'), arn.elb(scope, 'listener-rule/net/*/*/*')],
    ),
    allow('TagOnCreate', 'elasticloadbalancing:AddTags', [targetGroups, ...loadBalancers], {
      StringEquals: {
        'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateLoadBalancer'],
        [`aws:RequestTag/${clusterTag}`]: scope.cluster,
      },
    }),
    allow(
      'ModifyOwnedLoadBalancers',
      [
        'elasticloadbalancing:ModifyLoadBalancerAttributes',
        'elasticloadbalancing:SetIpAddressType',
        'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:ModifyListenerAttributes',
        'elasticloadbalancing:ModifyCapacityReservation',
      ],
      [...loadBalancers, targetGroups, ...listeners],
      { StringEquals: { [`aws:ResourceTag/${clusterTag}`]: scope.cluster } },
    ),
    allow('RegisterTargets', ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'], targetGroups),
    allow(
      'AssociateWaf',
      ['wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL'],
      [arn.wafv2(scope, 'regional/webacl/*/*'), arn.elb(scope, 'loadbalancer/app/*/*')],
    ),
  );
}

/** external-dns: records in the environment's zone only, of the types it publishes. */
export function externalDnsPolicy(options: { hostedZoneId: string; zone: string }): PolicyDocument {
  const zone = arn.route53(`hostedzone/${options.hostedZoneId}`);
  return policy(
    allow('ChangeRecordsInOneZone', 'route53:ChangeResourceRecordSets', zone, {
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [options.zone, `*.${options.zone}`] },
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA', 'CNAME', 'TXT'] },
    }),
    allow('ReadOneZone', ['route53:ListResourceRecordSets', 'route53:ListTagsForResource', 'route53:ListTagsForResources'], zone),
    allow('ListZones', 'route53:ListHostedZones', '*'),
  );
}

/** EFS CSI driver: access points on the model cache's file system only. */
export function efsCsiPolicy(scope: AwsScope, options: { fileSystemId: string }): PolicyDocument {
  const driverTag = 'efs.csi.aws.com/cluster';
  return policy(
    allow(
      'Describe',
      [
        'elasticfilesystem:DescribeAccessPoints',
        'elasticfilesystem:DescribeFileSystems',
        'elasticfilesystem:DescribeMountTargets',
        'ec2:DescribeAvailabilityZones',
      ],
      '*',
      inRegion(scope),
    ),
    allow(
      'CreateAccessPointOnTheCache',
      'elasticfilesystem:CreateAccessPoint',
      arn.elasticfilesystem(scope, `file-system/${options.fileSystemId}`),
      {
        StringEquals: { [`aws:RequestTag/${driverTag}`]: 'true' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [driverTag] },
      },
    ),
    allow('TagAccessPointOnCreate', 'elasticfilesystem:TagResource', arn.elasticfilesystem(scope, 'access-point/*'), {
      StringEquals: { 'elasticfilesystem:CreateAction': 'CreateAccessPoint', [`aws:RequestTag/${driverTag}`]: 'true' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [driverTag] },
    }),
    allow('DeleteDriverAccessPoints', 'elasticfilesystem:DeleteAccessPoint', arn.elasticfilesystem(scope, 'access-point/*'), {
      StringEquals: { [`aws:ResourceTag/${driverTag}`]: 'true' },
    }),
  );
}

/** CloudWatch agent (Container Insights): metrics in its namespaces, logs in the cluster's log groups. */
export function cloudWatchAgentPolicy(scope: AwsScope): PolicyDocument {
  const groups = [`/aws/containerinsights/${scope.cluster}/*`, '/aws/application-signals/*'];
  return policy(
    // PutMetricData has no resource-level permissions; the namespace condition narrows it.
    allow('PutContainerInsightsMetrics', 'cloudwatch:PutMetricData', '*', {
      StringEquals: { 'cloudwatch:namespace': ['ContainerInsights', 'CWAgent', 'ApplicationSignals'] },
    }),
    allow('Describe', ['ec2:DescribeVolumes', 'ec2:DescribeTags', 'logs:DescribeLogGroups'], '*', inRegion(scope)),
    allow(
      'WriteClusterLogs',
      ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:PutRetentionPolicy', 'logs:DescribeLogStreams'],
      groups.flatMap((g) => [arn.logs(scope, `log-group:${g}`), arn.logs(scope, `log-group:${g}:log-stream:*`)]),
    ),
  );
}

/** KEDA: reads CloudWatch metrics for the CloudWatch triggers (no resource-level permissions). */
export function kedaPolicy(scope: AwsScope): PolicyDocument {
  return policy(allow('ReadMetricsForScaling', 'cloudwatch:GetMetricData', '*', inRegion(scope)));
}
