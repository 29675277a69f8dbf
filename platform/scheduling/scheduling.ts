import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { PlatformComponent, PlatformComponentProps } from '../core/component.js';
import { AddonChart } from '../core/helm-addon.js';

/** Priority of model servers: a serving replica may preempt batch work for GPU capacity. */
export const SERVING_PRIORITY_CLASS = 'llm-serving';
/** Priority of batch and offline work: never preempts, yields to serving. */
export const BATCH_PRIORITY_CLASS = 'llm-batch';
/** Priority of warm-capacity placeholders: below every workload (default 0), never preempts. */
export const WARM_CAPACITY_PRIORITY_CLASS = 'llm-warm-capacity';

/** Cluster-wide scheduling policy: the priority classes workloads choose from. */
export class SchedulingChart extends AddonChart {
  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, { gitops: props.gitops });
    const labels = { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'scheduling' };
    new k8s.KubePriorityClass(this, 'serving', {
      metadata: { name: SERVING_PRIORITY_CLASS, labels },
      value: 100_000,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'Online model serving: may preempt batch pods to get GPU capacity.',
    });
    new k8s.KubePriorityClass(this, 'batch', {
      metadata: { name: BATCH_PRIORITY_CLASS, labels },
      value: 1_000,
      globalDefault: false,
      preemptionPolicy: 'Never',
      description: 'Batch and offline inference: waits for capacity, never preempts.',
    });
    new k8s.KubePriorityClass(this, 'warm-capacity', {
      metadata: { name: WARM_CAPACITY_PRIORITY_CLASS, labels },
      value: -10,
      globalDefault: false,
      preemptionPolicy: 'Never',
      description: 'Warm-capacity placeholders: hold GPU nodes until any workload needs them.',
    });
  }
}

export const scheduling: PlatformComponent = {
  name: 'scheduling',
  installs: [],
  needs: [],
  build: (scope, props) => new SchedulingChart(scope, 'scheduling', props),
};
