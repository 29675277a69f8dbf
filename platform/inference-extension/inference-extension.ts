import type { Construct } from 'constructs';
import { addCommittedCrds } from '../core/committed-crds.js';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart } from '../core/helm-addon.js';

/**
 * The Gateway API Inference Extension's InferencePool CRD (inference.networking.k8s.io/v1), which
 * each model's router selects its pods with (apps/router/). The project publishes its CRDs in
 * release manifests, in no chart, so this component applies the file committed beside it: the
 * module's own file at v1.5.0, byte for byte (platform/crd-sources.yaml `manifests`, checked by a
 * test). Cluster-wide, before the apps layer.
 */
export const INFERENCE_POOL_CRD_FILE = 'platform/inference-extension/inference.networking.k8s.io_inferencepools.yaml';

export class InferenceExtensionChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops });
    addCommittedCrds(this, 'inference-extension', [INFERENCE_POOL_CRD_FILE]);
  }
}

export const inferenceExtension: PlatformComponent = {
  name: 'inference-extension',
  installs: kindsOf('inference.networking.k8s.io', 'InferencePool'),
  needs: [],
  build: (scope, props) => new InferenceExtensionChart(scope, 'inference-extension', props),
};
