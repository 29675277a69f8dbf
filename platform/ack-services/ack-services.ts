import { kindsOf, type PlatformComponent } from '../core/component.js';
import { AddonChart } from '../core/helm-addon.js';
import { ACK_SERVICE_CONTROLLERS, ackControllerAddon, ackKinds, ackServiceControllersFor } from '../ack/ack-controllers.js';

/**
 * The ACK service controllers (ec2, elasticache, and where the async route exists apigatewayv2,
 * lambda, sqs and cloudwatchlogs), in ack-system beside the bootstrap ones, one stage after them:
 * their roles and Pod Identity associations are created by the ack component, and must exist
 * before their pods do. The kinds listed are those the platform uses across environments; each
 * controller's chart installs more.
 */
export const ackServices: PlatformComponent = {
  name: 'ack-services',
  installs: [...ackKinds(...ACK_SERVICE_CONTROLLERS), ...kindsOf('services.k8s.aws', 'FieldExport')],
  needs: [],
  build: (scope, { environment, gitops }) =>
    // ack-system is rendered by the ack component, with the same network policy.
    new AddonChart(scope, 'ack-services', {
      gitops,
      addons: ackServiceControllersFor(environment).map((service) => ackControllerAddon(environment, service, false)),
    }),
};
