import { ScaledObject, type IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import type { AutoscalingSpec } from '../../platform/spec/platform-spec.js';
import type { ModelSpec } from '../models/model-spec.js';
import { PROMETHEUS_URL } from '../../platform/monitoring/monitoring.js';
import type { StartupBudgets } from './time-budgets.js';
import { VLLM_METRICS } from './slo-queries.js';

/** CPU and memory utilisation (percent of requests) to scale to: the seed's HPA signals. */
const RESOURCE_UTILIZATION = '80';

export interface ScalingOptions {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly model: ModelSpec;
  readonly replicas: { readonly min: number; readonly max: number };
  readonly autoscaling: AutoscalingSpec | undefined;
  readonly awsRegion: string;
  /** The model server's start-up budgets: scale-in waits longer than a start. */
  readonly budgets: StartupBudgets;
  /** What KEDA scales: the Deployment, or the LeaderWorkerSet of a multi-node model (its scale subresource). */
  readonly target: { readonly apiVersion: string; readonly kind: string };
  /**
   * The router holds requests while no replica can take them: its queue is a trigger too, the
   * one signal that exists while the model runs no replica (apps/router/).
   */
  readonly routerHolds: boolean;
}

/** The metric the endpoint picker reports its held requests by (Inference Extension v1.5.0, pkg/epp/metrics). */
export const ROUTER_QUEUE_METRIC = 'inference_extension_flow_control_queue_size';

/** The name of the TriggerAuthentication a model's CloudWatch trigger uses. */
export const CLOUDWATCH_AUTH = 'keda-aws';

/**
 * KEDA ScaledObject for a model server (KEDA creates and drives its HPA; nothing else scales the
 * Deployment). Triggers: vLLM's own serving signals from Prometheus (requests waiting per replica
 * and KV-cache usage: they track the latency users see), CPU and memory utilisation, and an
 * optional CloudWatch metric. Not GPU utilisation: with continuous batching DCGM reports it near
 * 100% under a single request, which would hold every model at its maximum (policy GPU-006).
 * Scaling in waits longer than a cold start, so a replica is not removed while its replacement
 * would still be loading.
 */
export function scaledObject(options: ScalingOptions): Record<string, unknown> {
  const { autoscaling, namespace } = options;
  const scaling = options.model.autoscaling;
  const queue = autoscaling?.queuePerReplica ?? scaling.queuePerReplica;
  const kvCache = autoscaling?.kvCacheUtilization ?? scaling.kvCacheUtilization;
  const scaleDownWindow = scaling.scaleDown.stabilizationSeconds ?? Math.max(600, options.budgets.startupSeconds);
  const triggers: NonNullable<IScaledObject['spec']>['triggers'] = [
    {
      type: 'prometheus',
      name: 'request-queue',
      metadata: {
        serverAddress: PROMETHEUS_URL,
        // Summed over replicas; KEDA's default AverageValue divides it per replica.
        query: `sum(${VLLM_METRICS.waiting}{namespace="${namespace}"})`,
        threshold: String(queue),
        activationThreshold: String(scaling.queueActivation),
      },
    },
    {
      type: 'prometheus',
      name: 'kv-cache',
      // Value: the average over replicas is compared with the target, not divided by replicas.
      // vLLM reports the fraction of KV-cache blocks in use (0 to 1); requests queue once it is full.
      metricType: 'Value',
      metadata: {
        serverAddress: PROMETHEUS_URL,
        query: `avg(${VLLM_METRICS.kvCacheUsage}{namespace="${namespace}"})`,
        threshold: String(kvCache / 100),
        activationThreshold: String(scaling.kvCacheActivation / 100),
      },
    },
    ...(options.routerHolds
      ? [
          {
            type: 'prometheus',
            name: 'router-queue',
            metadata: {
              serverAddress: PROMETHEUS_URL,
              // Requests the router holds because no replica can take them: at zero replicas the
              // first request is held here, and this wakes the model.
              query: `sum(${ROUTER_QUEUE_METRIC}{namespace="${namespace}"})`,
              threshold: String(queue),
              activationThreshold: String(scaling.queueActivation),
            },
          },
        ]
      : []),
    { type: 'cpu', metricType: 'Utilization', metadata: { value: RESOURCE_UTILIZATION, containerName: 'vllm' } },
    { type: 'memory', metricType: 'Utilization', metadata: { value: RESOURCE_UTILIZATION, containerName: 'vllm' } },
  ];
  const cloudwatch = autoscaling?.cloudwatch;
  if (cloudwatch) {
    const dimensions = Object.keys(cloudwatch.dimensions).sort();
    triggers.push({
      type: 'aws-cloudwatch',
      name: 'cloudwatch',
      authenticationRef: { name: CLOUDWATCH_AUTH },
      metadata: {
        namespace: cloudwatch.namespace,
        metricName: cloudwatch.metricName,
        dimensionName: dimensions.join(';'),
        dimensionValue: dimensions.map((d) => cloudwatch.dimensions[d]).join(';'),
        targetMetricValue: String(cloudwatch.target),
        minMetricValue: '0',
        metricStat: cloudwatch.statistic,
        awsRegion: options.awsRegion,
      },
    });
  }
  const object = new ScaledObject({
    metadata: { name: options.name, namespace, labels: options.labels },
    spec: {
      scaleTargetRef: { apiVersion: options.target.apiVersion, kind: options.target.kind, name: options.name },
      minReplicaCount: options.replicas.min,
      maxReplicaCount: options.replicas.max,
      pollingInterval: 15,
      cooldownPeriod: 300,
      // If a metrics source fails, keep what runs (or the minimum), never drop capacity blindly.
      fallback: { failureThreshold: 3, replicas: Math.max(options.replicas.min, 1), behavior: 'currentReplicasIfHigher' },
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: {
              stabilizationWindowSeconds: scaling.scaleUp.stabilizationSeconds ?? 0,
              policies: [{ type: 'Pods', value: scaling.scaleUp.replicas, periodSeconds: scaling.scaleUp.periodSeconds }],
            },
            scaleDown: {
              stabilizationWindowSeconds: scaleDownWindow,
              policies: [{ type: 'Pods', value: scaling.scaleDown.replicas, periodSeconds: scaling.scaleDown.periodSeconds }],
            },
          },
        },
      },
      triggers,
    },
  });
  object.validate();
  return object.toJSON() as Record<string, unknown>;
}

/** CloudWatch triggers read metrics as the KEDA operator (its EKS Pod Identity role). */
export function cloudwatchAuthentication(namespace: string, labels: Record<string, string>): Record<string, unknown> {
  const object = new TriggerAuthentication({
    metadata: { name: CLOUDWATCH_AUTH, namespace, labels },
    spec: { podIdentity: { provider: 'aws' } },
  });
  object.validate();
  return object.toJSON() as Record<string, unknown>;
}
