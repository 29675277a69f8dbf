import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../../scripts/lib/config/cluster-schema.js';
import { recommendedLabels } from '../../scripts/lib/k8s/labels.js';
import { ComponentChart } from '../../scripts/lib/render/component-chart.js';
import { PlatformComponentChart, type GitOpsTarget } from '../addons/helm-addon.js';
import { defaultDenyPolicies } from '../network/network-policies.js';
import { ACK_CONTROLLERS, ackControllerAddon, type AckService } from './ack-controllers.js';
import { addApiGateway } from './edge.js';
import { addWorkloadIdentity, platformIdentities } from './identities.js';

/** Where the platform's own AWS resources (as ACK objects) live. */
export const AWS_NAMESPACE = 'aws-platform';

/** The ACK controllers: first of all, since every other component's AWS identity comes through them. */
export class AckChart extends PlatformComponentChart {
  constructor(scope: Construct, environment: ClusterSpec, gitops: GitOpsTarget) {
    super(scope, 'ack', (Object.keys(ACK_CONTROLLERS) as AckService[]).map((service) => ackControllerAddon(environment, service)), gitops, -60);
  }
}

/**
 * The platform's AWS resources as ACK objects: the IAM role and Pod Identity association of every
 * controller that calls AWS, and the edge (API Gateway and the async route). They sync after the
 * ACK controllers and before the controllers that need them.
 */
export class AwsChart extends ComponentChart {
  constructor(scope: Construct, environment: ClusterSpec) {
    super(scope, 'platform', 'aws', { syncWave: -50 });
    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: AWS_NAMESPACE,
        labels: { ...recommendedLabels({ name: 'aws', instance: 'aws', component: 'aws-resources' }), 'pod-security.kubernetes.io/enforce': 'restricted' },
      },
    });
    // No pods run here: the namespace only holds ACK objects, so nothing may come in or go out.
    defaultDenyPolicies(this, AWS_NAMESPACE, {});
    for (const identity of platformIdentities(environment)) {
      addWorkloadIdentity(this, environment, identity, AWS_NAMESPACE, recommendedLabels({ name: 'aws-identity', instance: identity.key, component: 'aws-identity' }));
    }
    addApiGateway(this, environment, AWS_NAMESPACE, recommendedLabels({ name: 'api-gateway', instance: 'api', component: 'edge' }));
  }
}
