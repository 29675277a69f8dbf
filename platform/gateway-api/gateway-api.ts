import type { Construct } from 'constructs';
import { addCommittedCrds } from '../core/committed-crds.js';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart } from '../core/helm-addon.js';

/**
 * The Gateway API's standard-channel CRDs that a model's canary router uses (Gateway, HTTPRoute)
 * and that Istio's gateway controller reads beside them (GatewayClass, ReferenceGrant), v1.5.1:
 * the release Istio 1.29 and the Inference Extension v1.5.0 are paired with. Published in release
 * manifests, in no chart: the module's files are committed beside this one, byte for byte
 * (platform/crd-sources.yaml `manifests`). Before Istio, whose controller starts on them.
 */
export const GATEWAY_API_VERSION = 'v1.5.1';
export const GATEWAY_API_CRD_FILES = ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants'].map(
  (plural) => `platform/gateway-api/gateway.networking.k8s.io_${plural}.yaml`,
);

export class GatewayApiChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops });
    addCommittedCrds(this, 'gateway-api', GATEWAY_API_CRD_FILES);
  }
}

export const gatewayApi: PlatformComponent = {
  name: 'gateway-api',
  installs: kindsOf('gateway.networking.k8s.io', 'GatewayClass', 'Gateway', 'HTTPRoute', 'ReferenceGrant'),
  needs: [],
  build: (scope, props) => new GatewayApiChart(scope, 'gateway-api', props),
};
