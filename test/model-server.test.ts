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

function deploymentOf(server: { model: string; objects: Map<string, Json> }): Json {
  const deployment = server.objects.get(`deployment-${server.model}.yaml`);
  expect(deployment, 'deployment file').toBeDefined();
  return deployment!;
}

function vllm(deployment: Json): Json {
  return deployment.spec.template.spec.containers.find((c: Json) => c.name === 'vllm');
}

describe('every model server in every environment', () => {
  test('the sample fleet has 2 models in each of 3 environments', () => {
    expect(
      cases()
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      'dev/llama-3-1-8b-instruct',
      'dev/llama-3-3-70b-instruct',
      'prod/llama-3-1-8b-instruct',
      'prod/llama-3-3-70b-instruct',
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
      ).toEqual([
        `deployment-${server.model}.yaml`,
        'kustomization.yaml',
        `namespace-llm-${server.model}.yaml`,
        'persistentvolumeclaim-model-cache.yaml',
        `poddisruptionbudget-${server.model}.yaml`,
        `podidentityassociation-model-${server.model}.yaml`,
        'podsecuritygroup-model-server.yaml',
        `role-${fleet.environments.get(server.env)!.spec.aws.clusterName}-model-${server.model}.yaml`,
        `scaledobject-${server.model}.yaml`,
        'securitygroup-model-server.yaml',
        `service-${server.model}.yaml`,
        `serviceaccount-${server.model}.yaml`,
      ]);
      expect(files.filter((f) => f.startsWith('networkpolicy-'))).toEqual([
        'networkpolicy-allow-dns.yaml',
        'networkpolicy-allow-gateway.yaml',
        'networkpolicy-allow-https-egress.yaml',
        'networkpolicy-allow-pod-identity-agent.yaml',
        'networkpolicy-allow-prometheus-scrape.yaml',
        'networkpolicy-default-deny.yaml',
      ]);
    }
  });

  test('GPU requests equal limits equal gpu.count, and the pod tolerates the GPU taint and selects the GPU pool', () => {
    for (const server of servers) {
      const spec = fleet.models.get(server.model)!.spec;
      const pod = deploymentOf(server).spec.template.spec;
      const resources = vllm(deploymentOf(server)).resources;
      expect(resources.limits['nvidia.com/gpu']).toBe(spec.gpu.count);
      expect(resources.requests['nvidia.com/gpu']).toBe(spec.gpu.count);
      expect(resources.requests).toEqual(resources.limits);
      expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
      expect(pod.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'gpu' });
    }
  });

  test('node affinity allows only instance families both the model and the environment allow', () => {
    for (const server of servers) {
      const model = fleet.models.get(server.model)!.spec;
      const env = fleet.environments.get(server.env)!.spec;
      const terms =
        deploymentOf(server).spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      const families: string[] = terms[0].matchExpressions.find((e: Json) => e.key === 'karpenter.k8s.aws/instance-family').values;
      expect(families.length).toBeGreaterThan(0);
      for (const family of families) {
        expect(model.gpu.instanceFamilies).toContain(family);
        expect(env.gpu.instanceFamilies).toContain(family);
      }
    }
  });

  test('probes: a start-up budget scaled to model size, then readiness and liveness on /health', () => {
    const budgets = new Map<string, number>();
    for (const server of servers) {
      const container = vllm(deploymentOf(server));
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect(container[probe].httpGet, probe).toEqual({ path: '/health', port: 'http' });
      }
      const startup = container.startupProbe;
      budgets.set(server.model, startup.periodSeconds * startup.failureThreshold);
    }
    // A 70B model may take 20 minutes to load; an 8B one a few.
    expect(budgets.get('llama-3-3-70b-instruct')).toBeGreaterThanOrEqual(20 * 60);
    expect(budgets.get('llama-3-1-8b-instruct')).toBeGreaterThanOrEqual(5 * 60);
    expect(budgets.get('llama-3-1-8b-instruct')).toBeLessThan(budgets.get('llama-3-3-70b-instruct')!);
    for (const server of servers) {
      const deployment = deploymentOf(server);
      const budget = budgets.get(server.model)!;
      expect(deployment.spec.progressDeadlineSeconds, 'a rollout must not be declared failed while the model loads').toBeGreaterThan(
        budget,
      );
    }
  });

  test('stopping drains: preStop sleeps, and the grace period outlasts the sleep', () => {
    for (const server of servers) {
      const deployment = deploymentOf(server);
      const sleep = vllm(deployment).lifecycle.preStop.sleep.seconds;
      expect(sleep).toBeGreaterThanOrEqual(60);
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(sleep);
    }
  });

  test('/dev/shm is a memory emptyDir whose size the memory limit accounts for', () => {
    for (const server of servers) {
      const model = fleet.models.get(server.model)!.spec;
      const pod = deploymentOf(server).spec.template.spec;
      const shm = pod.volumes.find((v: Json) => v.name === 'shm');
      expect(shm.emptyDir.medium).toBe('Memory');
      const shmBytes = parseBytes(shm.emptyDir.sizeLimit)!;
      expect(shmBytes).toBeGreaterThan(0);
      expect(vllm(deploymentOf(server)).volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
      const limit = parseBytes(vllm(deploymentOf(server)).resources.limits.memory)!;
      expect(limit).toBe(parseBytes(model.resources.memory)! + shmBytes);
    }
    const large = servers.find((s) => s.model === 'llama-3-3-70b-instruct')!;
    expect(deploymentOf(large).spec.template.spec.volumes.find((v: Json) => v.name === 'shm').emptyDir.sizeLimit).toBe('16Gi');
  });

  test('weights come read-only from the shared cache, filled by a digest-pinned init container for this version only', () => {
    for (const server of servers) {
      const model = fleet.models.get(server.model)!.spec;
      const version = fleet.environments.get(server.env)!.spec.models[server.model]!.version;
      const pod = deploymentOf(server).spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: 'model-cache' } });
      expect(vllm(deploymentOf(server)).volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/model-cache', readOnly: true });
      const fill = pod.initContainers[0];
      expect(fill.env).toContainEqual({ name: 'MODEL_SOURCE', value: `${model.source}/${version}/` });
      expect(fill.env).toContainEqual({ name: 'CACHE_DIR', value: `/model-cache/${version}` });
      expect(fill.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
      expect(fill.command[2]).toContain('.complete');

      const claim = server.objects.get('persistentvolumeclaim-model-cache.yaml')!;
      expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
      expect(claim.spec.storageClassName).toBe('efs-sc');
    }
  });

  test('vLLM arguments come from the catalogue and the environment version', () => {
    for (const server of servers) {
      const model = fleet.models.get(server.model)!.spec;
      const version = fleet.environments.get(server.env)!.spec.models[server.model]!.version;
      const args: string[] = vllm(deploymentOf(server)).args;
      const flag = (name: string) => args[args.indexOf(name) + 1];
      expect(flag('--model')).toBe(`/model-cache/${version}`);
      expect(flag('--served-model-name')).toBe(model.servedModelName);
      expect(flag('--tensor-parallel-size')).toBe(String(model.tensorParallelSize));
      expect(flag('--max-model-len')).toBe(String(model.maxModelLen));
      expect(flag('--port')).toBe('8000');
      expect(args).not.toContain('--trust-remote-code');
    }
  });

  test('pod and containers run restricted: non-root, no escalation, no capabilities, RuntimeDefault seccomp, read-only root', () => {
    for (const server of servers) {
      const pod = deploymentOf(server).spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.hostNetwork ?? false).toBe(false);
      for (const container of [...pod.containers, ...pod.initContainers]) {
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
          expect(
            volume.emptyDir ?? (container.name === 'model-cache-fill' ? volume.persistentVolumeClaim : undefined),
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
    for (const server of servers) {
      const pod = deploymentOf(server).spec.template.spec;
      for (const container of [...pod.containers, ...pod.initContainers]) {
        expect(container.image, container.name).toMatch(/^[a-z0-9.-]+\/[a-z0-9./_-]+@sha256:[a-f0-9]{64}$/);
        expect(container.imagePullPolicy).toBe('IfNotPresent');
      }
      // Docker Hub through the environment's ECR pull-through cache, by the catalogue's digest.
      const { aws } = fleet.environments.get(server.env)!.spec;
      expect(vllm(deploymentOf(server)).image).toBe(
        `${aws.accountId}.dkr.ecr.${aws.region}.amazonaws.com/docker-hub/vllm/vllm-openai@${fleet.models.get(server.model)!.spec.engine.digest}`,
      );
      for (const container of [...pod.containers, ...pod.initContainers]) expect(container.image).not.toMatch(/^docker\.io\//);
    }
  });

  test('recommended labels everywhere; selectors use only stable labels, never the version', () => {
    for (const server of servers) {
      const version = fleet.environments.get(server.env)!.spec.models[server.model]!.version;
      const deployment = deploymentOf(server);
      const stable = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': server.model };
      expect(deployment.metadata.labels).toEqual({
        ...stable,
        'app.kubernetes.io/version': version,
        'app.kubernetes.io/component': 'model-server',
        'app.kubernetes.io/part-of': 'llm-platform',
        'app.kubernetes.io/managed-by': 'eks-llm-gitops',
      });
      expect(deployment.spec.template.metadata.labels).toEqual(deployment.metadata.labels);
      expect(deployment.spec.selector).toEqual({ matchLabels: stable });
      const service = server.objects.get(`service-${server.model}.yaml`)!;
      expect(service.spec.selector).toEqual(stable);
      const pdb = server.objects.get(`poddisruptionbudget-${server.model}.yaml`)!;
      expect(pdb.spec.selector).toEqual({ matchLabels: stable });
      for (const [file, object] of server.objects) {
        if (file === 'kustomization.yaml' || object.kind === 'NetworkPolicy') continue;
        expect(object.metadata.labels['app.kubernetes.io/instance'], file).toBe(server.model);
      }
    }
  });

  test('pods are spread over zones, shielded from Karpenter while they load (then drift may move them), and rolled out one surge at a time', () => {
    for (const server of servers) {
      const deployment = deploymentOf(server);
      const template = deployment.spec.template;
      // A duration, never "true" (which would keep GPU nodes on their first AMI): the start-up budget.
      const shield = template.metadata.annotations['karpenter.sh/do-not-disrupt'];
      expect(shield).toMatch(/^\d+s$/);
      const startup = template.spec.containers[0].startupProbe;
      expect(Number(shield.slice(0, -1))).toBe(startup.periodSeconds * startup.failureThreshold);
      expect(template.spec.topologySpreadConstraints).toContainEqual(
        expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, labelSelector: deployment.spec.selector }),
      );
      expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      // KEDA's HPA owns the replica count between the environment's bounds.
      expect(deployment.spec.replicas).toBeUndefined();
      const bounds = fleet.environments.get(server.env)!.spec.models[server.model]!.replicas;
      const scaled = server.objects.get(`scaledobject-${server.model}.yaml`)!;
      expect([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount]).toEqual([bounds.min, bounds.max]);
      expect(template.spec.priorityClassName).toBe('llm-serving');
    }
  });

  test('Service exposes port http 8000 in-cluster, and the PDB lets one replica go at a time', () => {
    for (const server of servers) {
      const service = server.objects.get(`service-${server.model}.yaml`)!;
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000 }]);
      expect(vllm(deploymentOf(server)).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
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
