import type { Construct } from 'constructs';
import { type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { recommendedLabels } from '../core/labels.js';
import { NamespacedChart } from '../core/namespaced-chart.js';
import { addWorkloadIdentity, platformIdentities } from '../identity/workload-identity.js';
import { ackKinds } from '../ack/ack-controllers.js';
import { addApiGateway } from './edge.js';

/** Where the platform's own AWS resources (as ACK objects) live. */
export const AWS_NAMESPACE = 'aws-platform';

/**
 * The platform's AWS resources as ACK objects: the IAM role and Pod Identity association of every
 * controller that calls AWS, and the edge (API Gateway and the async route). They sync after the
 * ACK controllers and before the controllers that need them.
 */
export class AwsChart extends NamespacedChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    // No pods run here: the namespace only holds ACK objects, so nothing may come in or go out.
    super(scope, id, {
      layer: 'platform',
      environment: props.environment,
      namespace: AWS_NAMESPACE,
      app: { name: 'aws', instance: 'aws', component: 'aws-resources' },
    });
    const { environment } = props;
    for (const identity of platformIdentities(environment)) {
      addWorkloadIdentity(
        this,
        environment,
        identity,
        AWS_NAMESPACE,
        recommendedLabels({ name: 'aws-identity', instance: identity.key, component: 'aws-identity' }),
      );
    }
    addApiGateway(this, environment, AWS_NAMESPACE, recommendedLabels({ name: 'api-gateway', instance: 'api', component: 'edge' }));
  }
}

export const aws: PlatformComponent = {
  name: 'aws',
  installs: [],
  needs: ackKinds('iam', 'eks', 'ec2', 'apigatewayv2', 'lambda', 'sqs', 'cloudwatchlogs'),
  build: (scope, props) => new AwsChart(scope, 'aws', props),
};
