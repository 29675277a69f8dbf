import type { ClusterSpec } from '../spec/cluster-spec.js';
import {
  ackApiGatewayPolicy,
  ackEc2Policy,
  ackElastiCachePolicy,
  ackLambdaPolicy,
  ackLogsPolicy,
  ackSqsPolicy,
} from '../identity/iam/ack-policies.js';
import type { PolicyDocument } from '../identity/iam/document.js';
import { awsScope, type WorkloadIdentity } from '../identity/workload-identity.js';
import { ACK_NAMESPACE, ackServiceAccount, ackServiceControllersFor, type AckService } from './ack-controllers.js';

/**
 * The ACK service controllers' identities (all but iam and eks, whose roles exist before ACK):
 * rendered with the iam and eks controllers, which create them before these controllers start.
 */
export function ackServiceIdentities(environment: ClusterSpec): WorkloadIdentity[] {
  const scope = awsScope(environment);
  const ackPolicies: Record<Exclude<AckService, 'iam' | 'eks'>, PolicyDocument> = {
    ec2: ackEc2Policy(scope, { vpcId: environment.network.vpcId }),
    elasticache: ackElastiCachePolicy(scope),
    apigatewayv2: ackApiGatewayPolicy(scope),
    lambda: ackLambdaPolicy(scope, environment.async ? { artifactBucket: environment.async.lambda.bucket } : {}),
    sqs: ackSqsPolicy(scope),
    cloudwatchlogs: ackLogsPolicy(scope),
  };
  return ackServiceControllersFor(environment).map((service) => ({
    key: ackServiceAccount(service),
    namespace: ACK_NAMESPACE,
    serviceAccount: ackServiceAccount(service),
    description: `ACK ${service} controller`,
    policy: ackPolicies[service as keyof typeof ackPolicies],
  }));
}
