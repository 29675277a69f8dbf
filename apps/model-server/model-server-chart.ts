import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../../scripts/lib/config/cluster-schema.js';
import type { ModelSpec } from '../../scripts/lib/config/model-schema.js';
import { recommendedLabels, selectorLabels, type AppIdentity } from '../../scripts/lib/k8s/labels.js';
import { ComponentChart } from '../../scripts/lib/render/component-chart.js';
import { progressDeadlineSeconds } from './time-budgets.js';
import { SERVING_PORT, SERVING_PORT_NAME, preStopSleep, vllmPodTemplate } from './vllm-pod.js';

export interface ModelServerProps {
  /** The environment the server runs in. */
  readonly environment: ClusterSpec;
  /** The catalogue entry of the model. */
  readonly model: ModelSpec;
  /** The version this environment runs: a sub-prefix of `model.source`. */
  readonly version: string;
  /** Replicas the Deployment starts with: the environment's `replicas.min`. */
  readonly replicas: number;
  /** Instance families the pods may use (the model's, narrowed to the environment's pool). */
  readonly instanceFamilies: readonly string[];
  /**
   * The Karpenter NodePool whose GPU nodes the pods select.
   * @default 'gpu'
   */
  readonly nodePool?: string;
  /**
   * StorageClass of the shared (ReadWriteMany) model cache.
   * @default 'efs-sc'
   */
  readonly cacheStorageClass?: string;
}

/** Component folder of a model: `manifests/apps/llm-<model>/`. */
export function modelServerComponent(modelName: string): string {
  return `llm-${modelName}`;
}

/**
 * One vLLM OpenAI-compatible server for one model in one environment, in a namespace of its own:
 * Namespace, ServiceAccount, model-cache claim, Deployment, Service and PodDisruptionBudget.
 */
export class ModelServerChart extends ComponentChart {
  constructor(scope: Construct, props: ModelServerProps) {
    const component = modelServerComponent(props.model.name);
    super(scope, 'apps', component);
    const { model, version } = props;
    const name = model.name;
    const namespace = component;

    const identity: AppIdentity = { name: 'vllm', instance: name, component: 'model-server' };
    const labels = recommendedLabels(identity);
    const versionedLabels = recommendedLabels({ ...identity, version });
    const selector = selectorLabels(identity);
    const metadata = (objectName: string) => ({ name: objectName, namespace, labels });

    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: namespace,
        labels: {
          ...labels,
          // Pod Security Admission: the server meets the "restricted" profile, so enforce it.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': `v${props.environment.aws.kubernetesVersion}`,
        },
      },
    });

    const serviceAccount = new kplus.ServiceAccount(this, 'service-account', {
      metadata: metadata(name),
      automountToken: false,
    });

    const cacheClaim = new k8s.KubePersistentVolumeClaim(this, 'model-cache', {
      metadata: metadata('model-cache'),
      spec: {
        accessModes: ['ReadWriteMany'],
        storageClassName: props.cacheStorageClass ?? 'efs-sc',
        // EFS is elastic and ignores the size; the API requires one.
        resources: { requests: { storage: k8s.Quantity.fromString('1Ti') } },
      },
    });

    // A plain ApiObject from the typed manifest: the generated KubeDeployment re-filters its JSON
    // through the Kubernetes 1.27 types on output, which would drop the preStop sleep patched in below.
    const deployment = new ApiObject(this, 'deployment', k8s.KubeDeployment.manifest({
      metadata: {
        ...metadata(name),
        labels: versionedLabels,
        annotations: { 'eks-llm-gitops.io/engine-tag': model.engine.tag },
      },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: progressDeadlineSeconds(model),
        selector: { matchLabels: selector },
        // One extra replica at a time, never fewer than desired: each replica holds GPUs, and
        // capacity comes back only after a multi-minute model load.
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: vllmPodTemplate({
          model,
          version,
          labels: versionedLabels,
          selector,
          serviceAccountName: serviceAccount.name,
          cacheClaimName: cacheClaim.name,
          nodePool: props.nodePool ?? 'gpu',
          instanceFamilies: props.instanceFamilies,
          awsRegion: props.environment.aws.region,
        }),
      },
    }));
    deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', preStopSleep(model)));

    const service = new kplus.Service(this, 'service', {
      metadata: metadata(name),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: SERVING_PORT_NAME, port: SERVING_PORT, targetPort: SERVING_PORT }],
    });
    for (const [key, value] of Object.entries(selector)) service.selectLabel(key, value);

    new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
      metadata: metadata(name),
      spec: {
        // One replica at a time may be evicted: node drains make progress, capacity never drops by more.
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: selector },
      },
    });
  }
}
