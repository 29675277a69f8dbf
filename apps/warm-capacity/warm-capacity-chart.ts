import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ComponentDeclaration } from '../../platform/core/component.js';
import { identityEnv } from '../../platform/core/container-identity.js';
import { NamespacedChart } from '../../platform/core/namespaced-chart.js';
import { GPU_TAINT } from '../../platform/karpenter/karpenter.js';
import { WARM_CAPACITY_PRIORITY_CLASS } from '../../platform/scheduling/scheduling.js';
import { spreadOverZones } from '../../platform/scheduling/zone-spread.js';
import type { ClusterSpec } from '../../platform/spec/cluster-spec.js';
import { containerSecurityContext, GPU_RESOURCE, instanceFamilyAffinity, RUN_AS_ID } from '../model-server/vllm-pod.js';

/** The component (and namespace) of the placeholders. */
export const WARM_CAPACITY = 'warm-capacity';

export interface WarmCapacityProps {
  readonly environment: ClusterSpec;
  /** Per GPU pool, the engine images (as nodes pull them) of the models that run there. */
  readonly imagesByPool: Readonly<Record<string, readonly string[]>>;
}

/**
 * Warm GPU capacity (cluster.yaml gpu.warmNodes): per pool, placeholder pods that each hold one
 * node's worth of GPUs, one per node, and run the pool's engine images doing nothing, so that the
 * node is up and the images are pulled. Their priority is below every workload and they never
 * preempt: a model server that needs the GPUs evicts one at once (its grace period is 0) and
 * starts on a ready node with its image in place; the placeholder goes Pending, and Karpenter
 * launches a node for it, restoring the floor. Karpenter's own CapacityBuffer (alpha in 1.14)
 * is the upstream form of this; placeholders need no feature gate.
 */
export class WarmCapacityChart extends NamespacedChart {
  constructor(scope: Construct, id: string, props: WarmCapacityProps) {
    super(scope, id, {
      layer: 'apps',
      environment: props.environment,
      namespace: WARM_CAPACITY,
      app: { name: 'placeholder', instance: WARM_CAPACITY, component: WARM_CAPACITY },
      pinPodSecurityVersion: true,
      // Placeholders talk to nobody and nobody to them.
      network: {},
    });
    for (const warm of props.environment.gpu.warmNodes ?? []) {
      const images = props.imagesByPool[warm.pool] ?? [];
      if (images.length === 0) continue;
      const name = `${warm.pool}-${warm.gpusPerNode}-gpus`;
      const selector = { ...this.selector, 'llm-platform/warm-pool': warm.pool };
      const labels = { ...this.appLabels, 'llm-platform/warm-pool': warm.pool };
      const families = warm.instanceFamilies ?? props.environment.gpu.instanceFamilies;
      const resources = (gpus: number) => {
        const values = {
          cpu: k8s.Quantity.fromString('100m'),
          memory: k8s.Quantity.fromString('64Mi'),
          ...(gpus > 0 ? { [GPU_RESOURCE]: k8s.Quantity.fromNumber(gpus) } : {}),
        };
        return { requests: values, limits: values };
      };
      // Nothing to check but that the process is alive.
      const alive: k8s.Probe = { exec: { command: ['true'] }, periodSeconds: 60 };
      new ApiObject(
        this,
        `deployment-${name}`,
        k8s.KubeDeployment.manifest({
          metadata: { ...this.metadata(name), labels },
          spec: {
            replicas: warm.count,
            revisionHistoryLimit: 2,
            selector: { matchLabels: selector },
            template: {
              metadata: { labels },
              spec: {
                priorityClassName: WARM_CAPACITY_PRIORITY_CLASS,
                // Evicted for a model server at once: nothing here to drain.
                terminationGracePeriodSeconds: 0,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: RUN_AS_ID,
                  runAsGroup: RUN_AS_ID,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                nodeSelector: { 'karpenter.sh/nodepool': warm.pool },
                affinity: {
                  nodeAffinity: instanceFamilyAffinity(families),
                  // One placeholder per node: each holds a whole node's worth of GPUs.
                  podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                      { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
                    ],
                  },
                },
                tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
                topologySpreadConstraints: spreadOverZones(selector),
                // The first container holds the GPUs; each container keeps one engine image on the node.
                containers: images.map((image, index) => ({
                  name: `image-${index}`,
                  image,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['sleep', 'infinity'],
                  env: identityEnv('placeholder'),
                  resources: resources(index === 0 ? warm.gpusPerNode : 0),
                  readinessProbe: alive,
                  livenessProbe: alive,
                  securityContext: containerSecurityContext(),
                })),
              },
            },
          },
        }),
      );
    }
  }
}

export const warmCapacity: ComponentDeclaration = { name: WARM_CAPACITY, installs: [], needs: [] };
