import { beforeAll, describe, expect, test } from 'vitest';
import { load } from 'js-yaml';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { FLEET_ROOT } from './helpers/fixture-repo.js';

/* A model larger than one node (the sample's 405B on two p5.48xlarge per replica), the capacity
 * it runs on, and the faster weight paths, asserted on what the renderer writes. */

type Json = Record<string, any>;

let fleet: Fleet;
const rendered = new Map<string, Map<string, Json>>();
const objects = (env: string, prefix: string) =>
  new Map([...rendered.get(env)!].filter(([file]) => file.startsWith(prefix)).map(([file, o]) => [file.slice(prefix.length), o]));

function renderAll(f: Fleet): Map<string, Map<string, Json>> {
  const out = new Map<string, Map<string, Json>>();
  for (const env of f.environments.keys())
    out.set(env, new Map([...renderEnvironment(f, env).files].map(([file, text]) => [file, load(text) as Json])));
  return out;
}

beforeAll(async () => {
  const loaded = await loadFleet(FLEET_ROOT);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  fleet = loaded.fleet;
  for (const [env, files] of renderAll(fleet)) rendered.set(env, files);
});

const HUGE = 'llama-3-1-405b-instruct';
const lwsOf = (env: string) => objects(env, `manifests/apps/llm-${HUGE}/`).get(`leaderworkerset-${HUGE}.yaml`)!;
const vllm = (template: Json) => template.spec.containers.find((c: Json) => c.name === 'vllm');

describe('a model on two nodes: a LeaderWorkerSet group per replica', () => {
  test('groups of gpu.nodes pods, recreated together, rolled out one surge group at a time, scaled by KEDA', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const lws = lwsOf(env);
      expect(lws.apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
      expect(lws.spec.replicas).toBeUndefined();
      expect(lws.spec.startupPolicy).toBe('LeaderCreated');
      expect(lws.spec.leaderWorkerTemplate).toMatchObject({ size: 2, restartPolicy: 'RecreateGroupOnPodRestart' });
      expect(lws.spec.rolloutStrategy).toEqual({ type: 'RollingUpdate', rollingUpdateConfiguration: { maxSurge: 1, maxUnavailable: 0 } });
      const scaled = objects(env, `manifests/apps/llm-${HUGE}/`).get(`scaledobject-${HUGE}.yaml`)!;
      expect(scaled.spec.scaleTargetRef).toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: HUGE });
    }
  });

  test('the leader serves the API and joins as rank 0; the worker runs headless with its LWS rank; both use every EFA interface', () => {
    const lws = lwsOf('prod');
    const leader = vllm(lws.spec.leaderWorkerTemplate.leaderTemplate);
    const worker = vllm(lws.spec.leaderWorkerTemplate.workerTemplate);
    for (const container of [leader, worker]) {
      expect(container.command).toEqual(['vllm', 'serve']);
      expect(container.args[0]).toBe('s3://acme-llm-weights-us-west-2/meta-llama/Llama-3.1-405B-Instruct/v2026.11.1/');
      const flag = (name: string) => container.args[container.args.indexOf(name) + 1];
      expect([flag('--tensor-parallel-size'), flag('--pipeline-parallel-size'), flag('--nnodes')]).toEqual(['8', '2', '2']);
      expect([flag('--distributed-executor-backend'), flag('--node-rank'), flag('--master-addr'), flag('--master-port')]).toEqual([
        'mp',
        '$(LWS_WORKER_INDEX)',
        '$(LWS_LEADER_ADDRESS)',
        '29501',
      ]);
      expect(container.resources.limits).toMatchObject({ 'nvidia.com/gpu': 8, 'vpc.amazonaws.com/efa': 32 });
      expect(container.resources.requests).toEqual(container.resources.limits);
      // NCCL must fail loudly rather than fall back to TCP sockets when the image lacks the EFA plugin.
      expect(container.env).toContainEqual({ name: 'NCCL_NET', value: 'AWS Libfabric' });
    }
    expect(leader.args).not.toContain('--headless');
    expect(worker.args).toContain('--headless');
    expect(leader.ports.map((p: Json) => p.containerPort)).toEqual([8000, 29501]);
    expect(leader.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.readinessProbe).toBeUndefined();
    // Streamed from S3: no init container copies anything first.
    expect(lws.spec.leaderWorkerTemplate.workerTemplate.spec.initContainers).toBeUndefined();
  });

  test('the Service selects only leaders; the group\u2019s pods reach each other on the ephemeral ports and nothing else opens', () => {
    const files = objects('prod', `manifests/apps/llm-${HUGE}/`);
    expect(files.get(`service-${HUGE}.yaml`)!.spec.selector['leaderworkerset.sigs.k8s.io/worker-index']).toBe('0');
    const group = { matchLabels: { 'leaderworkerset.sigs.k8s.io/name': HUGE } };
    const ingress = files.get('networkpolicy-allow-group.yaml')!.spec;
    expect(ingress.podSelector).toEqual(group);
    expect(ingress.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': `llm-${HUGE}` } }, podSelector: group }],
        ports: [{ protocol: 'TCP', port: 1024, endPort: 65535 }],
      },
    ]);
    expect(files.get('networkpolicy-allow-group-egress.yaml')!.spec.egress[0].ports).toEqual([
      { protocol: 'TCP', port: 1024, endPort: 65535 },
    ]);
    // At the security-group layer the pods reach each other through the cluster group they all
    // carry (it admits its members); their own group opens no range to the rest of the VPC.
    const sg = files.get('securitygroup-model-server.yaml')!.spec;
    expect(sg.ingressRules.filter((rule: Json) => rule.fromPort === 1024 || rule.ipRanges)).toEqual([]);
    const prod = fleet.environments.get('prod')!.spec;
    expect(files.get('podsecuritygroup-model-server.yaml')!.spec.additionalGroupIds).toEqual([prod.network.clusterSecurityGroupId]);
    // A one-node model opens no such range.
    const small = objects('prod', 'manifests/apps/llm-llama-3-1-8b-instruct/');
    expect([...small.keys()].filter((f) => f.includes('allow-group'))).toEqual([]);
  });

  test('the EFA pool: one zone, the cluster placement group, the EFA device plugin; Karpenter may read placement groups', () => {
    const karpenter = objects('prod', 'manifests/platform/karpenter/');
    const pool = karpenter.get('nodepool-gpu-efa.yaml')!.spec.template.spec;
    expect(pool.requirements).toContainEqual({ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-west-2a'] });
    const nodeClass = karpenter.get('ec2nodeclass-gpu-efa.yaml')!.spec;
    expect(nodeClass.placementGroupSelector).toEqual({ name: 'llm-prod-efa' });
    expect(karpenter.get('ec2nodeclass-gpu.yaml')!.spec.placementGroupSelector).toBeUndefined();
    expect([...objects('prod', 'manifests/platform/gpu/').keys()]).toContain('application-aws-efa-k8s-device-plugin.yaml');
    const roles = [...rendered.get('prod')!].filter(([file, o]) => file.includes('karpenter') && o.kind === 'Role');
    const documents = roles.map(([, o]) => JSON.stringify(o.spec));
    expect(documents.some((d) => d.includes('ec2:DescribePlacementGroups'))).toBe(true);
    // Launching into the group is authorised against it: RunInstances and CreateFleet name it,
    // or Karpenter's dry run marks the class RunInstancesAuthFailed and no EFA node starts.
    const statements = roles.flatMap(([, o]) =>
      Object.values(o.spec.inlinePolicies as Record<string, string>).flatMap((p) => JSON.parse(p).Statement),
    );
    const launch = statements.filter((s) => [s.Action].flat().includes('ec2:RunInstances') && !s.Condition);
    expect(launch.flatMap((s) => [s.Resource].flat())).toContain('arn:aws:ec2:us-west-2:777788889999:placement-group/llm-prod-efa');
  });

  test('the LeaderWorkerSet controller: every environment installs the pinned chart in lws-system', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const app = objects(env, 'manifests/platform/lws/').get('application-lws.yaml')!;
      expect(app.spec.source).toMatchObject({ repoURL: 'registry.k8s.io/lws/charts', chart: 'lws', targetRevision: '0.9.0' });
      expect(app.spec.destination.namespace).toBe('lws-system');
    }
  });
});

describe('warm and reserved capacity', () => {
  test('prod uses its capacity reservation first on the GPU pools', () => {
    const karpenter = objects('prod', 'manifests/platform/karpenter/');
    for (const pool of ['gpu', 'gpu-efa']) {
      expect(karpenter.get(`ec2nodeclass-${pool}.yaml`)!.spec.capacityReservationSelectorTerms).toEqual([{ id: 'cr-0a1b2c3d4e5f60789' }]);
      const types = karpenter
        .get(`nodepool-${pool}.yaml`)!
        .spec.template.spec.requirements.find((r: Json) => r.key === 'karpenter.sh/capacity-type');
      expect(types.values).toEqual(['on-demand', 'reserved']);
    }
    // Without reservations, no reserved capacity type.
    const dev = objects('dev', 'manifests/platform/karpenter/').get('nodepool-gpu.yaml')!.spec.template.spec.requirements;
    expect(dev.find((r: Json) => r.key === 'karpenter.sh/capacity-type').values).toEqual(['on-demand', 'spot']);
  });

  test('a warm node: a placeholder holding 8 GPUs of the pool with its engine image pulled, below every priority, gone at once when preempted', () => {
    const warm = objects('prod', 'manifests/apps/warm-capacity/');
    const deployment = warm.get('deployment-gpu-8-gpus.yaml')!;
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    expect(pod.priorityClassName).toBe('llm-warm-capacity');
    expect(pod.terminationGracePeriodSeconds).toBe(0);
    expect(pod.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'gpu' });
    expect(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values,
    ).toEqual(['p5']);
    // The gpu pool's models (8B, 70B) share one engine image: one container holds it on the node.
    const engine = fleet.models.get('llama-3-3-70b-instruct')!.spec.engine.digest;
    expect(pod.containers.map((c: Json) => c.image)).toEqual([
      `777788889999.dkr.ecr.us-west-2.amazonaws.com/docker-hub/vllm/vllm-openai@${engine}`,
    ]);
    expect(pod.containers[0].command).toEqual(['sleep', 'infinity']);
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(8);
    const priority = objects('prod', 'manifests/platform/scheduling/').get('priorityclass-llm-warm-capacity.yaml')!;
    expect([priority.value, priority.preemptionPolicy]).toEqual([-10, 'Never']);
    expect(rendered.get('dev')!.has('manifests/apps/warm-capacity/kustomization.yaml')).toBe(false);
  });
});

describe('weights on the instance store', () => {
  test('loading.from nvme: every replica copies into an emptyDir on the RAID0 instance store, hashed with 8 CPUs, and reads it read-only', () => {
    const large = fleet.models.get('llama-3-3-70b-instruct')!;
    const variant: Fleet = {
      ...fleet,
      models: new Map([...fleet.models, [large.spec.name, { ...large, spec: { ...large.spec, loading: { from: 'nvme' } } }]]),
    };
    const files = new Map([...renderEnvironment(variant, 'staging').files].map(([file, text]) => [file, load(text) as Json]));
    // Staging upgrades the 70B by canary: the pods are its Rollout's.
    const deployment = files.get('manifests/apps/llm-llama-3-3-70b-instruct/rollout-llama-3-3-70b-instruct.yaml')!;
    const pod = deployment.spec.template.spec;
    // 140 GB of weights and 10% for the staging copy.
    expect(pod.volumes).toContainEqual({ name: 'weights', emptyDir: { sizeLimit: '154Gi' } });
    const fill = pod.initContainers[0];
    expect(fill.volumeMounts).toEqual([
      { name: 'weights', mountPath: '/weights' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(fill.env).toContainEqual({ name: 'CACHE_DIR', value: '/weights/v2026.11.1' });
    expect(fill.env).toContainEqual({ name: 'HASH_JOBS', value: '8' });
    expect(fill.resources.limits).toMatchObject({ cpu: '8', memory: '8Gi' });
    const server = pod.containers[0];
    expect(server.volumeMounts).toContainEqual({ name: 'weights', mountPath: '/weights', readOnly: true });
    expect(server.args[server.args.indexOf('--model') + 1]).toBe('/weights/v2026.11.1');
    expect(server.args).not.toContain('--load-format');
  });
});
