import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiObject } from 'cdk8s';
import { load } from 'js-yaml';
import type { Construct } from 'constructs';
import { kindsOf, type PlatformComponent, type PlatformComponentProps } from '../core/component.js';
import { AddonChart } from '../core/helm-addon.js';
import { packageRoot } from '../core/package-root.js';

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
    const crd = load(readFileSync(path.join(packageRoot(import.meta.url), INFERENCE_POOL_CRD_FILE), 'utf8')) as Record<string, unknown>;
    const metadata = crd.metadata as Record<string, unknown>;
    new ApiObject(this, 'inference-pools', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        ...metadata,
        labels: { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'inference-extension' },
      },
      spec: crd.spec,
    });
  }
}

export const inferenceExtension: PlatformComponent = {
  name: 'inference-extension',
  installs: kindsOf('inference.networking.k8s.io', 'InferencePool'),
  needs: [],
  build: (scope, props) => new InferenceExtensionChart(scope, 'inference-extension', props),
};
