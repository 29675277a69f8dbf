import { beforeAll, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { load } from 'js-yaml';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { renderedCustomKinds, vendoredFile } from '../scripts/vendor-schemas.js';
import { FLEET_ROOT, makeFixtureRepo, REPO_ROOT } from './helpers/fixture-repo.js';
import { GPU_INSTANCE_FAMILIES } from '../platform/spec/gpu-instance-families.js';

/* The EKS platform as rendered for each environment, asserted on the YAML. */

type Json = Record<string, any>;

interface Env {
  readonly name: string;
  readonly spec: ReturnType<Fleet['environments']['get']> extends infer L ? (L extends { spec: infer S } ? S : never) : never;
  readonly files: Map<string, Json>;
}

let fleet: Fleet;
let envs: Env[];

async function fleetAt(root: string): Promise<Fleet> {
  const loaded = await loadFleet(root);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.fleet;
}

function renderAll(f: Fleet): Env[] {
  return [...f.environments.keys()].map((name) => ({
    name,
    spec: f.environments.get(name)!.spec,
    files: new Map([...renderEnvironment(f, name).files].map(([file, text]) => [file, load(text) as Json])),
  }));
}

beforeAll(async () => {
  fleet = await fleetAt(FLEET_ROOT);
  envs = renderAll(fleet);
});

const objects = (env: Env, kind?: string) =>
  [...env.files.entries()]
    .filter(([f, o]) => !f.endsWith('kustomization.yaml') && (kind === undefined || o.kind === kind))
    .map(([, o]) => o);
const file = (env: Env, path: string) => {
  const object = env.files.get(path);
  expect(object, path).toBeDefined();
  return object!;
};
const helmApp = (env: Env, name: string) => objects(env, 'Application').find((a) => a.metadata.name === name && a.spec.source.chart)!;

describe('Karpenter capacity', () => {
  test("the GPU pool: the environment's families and capacity types, the GPU taint, limits from cluster.yaml, GPU-friendly disruption", () => {
    for (const env of envs) {
      const pool = file(env, 'manifests/platform/karpenter/nodepool-gpu.yaml');
      const requirement = (key: string) => pool.spec.template.spec.requirements.find((r: Json) => r.key === key);
      expect(requirement('karpenter.k8s.aws/instance-family').values).toEqual([...env.spec.gpu.instanceFamilies].sort());
      // Capacity reservations, where the environment has them, are used first ("reserved").
      const reserved = env.spec.gpu.capacityReservations ? ['reserved'] : [];
      expect(requirement('karpenter.sh/capacity-type').values).toEqual([...env.spec.gpu.capacityTypes, ...reserved].sort());
      expect(requirement('kubernetes.io/arch').values).toEqual(['amd64']);
      expect(pool.spec.template.spec.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
      expect(pool.spec.limits['nvidia.com/gpu']).toBe(String(env.spec.gpu.limits.gpus));
      expect(pool.spec.limits.cpu).toBeDefined();
      expect(pool.spec.limits.memory).toBeDefined();
      expect(pool.spec.disruption.consolidationPolicy).toBe('WhenEmpty');
      expect(pool.spec.disruption.budgets[0]).toEqual({ nodes: '1' });
      // GPU nodes never expire (forceful, outside the budget); AMIs reach them by drift.
      expect(pool.spec.template.spec.expireAfter).toBe('Never');
      expect(pool.spec.template.spec.terminationGracePeriod).toBeUndefined();
    }
    const prod = envs.find((e) => e.name === 'prod')!;
    expect(file(prod, 'manifests/platform/karpenter/nodepool-gpu.yaml').spec.disruption.budgets).toContainEqual({
      nodes: '0',
      schedule: '0 8 * * mon-fri',
      duration: '10h',
    });
    expect(
      file(
        envs.find((e) => e.name === 'dev')!,
        'manifests/platform/karpenter/nodepool-gpu.yaml',
      ).spec.disruption.budgets,
    ).toHaveLength(1);
  });

  test('node classes: pinned AMI alias, IMDSv2 only with hop limit 1, encrypted gp3, discovery by the cluster tag', () => {
    for (const env of envs) {
      for (const name of ['gpu', 'general']) {
        const nodeClass = file(env, `manifests/platform/karpenter/ec2nodeclass-${name}.yaml`).spec;
        expect(nodeClass.amiSelectorTerms).toEqual([{ alias: `${env.spec.karpenter.amiFamily}@${env.spec.karpenter.amiVersion}` }]);
        expect(nodeClass.amiSelectorTerms[0].alias).not.toMatch(/@latest$/);
        expect(nodeClass.metadataOptions).toEqual({
          httpEndpoint: 'enabled',
          httpProtocolIPv6: 'disabled',
          httpPutResponseHopLimit: 1,
          httpTokens: 'required',
        });
        for (const device of nodeClass.blockDeviceMappings) expect(device.ebs).toMatchObject({ encrypted: true, volumeType: 'gp3' });
        expect(nodeClass.subnetSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': env.spec.aws.clusterName } }]);
        expect(nodeClass.securityGroupSelectorTerms).toEqual(nodeClass.subnetSelectorTerms);
        expect(nodeClass.role).toBe(env.spec.karpenter.nodeRole);
      }
      const controller = helmApp(env, 'karpenter').spec.source.helm.valuesObject;
      expect(controller.settings).toEqual({
        clusterName: env.spec.aws.clusterName,
        interruptionQueue: env.spec.karpenter.interruptionQueue,
      });
    }
  });

  test('a general pool for CPU workloads carries no GPU taint', () => {
    for (const env of envs) {
      const pool = file(env, 'manifests/platform/karpenter/nodepool-general.yaml');
      expect(pool.spec.template.spec.taints).toBeUndefined();
      expect(pool.spec.limits.cpu).toBeDefined();
    }
  });
});

describe('GPU node agents', () => {
  test('the device plugin and DCGM exporter run only on NVIDIA GPU nodes and tolerate their taint', () => {
    for (const env of envs) {
      for (const name of ['nvidia-device-plugin', 'dcgm-exporter']) {
        const values = helmApp(env, name).spec.source.helm.valuesObject;
        expect(values.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
        expect(values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
          { matchExpressions: [{ key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] }] },
        ]);
      }
      expect(helmApp(env, 'dcgm-exporter').spec.source.helm.valuesObject.serviceMonitor).toMatchObject({
        enabled: true,
        honorLabels: true,
      });
    }
  });
});

describe('KEDA autoscaling', () => {
  test('every ScaledObject targets an existing Deployment (or LeaderWorkerSet) of its namespace, and no HPA targets one too', () => {
    for (const env of envs) {
      const workloads = [...objects(env, 'Deployment'), ...objects(env, 'Rollout'), ...objects(env, 'LeaderWorkerSet')];
      const scaled = objects(env, 'ScaledObject');
      // One per model server, one per static router (a canary router's Envoy pods scale by Istio's HPA), and the gateway's.
      const canaryRouters = objects(env, 'Gateway').length;
      expect(scaled.length).toBe(2 * Object.keys(env.spec.models).length - canaryRouters + 1);
      for (const so of scaled) {
        const ref = so.spec.scaleTargetRef;
        const target = workloads.find(
          (d) =>
            d.kind === ref.kind &&
            d.apiVersion === ref.apiVersion &&
            d.metadata.name === ref.name &&
            d.metadata.namespace === so.metadata.namespace,
        );
        expect(target, `${env.name}: ${so.metadata.name}`).toBeDefined();
        expect(target!.spec.replicas, 'the HPA owns the replica count').toBeUndefined();
      }
      expect(objects(env, 'HorizontalPodAutoscaler')).toEqual([]);
    }
  });

  test('triggers: vLLM waiting requests and KV-cache usage from Prometheus (never GPU utilisation), CPU and memory, and CloudWatch where configured', async () => {
    for (const env of envs) {
      const servers = objects(env, 'ScaledObject').filter(
        (o) => o.metadata.namespace.startsWith('llm-') && !o.metadata.name.endsWith('-router'),
      );
      expect(servers.length).toBe(Object.keys(env.spec.models).length);
      for (const so of servers) {
        const catalogue = fleet.models.get(so.metadata.name)!.spec.autoscaling;
        const byName = new Map(so.spec.triggers.map((t: Json) => [t.name ?? t.type, t]));
        expect((byName.get('request-queue') as Json).metadata.query).toBe(
          `sum(vllm:num_requests_waiting{namespace="${so.metadata.namespace}"})`,
        );
        expect((byName.get('request-queue') as Json).metadata.serverAddress).toBe(
          'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
        );
        expect(byName.get('kv-cache')).toMatchObject({
          metricType: 'Value',
          metadata: {
            query: `avg(vllm:kv_cache_usage_perc{namespace="${so.metadata.namespace}"})`,
            threshold: String(catalogue.kvCacheUtilization / 100),
            activationThreshold: String(catalogue.kvCacheActivation / 100),
          },
        });
        expect(JSON.stringify(so.spec.triggers)).not.toContain('DCGM_');
        expect(byName.get('cpu')).toMatchObject({ metricType: 'Utilization' });
        expect(byName.get('memory')).toMatchObject({ metricType: 'Utilization' });
        expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(600);
        expect(so.spec.fallback).toMatchObject({ failureThreshold: 3 });
      }
    }
    // The sample fleet scales on no CloudWatch metric; a queue a fork's workers drain, in prod:
    const fixture = await makeFixtureRepo();
    try {
      await fixture.edit(
        'clusters/prod/cluster.yaml',
        '      min: 2\n      max: 8\n',
        '      min: 2\n      max: 8\n    autoscaling:\n      cloudwatch:\n        namespace: AWS/SQS\n        metricName: ApproximateNumberOfMessagesVisible\n        dimensions:\n          QueueName: batch-jobs\n        target: 50\n',
      );
      const prod = renderAll(await fleetAt(fixture.root)).find((e) => e.name === 'prod')!;
      const small = file(prod, 'manifests/apps/llm-llama-3-1-8b-instruct/scaledobject-llama-3-1-8b-instruct.yaml');
      const cloudwatch = small.spec.triggers.find((t: Json) => t.type === 'aws-cloudwatch');
      expect(cloudwatch).toMatchObject({
        authenticationRef: { name: 'keda-aws' },
        metadata: {
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensionName: 'QueueName',
          dimensionValue: 'batch-jobs',
          targetMetricValue: '50',
          awsRegion: 'us-west-2',
        },
      });
      const auth = file(prod, 'manifests/apps/llm-llama-3-1-8b-instruct/triggerauthentication-keda-aws.yaml');
      expect(auth.spec).toEqual({ podIdentity: { provider: 'aws' } });
      // Without the trigger there is no TriggerAuthentication either.
      expect(
        envs.find((e) => e.name === 'prod')!.files.has('manifests/apps/llm-llama-3-1-8b-instruct/triggerauthentication-keda-aws.yaml'),
      ).toBe(false);
    } finally {
      await fixture.dispose();
    }
  });
});

describe('network policy', () => {
  test('every namespace we render has a default-deny policy of its own, for ingress and egress', () => {
    for (const env of envs) {
      const namespaces = objects(env, 'Namespace').map((n) => n.metadata.name);
      expect(namespaces.length).toBeGreaterThan(5);
      const policies = objects(env, 'NetworkPolicy');
      for (const namespace of namespaces) {
        const deny = policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === 'default-deny');
        expect(deny?.spec, `${env.name}/${namespace}`).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
        expect(
          policies.some((p) => p.metadata.namespace === namespace && p.metadata.name === 'allow-dns'),
          `${namespace} DNS`,
        ).toBe(true);
      }
    }
  });

  test("each serving flow is allowed by a policy: gateway to each model's router on 8081, the router to its servers on 8000, Prometheus to metrics, model servers to S3", () => {
    for (const env of envs) {
      const policies = objects(env, 'NetworkPolicy');
      for (const model of Object.keys(env.spec.models)) {
        const namespace = `llm-${model}`;
        const router = { 'app.kubernetes.io/name': 'router', 'app.kubernetes.io/instance': model };
        const fromGateway = policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === 'allow-gateway-to-router')!;
        expect(fromGateway.spec.podSelector).toEqual({ matchLabels: router });
        expect(fromGateway.spec.ingress).toEqual([
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } } }],
            ports: [{ port: 8081, protocol: 'TCP' }],
          },
        ]);
        // The gateway's egress reaches the router's pods only, never the model server's.
        const toModel = policies.find((p) => p.metadata.namespace === 'gateway' && p.metadata.name === `allow-to-${namespace}`)!;
        expect(toModel.spec.egress).toEqual([
          {
            to: [
              { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } }, podSelector: { matchLabels: router } },
            ],
            ports: [{ port: 8081, protocol: 'TCP' }],
          },
        ]);
        const fromRouter = policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === 'allow-router-to-model')!;
        expect(fromRouter.spec.ingress).toEqual([
          { from: [expect.objectContaining({ podSelector: { matchLabels: router } })], ports: [{ port: 8000, protocol: 'TCP' }] },
        ]);
        expect(fromRouter.spec.podSelector.matchLabels).toMatchObject({
          'app.kubernetes.io/name': 'vllm',
          'app.kubernetes.io/instance': model,
        });
        const scrape = policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === 'allow-prometheus-scrape')!;
        // Prometheus's pods only, not whatever else runs in the monitoring namespace.
        expect(scrape.spec.ingress[0].from).toEqual([
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', prometheus: 'kube-prometheus-stack-prometheus' } },
          },
        ]);
        expect(policies.some((p) => p.metadata.namespace === namespace && p.metadata.name === 'allow-https-egress')).toBe(true);
      }
    }
  });
});

describe('ingress and DNS', () => {
  test("the API Ingress is HTTPS-only with the environment's certificate, target type ip, and a long idle timeout", () => {
    for (const env of envs) {
      const ingress = file(env, 'manifests/apps/gateway/ingress-api.yaml');
      const a = ingress.metadata.annotations;
      expect(a['alb.ingress.kubernetes.io/certificate-arn']).toBe(env.spec.dns.certificateArn);
      expect(JSON.parse(a['alb.ingress.kubernetes.io/listen-ports'])).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
      expect(a['alb.ingress.kubernetes.io/ssl-redirect']).toBe('443');
      expect(a['alb.ingress.kubernetes.io/target-type']).toBe('ip');
      expect(a['alb.ingress.kubernetes.io/healthcheck-path']).toBe('/health/liveliness');
      expect(ingress.spec.ingressClassName).toBe('alb');
      expect(ingress.spec.tls).toEqual([{ hosts: [env.spec.dns.host] }]);
      expect(ingress.spec.rules[0].host).toBe(env.spec.dns.host);
      const params = file(env, 'manifests/platform/aws-load-balancer/ingressclassparams-alb.yaml').spec;
      expect(params.scheme).toBe(env.spec.ingress.scheme);
      expect(params.loadBalancerAttributes).toContainEqual({ key: 'idle_timeout.timeout_seconds', value: '660' });
      expect(params.sslPolicy).toMatch(/^ELBSecurityPolicy-TLS13/);
      const controller = helmApp(env, 'aws-load-balancer-controller').spec.source.helm.valuesObject;
      expect(controller).toMatchObject({
        clusterName: env.spec.aws.clusterName,
        region: env.spec.aws.region,
        vpcId: env.spec.network.vpcId,
      });
    }
  });

  test("external-dns manages only the environment's zone, owned by the cluster; production never deletes records", () => {
    for (const env of envs) {
      const values = helmApp(env, 'external-dns').spec.source.helm.valuesObject;
      expect(values.domainFilters).toEqual([env.spec.dns.zone]);
      expect(values.txtOwnerId).toBe(env.spec.aws.clusterName);
      expect(values.policy).toBe(env.name === 'prod' ? 'upsert-only' : 'sync');
      expect(values.provider).toEqual({ name: 'aws' });
    }
  });
});

describe('storage, scheduling and observability', () => {
  test("StorageClass efs-sc provisions EFS access points owned by the model servers' UID on the configured file system", () => {
    for (const env of envs) {
      const sc = file(env, 'manifests/platform/storage/storageclass-efs-sc.yaml');
      expect(sc.provisioner).toBe('efs.csi.aws.com');
      expect(sc.parameters).toMatchObject({
        provisioningMode: 'efs-ap',
        fileSystemId: env.spec.storage.efsFileSystemId,
        uid: '1000',
        gid: '1000',
      });
      expect(sc.reclaimPolicy).toBe('Retain');
    }
  });

  test("priority classes for serving and batch exist, and the ServiceMonitors select the model servers' and routers' Services", () => {
    for (const env of envs) {
      expect(file(env, 'manifests/platform/scheduling/priorityclass-llm-serving.yaml').value).toBeGreaterThan(
        file(env, 'manifests/platform/scheduling/priorityclass-llm-batch.yaml').value,
      );
      // The canary guard's monitor exists where a canary can run.
      const monitors = ['vllm', 'router', 'endpoint-picker', ...(env.spec.canary ? ['canary-guard'] : [])].map((name) =>
        file(env, `manifests/platform/monitoring/servicemonitor-${name}.yaml`),
      );
      // A canary's tracks' Services (the same pods as the server's) and its Gateway's (Istio's
      // Envoy pods, scraped by the istio-gateway PodMonitor) are scraped through no monitor.
      const unscraped = ['rollout-track', 'istio-gateway'];
      const all = objects(env, 'Service').filter((s) => s.metadata.namespace.startsWith('llm-'));
      const services = all.filter(
        (s) =>
          !unscraped.includes(s.metadata.labels['app.kubernetes.io/component']) &&
          !unscraped.includes(s.metadata.labels['app.kubernetes.io/name']),
      );
      // Each model's namespace has its server's Service and its router's (a canary router's: a picker's per track); each is
      // scraped, by one monitor. Unscraped: a canary router's Gateway Service, and a Rollout's two track Services.
      const canaryRouters = objects(env, 'Gateway').length;
      const rollouts = objects(env, 'Rollout').length;
      // And a multi-node model's canary guard (its /metrics).
      const guards = objects(env, 'Deployment').filter((d) => d.metadata.name === 'canary-guard').length;
      expect(guards).toBe(env.spec.canary ? 1 : 0);
      expect(services.length).toBe(2 * Object.keys(env.spec.models).length + canaryRouters + guards);
      expect(all.length - services.length).toBe(canaryRouters + 2 * rollouts);
      expect(file(env, 'manifests/platform/monitoring/podmonitor-istio-gateway.yaml').spec.podMetricsEndpoints[0].port).toBe(
        'http-envoy-prom',
      );
      for (const service of services) {
        const selecting = monitors.filter((m) =>
          Object.entries(m.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels[k] === v),
        );
        expect(selecting.length, service.metadata.name).toBe(1);
        for (const endpoint of selecting[0]!.spec.endpoints) expect(service.spec.ports.map((p: Json) => p.name)).toContain(endpoint.port);
      }
    }
  });
});

/**
 * Pod templates whose vpc.amazonaws.com/efa request no node of their pool can offer, as Karpenter
 * v1.14.1 counts a node's EFA capacity (pkg/providers/instancetype/types.go, efas()): the
 * efa-only entries of its EC2NodeClass's networkInterfaces when the class lists any, else the
 * instance type's maximum (GPU_INSTANCE_FAMILIES, for the families the pod may land on).
 */
function efaShortfalls(env: Env): string[] {
  const templates = objects(env).flatMap((o) => {
    if (o.kind === 'LeaderWorkerSet') {
      const lwt = o.spec.leaderWorkerTemplate;
      return [lwt.leaderTemplate, lwt.workerTemplate]
        .filter(Boolean)
        .map((t: Json) => ({ name: `${o.kind}/${o.metadata.name}`, spec: t.spec }));
    }
    return o.spec?.template?.spec ? [{ name: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }] : [];
  });
  const problems: string[] = [];
  for (const { name, spec } of templates) {
    for (const container of (Array.isArray(spec.containers) ? spec.containers : []) as Json[]) {
      const wanted = Number(container.resources?.limits?.['vpc.amazonaws.com/efa'] ?? 0);
      if (wanted === 0) continue;
      const poolName = spec.nodeSelector?.['karpenter.sh/nodepool'];
      const pool = objects(env, 'NodePool').find((p) => p.metadata.name === poolName);
      if (!pool) {
        problems.push(`${name}: requests EFA without a karpenter.sh/nodepool it can land on`);
        continue;
      }
      const nodeClass = objects(env, 'EC2NodeClass').find((c) => c.metadata.name === pool.spec.template.spec.nodeClassRef.name)!;
      const podFamilies: string[] | undefined =
        spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
          ?.flatMap((t: Json) => t.matchExpressions ?? [])
          .find((e: Json) => e.key === 'karpenter.k8s.aws/instance-family')?.values;
      const poolFamilies: string[] = pool.spec.template.spec.requirements.find(
        (r: Json) => r.key === 'karpenter.k8s.aws/instance-family',
      ).values;
      const families = poolFamilies.filter((f) => !podFamilies || podFamilies.includes(f));
      const offered = (family: string) =>
        nodeClass.spec.networkInterfaces
          ? nodeClass.spec.networkInterfaces.filter((n: Json) => n.interfaceType === 'efa-only').length
          : (GPU_INSTANCE_FAMILIES[family]?.efaInterfaces ?? 0);
      if (!families.some((f) => offered(f) >= wanted)) {
        problems.push(
          `${name}: requests ${wanted} EFA interfaces; pool ${poolName} offers ${families.map((f) => `${f} ${offered(f)}`).join(', ')}`,
        );
      }
    }
  }
  return problems;
}

describe('EFA capacity', () => {
  test("every pod that asks for EFA interfaces fits a node of its pool, as Karpenter counts the node's interfaces", () => {
    for (const env of envs) expect(efaShortfalls(env), env.name).toEqual([]);
    // The 405B asks for every interface of a p5.48xlarge, so the check is not vacuous.
    const prod = envs.find((e) => e.name === 'prod')!;
    expect(
      objects(prod, 'LeaderWorkerSet').some(
        (l) => l.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].resources.limits['vpc.amazonaws.com/efa'] === 32,
      ),
    ).toBe(true);
  });

  test('a class that lists its network interfaces caps the EFA interfaces a node offers at its efa-only entries', () => {
    const prod = envs.find((e) => e.name === 'prod')!;
    const nodeClass = objects(prod, 'EC2NodeClass').find((c) => c.metadata.name === 'gpu-efa')!;
    const listed: Env = {
      ...prod,
      files: new Map(
        [...prod.files].map(([f, o]) =>
          o === nodeClass
            ? [
                f,
                {
                  ...o,
                  spec: {
                    ...o.spec,
                    networkInterfaces: [
                      { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' },
                      { networkCardIndex: 1, deviceIndex: 0, interfaceType: 'efa-only' },
                    ],
                  },
                },
              ]
            : [f, o],
        ),
      ),
    };
    expect(efaShortfalls(listed).join('\n')).toMatch(/requests 32 EFA interfaces; pool gpu-efa offers p5 1/);
  });

  test('a model that needs EFA gets the gpu-efa pool, EFA interfaces and the EFA device plugin', async ({ onTestFinished }) => {
    const repo = await makeFixtureRepo();
    onTestFinished(() => repo.dispose());
    await repo.edit('apps/models/llama-3-3-70b-instruct.yaml', '  count: 8\n', '  count: 8\n  efa: true\n');
    // One EFA pool now holds both models' upgrades: the 70B's canary surge and the 405B's staged canary.
    await repo.edit('clusters/prod/cluster.yaml', '    gpus: 96\n', '    gpus: 104\n');
    await repo.edit('clusters/staging/cluster.yaml', '    gpus: 64\n', '    gpus: 72\n');
    const prod = renderAll(await fleetAt(repo.root)).find((e) => e.name === 'prod')!;
    const pool = file(prod, 'manifests/platform/karpenter/nodepool-gpu-efa.yaml');
    expect(pool.spec.template.spec.requirements.find((r: Json) => r.key === 'karpenter.k8s.aws/instance-family').values).toEqual([
      'g6e',
      'p4d',
      'p5',
    ]);
    expect(efaShortfalls(prod)).toEqual([]);
    expect(helmApp(prod, 'aws-efa-k8s-device-plugin').spec.source.helm.valuesObject.nodeSelector).toEqual({
      'karpenter.sh/nodepool': 'gpu-efa',
    });
    // In prod the 70B upgrades by canary: its Rollout's pods.
    const rollout = file(prod, 'manifests/apps/llm-llama-3-3-70b-instruct/rollout-llama-3-3-70b-instruct.yaml');
    expect(rollout.spec.template.spec.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'gpu-efa' });
  });
});

describe('vendored CRD schemas', () => {
  test('every custom resource kind the fleet renders (either engine) has a vendored schema', async () => {
    const kinds = await renderedCustomKinds(fleet);
    expect(kinds.map((k) => k.kind)).toEqual(
      expect.arrayContaining([
        'NodePool',
        'EC2NodeClass',
        'ScaledObject',
        'Application',
        'HelmRelease',
        'IngressClassParams',
        'ServiceMonitor',
      ]),
    );
    for (const kind of kinds)
      expect(existsSync(vendoredFile(REPO_ROOT, kind)), `${kind.apiVersion}/${kind.kind}: run npm run schemas:vendor`).toBe(true);
  });
});
