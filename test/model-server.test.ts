import { beforeAll, describe, expect, test } from 'vitest';
import { load } from 'js-yaml';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { parseBytes } from '../platform/spec/quantity.js';
import { findDrift } from '../scripts/lib/render/drift.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { FLEET_ROOT } from './helpers/fixture-repo.js';

/* Properties of the rendered model servers that matter on a GPU cluster, asserted on the YAML
 * the renderer writes for every model in every environment of the sample fleet. */

type Json = Record<string, any>;

let fleet: Fleet;
const servers: Array<{ env: string; model: string; objects: Map<string, Json> }> = [];

beforeAll(async () => {
  const loaded = await loadFleet(FLEET_ROOT);
  if (!loaded.ok) throw new Error(`sample fleet does not load: ${JSON.stringify(loaded.problems)}`);
  fleet = loaded.fleet;
  for (const env of fleet.environments.keys()) {
    const rendered = renderEnvironment(fleet, env);
    for (const model of Object.keys(fleet.environments.get(env)!.spec.models)) {
      const folder = `manifests/apps/llm-${model}/`;
      const objects = new Map<string, Json>();
      for (const [file, text] of rendered.files) {
        if (file.startsWith(folder)) objects.set(file.slice(folder.length), load(text) as Json);
      }
      servers.push({ env, model, objects });
    }
  }
});

const cases = () => servers.map((s) => ({ ...s, name: `${s.env}/${s.model}` }));

/** The model server's workload: a Deployment, or a LeaderWorkerSet for a model on several nodes. */
function workloadOf(server: { model: string; objects: Map<string, Json> }): Json {
  const workload =
    server.objects.get(`deployment-${server.model}.yaml`) ??
    server.objects.get(`rollout-${server.model}.yaml`) ??
    server.objects.get(`leaderworkerset-${server.model}.yaml`);
  expect(workload, 'deployment, rollout or leaderworkerset file').toBeDefined();
  return workload!;
}

/** Its pod templates: the Deployment's, or the group's leader and worker. */
function templatesOf(server: { model: string; objects: Map<string, Json> }): Json[] {
  const workload = workloadOf(server);
  if (workload.kind === 'Deployment' || workload.kind === 'Rollout') return [workload.spec.template];
  return [workload.spec.leaderWorkerTemplate.leaderTemplate, workload.spec.leaderWorkerTemplate.workerTemplate];
}

/** The template of the pod that serves the API (the only one, or the leader). */
const servingTemplate = (server: { model: string; objects: Map<string, Json> }): Json => templatesOf(server)[0]!;

function vllm(template: Json): Json {
  return template.spec.containers.find((c: Json) => c.name === 'vllm');
}

/** The files of a model's folder (network policies and trigger authentications aside): its server, and its router of either kind. */
function expectedFiles(server: { env: string; model: string; objects: Map<string, Json> }): string[] {
  const m = server.model;
  const multiNode = fleet.models.get(m)!.spec.gpu.nodes > 1;
  // A Rollout's canary, or a multi-node model's staged one: the router behind a Gateway, two tracks.
  const rollout = server.objects.has(`rollout-${m}.yaml`);
  const canary = server.objects.has(`gateway-${m}-router.yaml`);
  const perTrack = (prefix: string, suffix = '-picker') => [`${prefix}-${m}-canary${suffix}.yaml`, `${prefix}-${m}-stable${suffix}.yaml`];
  const router = canary
    ? [
        ...(rollout ? [`analysistemplate-${m}-slo.yaml`] : []),
        ...perTrack('configmap'),
        `configmap-${m}-router-gateway.yaml`,
        ...perTrack('deployment'),
        ...perTrack('destinationrule'),
        `gateway-${m}-router.yaml`,
        `httproute-${m}.yaml`,
        ...perTrack('inferencepool', ''),
        ...perTrack('poddisruptionbudget'),
        ...perTrack('role'),
        ...perTrack('rolebinding'),
        ...(rollout ? [`rollout-${m}.yaml`] : []),
        ...perTrack('service'),
        ...(rollout ? perTrack('service', '') : []),
        `service-${m}-router.yaml`,
        ...perTrack('serviceaccount'),
      ]
    : [
        `configmap-${m}-router.yaml`,
        `deployment-${m}-router.yaml`,
        ...(multiNode ? [] : [`deployment-${m}.yaml`]),
        `inferencepool-${m}.yaml`,
        `poddisruptionbudget-${m}-router.yaml`,
        `role-${m}-router.yaml`,
        `rolebinding-${m}-router.yaml`,
        `scaledobject-${m}-router.yaml`,
        `service-${m}-router.yaml`,
        `serviceaccount-${m}-router.yaml`,
      ];
  // A multi-node model's staged canary has its guard (apps/canary-guard/): it writes the route's weights.
  const guard =
    canary && !rollout
      ? [
          'configmap',
          'deployment',
          'poddisruptionbudget',
          'podsecuritygroup',
          'role',
          'rolebinding',
          'securitygroup',
          'service',
          'serviceaccount',
        ].map((kind) => `${kind}-canary-guard.yaml`)
      : [];
  return [
    ...router,
    ...guard,
    'kustomization.yaml',
    ...(multiNode ? [`leaderworkerset-${m}.yaml`] : []),
    `namespace-llm-${m}.yaml`,
    'persistentvolumeclaim-model-cache.yaml',
    `poddisruptionbudget-${m}.yaml`,
    `podidentityassociation-model-${m}.yaml`,
    'podsecuritygroup-model-server.yaml',
    'podsecuritygroup-router.yaml',
    `role-${fleet.environments.get(server.env)!.spec.aws.clusterName}-model-${m}.yaml`,
    `scaledobject-${m}.yaml`,
    'securitygroup-model-server.yaml',
    'securitygroup-router.yaml',
    `service-${m}.yaml`,
    `serviceaccount-${m}.yaml`,
  ].sort();
}

describe('every model server in every environment', () => {
  test('the sample fleet has 3 models in each of 3 environments', () => {
    expect(
      cases()
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      'dev/llama-3-1-405b-instruct',
      'dev/llama-3-1-8b-instruct',
      'dev/llama-3-3-70b-instruct',
      'prod/llama-3-1-405b-instruct',
      'prod/llama-3-1-8b-instruct',
      'prod/llama-3-3-70b-instruct',
      'staging/llama-3-1-405b-instruct',
      'staging/llama-3-1-8b-instruct',
      'staging/llama-3-3-70b-instruct',
    ]);
  });

  test('renders its namespace, service account, cache claim, deployment, service, PDB, ScaledObject, security group and network policies', () => {
    for (const server of servers) {
      const files = [...server.objects.keys()].sort();
      expect(
        files.filter((f) => !f.startsWith('networkpolicy-') && !f.startsWith('triggerauthentication-')),
        server.model,
      ).toEqual(expectedFiles(server));
      const group =
        fleet.models.get(server.model)!.spec.gpu.nodes > 1
          ? ['networkpolicy-allow-group-egress.yaml', 'networkpolicy-allow-group.yaml']
          : [];
      // A canary's router (Istio's Envoy and a picker per track) adds its own flows.
      const gateway = server.objects.has(`gateway-${server.model}-router.yaml`)
        ? ['pickers-reach-model', 'pickers-to-model', 'router-reaches-istiod', 'router-reaches-pickers', 'router-to-pickers']
        : [];
      // A staged canary (no Rollout) has a guard that queries Prometheus.
      const guard =
        server.objects.has(`gateway-${server.model}-router.yaml`) && !server.objects.has(`rollout-${server.model}.yaml`)
          ? ['networkpolicy-allow-canary-guard-queries-prometheus.yaml']
          : [];
      expect(files.filter((f) => f.startsWith('networkpolicy-'))).toEqual(
        [
          'networkpolicy-allow-dns.yaml',
          ...guard,
          'networkpolicy-allow-gateway-to-router.yaml',
          ...group,
          'networkpolicy-allow-https-egress.yaml',
          'networkpolicy-allow-pod-identity-agent.yaml',
          'networkpolicy-allow-prometheus-scrape.yaml',
          'networkpolicy-allow-router-reaches-model.yaml',
          'networkpolicy-allow-router-to-model.yaml',
          'networkpolicy-default-deny.yaml',
          ...gateway.map((flow) => `networkpolicy-allow-${flow}.yaml`),
        ].sort(),
      );
    }
  });

  test('GPU requests equal limits equal gpu.count on every pod, which tolerates the GPU taint and selects the GPU pool (EFA pool across nodes)', () => {
    for (const server of servers) {
      const spec = fleet.models.get(server.model)!.spec;
      for (const template of templatesOf(server)) {
        const resources = vllm(template).resources;
        expect(resources.limits['nvidia.com/gpu']).toBe(spec.gpu.count);
        expect(resources.requests['nvidia.com/gpu']).toBe(spec.gpu.count);
        expect(resources.requests).toEqual(resources.limits);
        expect(template.spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
        expect(template.spec.nodeSelector).toEqual({ 'karpenter.sh/nodepool': spec.gpu.efa ? 'gpu-efa' : 'gpu' });
      }
    }
  });

  test('node affinity allows only instance families both the model and the environment allow', () => {
    for (const server of servers) {
      const model = fleet.models.get(server.model)!.spec;
      const env = fleet.environments.get(server.env)!.spec;
      const terms = servingTemplate(server).spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      const families: string[] = terms[0].matchExpressions.find((e: Json) => e.key === 'karpenter.k8s.aws/instance-family').values;
      expect(families.length).toBeGreaterThan(0);
      for (const family of families) {
        expect(model.gpu.instanceFamilies).toContain(family);
        expect(env.gpu.instanceFamilies).toContain(family);
      }
    }
  });

  test('probes: a start-up budget that covers the time-to-ready estimate twice, then readiness and liveness on /health', () => {
    for (const server of servers) {
      const workload = workloadOf(server);
      const container = vllm(servingTemplate(server));
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect(container[probe].httpGet, probe).toEqual({ path: '/health', port: 'http' });
      }
      const estimate = JSON.parse(workload.metadata.annotations['eks-llm-gitops.io/time-to-ready']);
      const budget = container.startupProbe.periodSeconds * container.startupProbe.failureThreshold;
      expect(budget, `${server.env}/${server.model}`).toBeGreaterThanOrEqual(Math.max(300, 2 * estimate.engineStartSeconds));
      expect(budget, `${server.env}/${server.model}`).toBeLessThan(Math.max(300, 2 * estimate.engineStartSeconds) + 10);
      // A rollout must not be declared failed while the first replica of a version comes up.
      if (workload.kind === 'Deployment' || workload.kind === 'Rollout')
        expect(workload.spec.progressDeadlineSeconds).toBeGreaterThanOrEqual(2 * estimate.firstReplicaSeconds);
    }
    // The 70B loads more weights than the 8B: a longer budget.
    const budgetOf = (model: string) => {
      const probe = vllm(servingTemplate(servers.find((s) => s.model === model)!)).startupProbe;
      return probe.periodSeconds * probe.failureThreshold;
    };
    expect(budgetOf('llama-3-1-8b-instruct')).toBeLessThan(budgetOf('llama-3-3-70b-instruct'));
  });

  test('stopping drains: preStop sleeps, and the grace period outlasts the sleep', () => {
    for (const server of servers) {
      for (const template of templatesOf(server)) {
        const sleep = vllm(template).lifecycle.preStop.sleep.seconds;
        expect(sleep).toBeGreaterThanOrEqual(60);
        expect(template.spec.terminationGracePeriodSeconds).toBeGreaterThan(sleep);
      }
    }
  });

  test('/dev/shm is a memory emptyDir whose size the memory limit accounts for', () => {
    for (const server of servers) {
      const model = fleet.models.get(server.model)!.spec;
      for (const template of templatesOf(server)) {
        const shm = template.spec.volumes.find((v: Json) => v.name === 'shm');
        expect(shm.emptyDir.medium).toBe('Memory');
        const shmBytes = parseBytes(shm.emptyDir.sizeLimit)!;
        expect(shmBytes).toBeGreaterThan(0);
        expect(vllm(template).volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
        const limit = parseBytes(vllm(template).resources.limits.memory)!;
        expect(limit).toBe(parseBytes(model.resources.memory)! + shmBytes);
      }
    }
    const large = servers.find((s) => s.model === 'llama-3-3-70b-instruct')!;
    expect(servingTemplate(large).spec.volumes.find((v: Json) => v.name === 'shm').emptyDir.sizeLimit).toBe('16Gi');
  });

  test('weights: from EFS (read-only, filled by a digest-pinned init container for this version only) or streamed from S3; compile caches persist per version', () => {
    for (const server of servers) {
      const model = fleet.models.get(server.model)!.spec;
      const version = fleet.environments.get(server.env)!.spec.models[server.model]!.version;
      for (const template of templatesOf(server)) {
        const pod = template.spec;
        const mounts = vllm(template).volumeMounts;
        expect(pod.volumes).toContainEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: 'model-cache' } });
        expect(mounts).toContainEqual({ name: 'model-cache', mountPath: '/var/cache/vllm', subPath: `.compile-cache/${version}` });
        expect(vllm(template).env).toContainEqual({ name: 'VLLM_CACHE_ROOT', value: '/var/cache/vllm' });
        if (model.loading.from === 's3') {
          // Nothing to copy first: the streamer reads S3 with the pod's own (Pod Identity) credentials.
          expect(pod.initContainers, `${server.env}/${server.model}`).toBeUndefined();
          expect(mounts.find((m: Json) => m.mountPath === '/model-cache')).toBeUndefined();
          continue;
        }
        expect(mounts).toContainEqual({ name: 'model-cache', mountPath: '/model-cache', readOnly: true });
        const fill = pod.initContainers[0];
        expect(fill.env).toContainEqual({ name: 'MODEL_SOURCE', value: `${model.source}/${version}/` });
        expect(fill.env).toContainEqual({ name: 'CACHE_DIR', value: `/model-cache/${version}` });
        expect(fill.env).toContainEqual({ name: 'MODEL_DIGEST', value: model.versions[version]!.digest });
        expect(fill.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
        expect(fill.command[2]).toContain('.complete');
      }
      const claim = server.objects.get('persistentvolumeclaim-model-cache.yaml')!;
      expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
      expect(claim.spec.storageClassName).toBe('efs-sc');
    }
  });

  test('pod and containers run restricted: non-root, no escalation, no capabilities, RuntimeDefault seccomp, read-only root', () => {
    for (const server of servers)
      for (const template of templatesOf(server)) {
        const pod = template.spec;
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.hostNetwork ?? false).toBe(false);
        for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
          expect(container.securityContext, container.name).toEqual({
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          });
          // uid 1000 has no passwd entry in either image: getpass.getuser() needs LOGNAME/USER (SEC-008).
          const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value]));
          expect(pod.securityContext.runAsUser, container.name).toBe(1000);
          expect(env, container.name).toMatchObject({ HOME: '/tmp', USER: 'vllm', LOGNAME: 'vllm' });
          const writable = container.volumeMounts.filter((m: Json) => !m.readOnly).map((m: Json) => m.name);
          for (const name of writable) {
            const volume = pod.volumes.find((v: Json) => v.name === name);
            // The server writes only its compile cache (a folder of the version's own) on the volume.
            const compileCache =
              container.name === 'vllm' &&
              container.volumeMounts.some((m: Json) => m.name === name && m.subPath?.startsWith('.compile-cache/'));
            expect(
              volume.emptyDir ?? (container.name === 'model-cache-fill' || compileCache ? volume.persistentVolumeClaim : undefined),
              `${container.name} writes to ${name}`,
            ).toBeDefined();
          }
        }
        const namespace = server.objects.get(`namespace-llm-${server.model}.yaml`)!;
        expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
        expect(server.objects.get(`serviceaccount-${server.model}.yaml`)!.automountServiceAccountToken).toBe(false);
      }
  });

  test('every image is pinned by digest, and none is pulled from Docker Hub directly', () => {
    for (const server of servers)
      for (const template of templatesOf(server)) {
        const pod = template.spec;
        const containers = [...pod.containers, ...(pod.initContainers ?? [])];
        for (const container of containers) {
          expect(container.image, container.name).toMatch(/^[a-z0-9.-]+\/[a-z0-9./_-]+@sha256:[a-f0-9]{64}$/);
          expect(container.imagePullPolicy).toBe('IfNotPresent');
          expect(container.image).not.toMatch(/^docker\.io\//);
        }
        // Docker Hub through the environment's ECR pull-through cache, by the catalogue's digest.
        const { aws } = fleet.environments.get(server.env)!.spec;
        const engine = fleet.models.get(server.model)!.spec.engine;
        const repository = engine.image.startsWith('docker.io/')
          ? `${aws.accountId}.dkr.ecr.${aws.region}.amazonaws.com/docker-hub/${engine.image.slice('docker.io/'.length)}`
          : engine.image;
        expect(vllm(template).image).toBe(`${repository}@${engine.digest}`);
      }
  });

  test('recommended labels everywhere; selectors use only stable labels, never the version', () => {
    for (const server of servers) {
      const version = fleet.environments.get(server.env)!.spec.models[server.model]!.version;
      const deployment = workloadOf(server);
      const stable = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': server.model };
      expect(deployment.metadata.labels).toEqual({
        ...stable,
        'app.kubernetes.io/version': version,
        'app.kubernetes.io/component': 'model-server',
        'app.kubernetes.io/part-of': 'llm-platform',
        'app.kubernetes.io/managed-by': 'eks-llm-gitops',
      });
      // The pods' labels are the workload's; a staged canary's stable set adds its track, which its pool selects.
      const staged = deployment.kind === 'LeaderWorkerSet' && server.objects.has(`gateway-${server.model}-router.yaml`);
      for (const template of templatesOf(server))
        expect(template.metadata.labels).toEqual({
          ...deployment.metadata.labels,
          ...(staged ? { 'eks-llm-gitops.io/track': 'stable' } : {}),
        });
      const service = server.objects.get(`service-${server.model}.yaml`)!;
      if (deployment.kind === 'Deployment' || deployment.kind === 'Rollout') {
        expect(deployment.spec.selector).toEqual({ matchLabels: stable });
        expect(service.spec.selector).toEqual(stable);
      } else {
        // Only a group's leader serves the API.
        expect(service.spec.selector).toEqual({ ...stable, 'leaderworkerset.sigs.k8s.io/worker-index': '0' });
      }
      const pdb = server.objects.get(`poddisruptionbudget-${server.model}.yaml`)!;
      expect(pdb.spec.selector).toEqual({ matchLabels: stable });
      for (const [file, object] of server.objects) {
        if (file === 'kustomization.yaml' || object.kind === 'NetworkPolicy') continue;
        expect(object.metadata.labels['app.kubernetes.io/instance'], file).toBe(server.model);
      }
    }
  });

  test('pods are shielded from Karpenter while they load (then drift may move them), spread over zones (one zone per group), and rolled out one surge at a time', () => {
    for (const server of servers) {
      const workload = workloadOf(server);
      for (const template of templatesOf(server)) {
        // A duration, never "true" (which would keep GPU nodes on their first AMI): the start-up budget.
        const shield = template.metadata.annotations['karpenter.sh/do-not-disrupt'];
        expect(shield).toMatch(/^\d+s$/);
        const startup = vllm(servingTemplate(server)).startupProbe;
        expect(Number(shield.slice(0, -1))).toBe(startup.periodSeconds * startup.failureThreshold);
        expect(template.spec.priorityClassName).toBe('llm-serving');
      }
      if (workload.kind === 'Deployment' || workload.kind === 'Rollout') {
        expect(workload.spec.template.spec.topologySpreadConstraints).toContainEqual(
          expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, labelSelector: workload.spec.selector }),
        );
        // A canary's surge is its steps' (test/canary.test.ts); a rolling update's is one replica.
        if (workload.kind === 'Deployment') expect(workload.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
        else expect(workload.spec.strategy.canary.dynamicStableScale).toBe(true);
      } else {
        // EFA stays within a zone: every pod of a group has affinity to its own group's zone.
        for (const template of templatesOf(server))
          expect(template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
            {
              labelSelector: { matchLabels: { 'leaderworkerset.sigs.k8s.io/name': server.model } },
              matchLabelKeys: ['leaderworkerset.sigs.k8s.io/group-key'],
              topologyKey: 'topology.kubernetes.io/zone',
            },
          ]);
        expect(workload.spec.rolloutStrategy.rollingUpdateConfiguration).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      }
      // KEDA's HPA owns the replica count between the environment's bounds.
      expect(workload.spec.replicas).toBeUndefined();
      const bounds = fleet.environments.get(server.env)!.spec.models[server.model]!.replicas;
      const scaled = server.objects.get(`scaledobject-${server.model}.yaml`)!;
      expect([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount]).toEqual([bounds.min, bounds.max]);
      expect(scaled.spec.scaleTargetRef).toMatchObject({ kind: workload.kind, name: server.model });
    }
  });

  test('Service exposes port http 8000 in-cluster, and the PDB lets one replica go at a time', () => {
    for (const server of servers) {
      const service = server.objects.get(`service-${server.model}.yaml`)!;
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000 }]);
      expect(vllm(servingTemplate(server)).ports[0]).toEqual({ name: 'http', containerPort: 8000, protocol: 'TCP' });
      const pdb = server.objects.get(`poddisruptionbudget-${server.model}.yaml`)!;
      expect(pdb.spec.maxUnavailable).toBe(1);
    }
  });

  test('each component kustomization lists exactly the files of its folder', () => {
    for (const server of servers) {
      const kustomization = server.objects.get('kustomization.yaml')!;
      expect(kustomization.kind).toBe('Kustomization');
      expect(kustomization.resources).toEqual([...server.objects.keys()].filter((f) => f !== 'kustomization.yaml').sort());
    }
  });
});

describe('the committed manifests', () => {
  test('equal a fresh render of the committed inputs', async () => {
    for (const env of fleet.environments.keys()) {
      expect(await findDrift(FLEET_ROOT, renderEnvironment(fleet, env)), env).toEqual([]);
    }
  });
});
