import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { Flow } from '../../platform/core/network-policies.js';
import { GPU_INSTANCE_FAMILIES } from '../../platform/spec/gpu-instance-families.js';
import type { ModelSpec } from '../models/model-spec.js';
import { MAX_SURGE_REPLICAS } from './time-budgets.js';
import { preStopSleep, type VllmPodOptions } from './vllm-pod.js';

/*
 * A model larger than one node: each replica is a LeaderWorkerSet group (sigs.k8s.io/lws) of
 * gpu.nodes pods, one per node, tensor parallel within a node and pipeline parallel across them.
 * The leader (worker index 0) serves the API; the workers run vLLM headless. LWS recreates the
 * whole group when any of its pods restarts, scales groups through its scale subresource (KEDA
 * targets the LeaderWorkerSet), and rolls them out one group at a time.
 */

export const LWS_API_VERSION = 'leaderworkerset.x-k8s.io/v1';
export const LWS_KIND = 'LeaderWorkerSet';
/** Labels LWS puts on every pod of a set (leaderworkerset_types.go, v0.9.0). */
export const LWS_NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
export const LWS_WORKER_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';
export const LWS_GROUP_KEY_LABEL = 'leaderworkerset.sigs.k8s.io/group-key';

/** The ports a group's pods reach each other on: the rendezvous, NCCL's bootstrap and vLLM's own sockets (ephemeral). */
export const GROUP_PORTS = { from: 1024, to: 65535 } as const;

export interface LeaderWorkerSetProps {
  readonly metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  readonly model: ModelSpec;
  readonly leader: k8s.PodTemplateSpec;
  readonly worker: k8s.PodTemplateSpec;
  /**
   * Groups, for a set no autoscaler owns (a staged canary's).
   * @default none: the autoscaler owns the count
   */
  readonly replicas?: number;
}

export const leaderWorkerSet = {
  /** What selects a group's leader (the Service's extra selector). */
  leaderSelector: { [LWS_WORKER_INDEX_LABEL]: '0' } as Readonly<Record<string, string>>,

  /**
   * Pod options of a group's pods: every EFA interface of the node, and the group kept in one
   * zone (EFA does not cross zones) by affinity to its own group, not LWS's exclusive-topology
   * annotation, which would allow one group per zone in the whole cluster.
   */
  podOptions(model: ModelSpec, families: readonly string[], name: string): Pick<VllmPodOptions, 'efaInterfaces' | 'podAffinity'> {
    const interfaces = families.map((f) => GPU_INSTANCE_FAMILIES[f]?.efaInterfaces ?? 0);
    const efaInterfaces = Math.min(...interfaces);
    if (!(efaInterfaces > 0)) throw new Error(`${model.name}: no EFA interface count for ${families.join(', ')}`);
    // matchLabelKeys (only pods of this pod's own group count) is added by add(): the 1.27 types lack it.
    const term: k8s.PodAffinityTerm = {
      labelSelector: { matchLabels: { [LWS_NAME_LABEL]: name } },
      topologyKey: 'topology.kubernetes.io/zone',
    };
    return { efaInterfaces, podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
  },

  add(scope: Construct, id: string, props: LeaderWorkerSetProps): ApiObject {
    // The typed template as JSON, then what the Kubernetes 1.27 types of cdk8s-plus-27 cannot
    // carry: the kubelet's sleep action (both roles sleep through the drain: a worker that left
    // first would break the leader's streams) and the affinity's matchLabelKeys (Kubernetes >= 1.31).
    const complete = (template: k8s.PodTemplateSpec) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of the template, patched below
      const json = k8s.toJson_PodTemplateSpec(template) as Record<string, any>;
      json.spec.containers[0].lifecycle = preStopSleep(props.model);
      for (const term of json.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
        term.matchLabelKeys = [LWS_GROUP_KEY_LABEL];
      return json;
    };
    return new ApiObject(scope, id, {
      apiVersion: LWS_API_VERSION,
      kind: LWS_KIND,
      metadata: props.metadata,
      spec: {
        // No replicas field where the HPA that KEDA drives owns the count through the scale subresource.
        ...(props.replicas === undefined ? {} : { replicas: props.replicas }),
        // Workers start with their leader (not once it is Ready: it becomes Ready only when they have joined).
        startupPolicy: 'LeaderCreated',
        // One extra group at a time, never one fewer: a group holds gpu.count x gpu.nodes GPUs.
        rolloutStrategy: { type: 'RollingUpdate', rollingUpdateConfiguration: { maxSurge: MAX_SURGE_REPLICAS, maxUnavailable: 0 } },
        leaderWorkerTemplate: {
          size: props.model.gpu.nodes,
          restartPolicy: 'RecreateGroupOnPodRestart',
          leaderTemplate: complete(props.leader),
          workerTemplate: complete(props.worker),
        },
      },
    });
  },
};

/**
 * The flows between a multi-node replica's pods (in and out), or none for a one-node model:
 * among the pods of the LeaderWorkerSet `name` (flows named after `track` for a second set).
 */
export function multiNodeFlows(model: ModelSpec, namespace: string, name: string, track?: string): { ingress: Flow[]; egress: Flow[] } {
  if (model.gpu.nodes === 1) return { ingress: [], egress: [] };
  const group = { [LWS_NAME_LABEL]: name };
  const flow = (flowName: string): Flow => ({
    name: track ? `${track}-${flowName}` : flowName,
    peers: [{ namespace, podLabels: group }],
    ports: [{ port: GROUP_PORTS.from, endPort: GROUP_PORTS.to }],
    podLabels: group,
  });
  return { ingress: [flow('group')], egress: [flow('group-egress')] };
}
