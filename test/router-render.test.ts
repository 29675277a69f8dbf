import { beforeAll, describe, expect, test } from 'vitest';
import { load } from 'js-yaml';
import { EPP_GRPC_PORT, EPP_HEALTH_PORT, EPP_VERSION } from '../apps/router/endpoint-picker.js';
import { GATEWAY_REQUEST_TIMEOUT_SECONDS } from '../platform/spec/platform-spec.js';
import { renderSampleFleet, type Json, type RenderedEnvironment } from './helpers/rendered-fleet.js';

/*
 * Each model's router as rendered for every environment of the sample fleet: the wiring the
 * routing test (test/routing.test.ts) cannot see because it runs the picker outside a pod:
 * which pods the pool holds, how Envoy reaches the picker, what gates the router's own pods.
 */

let envs: RenderedEnvironment[];
beforeAll(async () => {
  envs = (await renderSampleFleet()).envs;
});

const find = (objects: Json[], kind: string, name: string, namespace: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
const WORKER_INDEX = 'leaderworkerset.sigs.k8s.io/worker-index';
const LWS_NAME = 'leaderworkerset.sigs.k8s.io/name';
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Every pod template rendered in a namespace, by the object that owns it. */
function podTemplates(objects: Json[], namespace: string): Array<{ owner: string; labels: Record<string, string>; spec: Json }> {
  const templates: Array<{ owner: string; labels: Record<string, string>; spec: Json }> = [];
  for (const o of objects.filter((x) => x.metadata?.namespace === namespace)) {
    if (o.kind === 'Deployment')
      templates.push({ owner: `Deployment/${o.metadata.name}`, labels: o.spec.template.metadata.labels, spec: o.spec.template.spec });
    if (o.kind === 'LeaderWorkerSet') {
      const t = o.spec.leaderWorkerTemplate;
      // The LeaderWorkerSet controller labels each pod with its index in the group: 0 for the leader.
      const index = (i: number) => ({ [WORKER_INDEX]: String(i), [LWS_NAME]: o.metadata.name });
      templates.push({
        owner: `LeaderWorkerSet/${o.metadata.name} leader`,
        labels: { ...t.leaderTemplate.metadata.labels, ...index(0) },
        spec: t.leaderTemplate.spec,
      });
      for (let i = 1; i < t.size; i++)
        templates.push({
          owner: `LeaderWorkerSet/${o.metadata.name} worker`,
          labels: { ...t.workerTemplate.metadata.labels, ...index(i) },
          spec: t.workerTemplate.spec,
        });
    }
  }
  return templates;
}

/**
 * The static routers (Envoy and the picker in one pod): models without a canary. A canary's
 * router (behind a Gateway) is test/canary.test.ts's and test/staged-canary.test.ts's.
 */
function routers(): Array<{ env: RenderedEnvironment; model: string; namespace: string }> {
  const all = envs.flatMap((env) => Object.keys(env.spec.models).map((model) => ({ env, model, namespace: `llm-${model}` })));
  const statics = all.filter(({ env, model, namespace }) => !find(env.objects, 'Gateway', `${model}-router`, namespace));
  // dev's three models: staging and prod upgrade every model by canary.
  expect(statics.map(({ env, model }) => `${env.name} ${model}`)).toEqual([
    'dev llama-3-1-8b-instruct',
    'dev llama-3-3-70b-instruct',
    'dev llama-3-1-405b-instruct',
  ]);
  return statics;
}

describe("each model's router", () => {
  test('its pool holds the pods that serve the model (the leader of a multi-node group), never the router or a worker', () => {
    for (const { env, model, namespace } of routers()) {
      const pool = find(env.objects, 'InferencePool', model, namespace);
      expect(pool, `${env.name} ${model}`).toBeDefined();
      const inPool = podTemplates(env.objects, namespace).filter((t) => matches(pool!.spec.selector.matchLabels, t.labels));
      expect(
        inPool.map((t) => t.owner),
        `${env.name} ${model}`,
      ).toEqual(
        podTemplates(env.objects, namespace)
          .filter((t) => !t.owner.endsWith(' worker') && !t.owner.endsWith('-router'))
          .map((t) => t.owner),
      );
      expect(inPool).toHaveLength(1);
      // The pool's target port is the port the serving container listens on, and is probed for readiness.
      const vllm = inPool[0]!.spec.containers.find((c: Json) => c.name === 'vllm');
      expect(pool!.spec.targetPorts).toEqual([{ number: vllm.ports.find((p: Json) => p.name === 'http').containerPort }]);
      expect(vllm.readinessProbe.httpGet.path).toBe('/health');
    }
  });

  test('Envoy asks the picker in its own pod, fails closed, and sends each request to the pod the picker names', () => {
    for (const { env, model, namespace } of routers()) {
      const where = `${env.name} ${model}`;
      const pool = find(env.objects, 'InferencePool', model, namespace)!;
      expect(pool.spec.endpointPickerRef, where).toEqual({
        kind: 'Service',
        name: `${model}-router`,
        failureMode: 'FailClose',
        port: { number: EPP_GRPC_PORT },
      });
      const config = find(env.objects, 'ConfigMap', `${model}-router`, namespace)!;
      const envoy = load(config.data['envoy.yaml']) as Json;
      const clusters = envoy.static_resources.clusters as Json[];
      const picker = clusters.find((c) => c.name === 'endpoint_picker')!;
      expect(picker.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, where).toEqual({
        address: '127.0.0.1',
        port_value: EPP_GRPC_PORT,
      });
      const picked = clusters.find((c) => c.type === 'ORIGINAL_DST')!;
      expect(picked.original_dst_lb_config, where).toEqual({ use_http_header: true, http_header_name: 'x-gateway-destination-endpoint' });
      // No route reaches the model's Service: the only upstreams are the picked pod, the picker and Envoy's admin.
      expect(clusters.map((c) => c.name).sort(), where).toEqual(['admin', 'endpoint_picker', 'picked_pod']);
    }
  });

  test('holds requests while the model is saturated or at zero replicas only where the model can scale to zero', () => {
    for (const { env, model, namespace } of routers()) {
      const picker = load(find(env.objects, 'ConfigMap', `${model}-router`, namespace)!.data['endpoint-picker.yaml']) as Json;
      const scaled = find(env.objects, 'ScaledObject', model, namespace)!;
      const toZero = scaled.spec.minReplicaCount === 0;
      expect(picker.featureGates?.includes('flowControl') ?? false, `${env.name} ${model}`).toBe(toZero);
      expect(
        scaled.spec.triggers.some((t: Json) => t.name === 'router-queue'),
        `${env.name} ${model}`,
      ).toBe(toZero);
      if (toZero) {
        // The router holds the first request no longer than the gateway waits for it.
        const held = Number(/^(\d+)s$/.exec(picker.flowControl.defaultRequestTTL)![1]);
        expect(held).toBe(GATEWAY_REQUEST_TIMEOUT_SECONDS);
      }
    }
  });

  test('runs pinned images by digest, restricted, with the API token only in the picker, and probes that gate its traffic', () => {
    for (const { env, model, namespace } of routers()) {
      const where = `${env.name} ${model}`;
      const deployment = find(env.objects, 'Deployment', `${model}-router`, namespace)!;
      const pod = deployment.spec.template.spec;
      const service = find(env.objects, 'Service', `${model}-router`, namespace)!;
      expect(matches(service.spec.selector, deployment.spec.template.metadata.labels), where).toBe(true);
      expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe(EPP_VERSION);
      expect(pod.automountServiceAccountToken, where).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.containers.map((c: Json) => c.name)).toEqual(['envoy', 'endpoint-picker']);
      for (const c of pod.containers as Json[]) {
        expect(c.image, `${where} ${c.name}`).toMatch(/@sha256:[0-9a-f]{64}$/);
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
        });
        expect(c.resources.requests).toEqual(c.resources.limits);
        expect(c.readinessProbe, `${where} ${c.name}`).toBeDefined();
        expect(c.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
        const token = (c.volumeMounts as Json[]).some((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount');
        expect(token, `${where} ${c.name} holds the API token`).toBe(c.name === 'endpoint-picker');
      }
      const picker = pod.containers[1];
      expect(picker.readinessProbe.grpc).toEqual({ port: EPP_HEALTH_PORT, service: 'inference-extension' });
      expect(picker.startupProbe.tcpSocket.port).toBe(EPP_GRPC_PORT);
      expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      // The picker reads only its namespace's pods and pools.
      const role = envRole(env.objects, `${model}-router`, namespace);
      for (const rule of role.rules as Json[])
        expect(
          rule.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v)),
          where,
        ).toBe(true);
    }
  });

  test('scales on its own CPU between the bounds the environment gives, and keeps one pod through a voluntary disruption', () => {
    for (const { env, model, namespace } of routers()) {
      const scaled = find(env.objects, 'ScaledObject', `${model}-router`, namespace)!;
      expect(scaled.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: `${model}-router` });
      // One CPU trigger per container: Envoy and the picker saturate apart.
      expect(scaled.spec.triggers.map((t: Json) => [t.type, t.metadata.containerName])).toEqual([
        ['cpu', 'endpoint-picker'],
        ['cpu', 'envoy'],
      ]);
      expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(env.spec.highAvailability ? 2 : 1);
      const pdb = find(env.objects, 'PodDisruptionBudget', `${model}-router`, namespace)!;
      expect(pdb.spec.maxUnavailable ?? null, `${env.name} ${model}`).toBe(1);
    }
  });
});

/** The RBAC Role (not the ACK IAM Role of the same kind name) the router's service account is bound to. */
function envRole(objects: Json[], name: string, namespace: string): Json {
  const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === name && o.metadata.namespace === namespace)!;
  expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name, namespace }]);
  return objects.find(
    (o) =>
      o.kind === 'Role' &&
      o.apiVersion === 'rbac.authorization.k8s.io/v1' &&
      o.metadata.name === binding.roleRef.name &&
      o.metadata.namespace === namespace,
  )!;
}
