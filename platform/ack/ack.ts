import type { Construct } from 'constructs';
import { AFTER_OWN_CHART } from '../core/gitops-constants.js';
import { type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart } from '../core/helm-addon.js';
import { recommendedLabels } from '../core/labels.js';
import { addWorkloadIdentity } from '../identity/workload-identity.js';
import { ackServiceIdentities } from './ack-identities.js';
import { ACK_NAMESPACE, ackControllerAddon, ackKinds, BOOTSTRAP_ACK_SERVICES } from './ack-controllers.js';

/**
 * The bootstrap ACK controllers, first of all: iam and eks (their own identities exist before
 * GitOps starts), and, once their charts have synced, the IAM roles and Pod Identity associations
 * of the other ACK controllers. Those start in the next stage (ack-services), after this
 * Application is Healthy, which the ACK health check makes wait for every role and association
 * to be synced: Pod Identity injects credentials only into pods created after their association.
 */
export class AckChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    const { environment, gitops } = props;
    super(scope, id, { gitops, addons: BOOTSTRAP_ACK_SERVICES.map((service) => ackControllerAddon(environment, service, true)) });
    for (const identity of ackServiceIdentities(environment)) {
      addWorkloadIdentity(
        this,
        environment,
        identity,
        ACK_NAMESPACE,
        recommendedLabels({ name: 'aws-identity', instance: identity.key, component: 'aws-identity' }),
        AFTER_OWN_CHART,
      );
    }
  }
}

export const ack: PlatformComponent = {
  name: 'ack',
  installs: ackKinds(...BOOTSTRAP_ACK_SERVICES),
  needs: ackKinds(...BOOTSTRAP_ACK_SERVICES),
  build: (scope, props) => new AckChart(scope, 'ack', props),
};
