import { beforeAll, describe, expect, test } from 'vitest';
import { load } from 'js-yaml';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { FLEET_ROOT } from './helpers/fixture-repo.js';
import { LITELLM_UNAUTHENTICATED_PATHS } from '../apps/gateway/gateway-chart.js';

/* The serving gateway and its cache as rendered for each environment. */

type Json = Record<string, any>;
let fleet: Fleet;

const render = (f: Fleet, env: string) => new Map([...renderEnvironment(f, env).files].map(([file, text]) => [file, load(text) as Json]));
const gatewayFile = (files: Map<string, Json>, name: string) => files.get(`manifests/apps/gateway/${name}`)!;
const routesOf = (files: Map<string, Json>) =>
  (load(gatewayFile(files, 'configmap-gateway-config.yaml').data['config.yaml']) as Json).model_list as Json[];

beforeAll(async () => {
  const loaded = await loadFleet(FLEET_ROOT);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  fleet = loaded.fleet;
});

describe('the gateway', () => {
  test("routes exactly the models its environment runs, by served name, to each model's router (never the server's Service)", () => {
    for (const [env, located] of fleet.environments) {
      const routes = routesOf(render(fleet, env));
      const models = Object.keys(located.spec.models).sort();
      expect(routes.map((r) => r.model_name)).toEqual(models.map((m) => fleet.models.get(m)!.spec.servedModelName));
      expect(routes.map((r) => r.litellm_params.api_base)).toEqual(
        models.map((m) => `http://${m}-router.llm-${m}.svc.cluster.local:8081/v1`),
      );
    }
  });

  test('adding a model to an environment adds its route; removing it removes the route', () => {
    const staging = fleet.environments.get('staging')!;
    const models = { ...staging.spec.models };
    delete models['llama-3-3-70b-instruct'];
    const smaller: Fleet = {
      ...fleet,
      environments: new Map([...fleet.environments, ['staging', { ...staging, spec: { ...staging.spec, models } }]]),
    };
    expect(routesOf(render(smaller, 'staging')).map((r) => r.model_name)).toEqual([
      'meta-llama/Llama-3.1-405B-Instruct',
      'meta-llama/Llama-3.1-8B-Instruct',
    ]);
  });

  test('checks API keys by their digests and caches completions in Redis with the configured TTL', () => {
    for (const [env, located] of fleet.environments) {
      const config = gatewayFile(render(fleet, env), 'configmap-gateway-config.yaml');
      const parsed = load(config.data['config.yaml']) as Json;
      expect(parsed.general_settings.custom_auth).toBe('custom_auth.user_api_key_auth');
      expect(config.data['custom_auth.py']).toContain('hmac.compare_digest');
      expect(parsed.litellm_settings.cache_params).toMatchObject({ type: 'redis', ttl: located.spec.gateway.cache.ttlSeconds });
      expect(parsed.litellm_settings.callbacks).toEqual(['prometheus']);
      expect(JSON.stringify(parsed)).not.toMatch(/sk-[A-Za-z0-9]/);
    }
  });

  test('runs like the model servers: pinned image, probes, restricted, spread, drained, scaled between the configured bounds', () => {
    for (const [env, located] of fleet.environments) {
      const files = render(fleet, env);
      const deployment = gatewayFile(files, 'deployment-gateway.yaml');
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      expect(deployment.spec.replicas).toBeUndefined();
      expect(container.image).toMatch(/^ghcr\.io\/berriai\/litellm:v[\d.]+@sha256:[0-9a-f]{64}$/);
      // Kubelet probes carry no API key: every probe must reach a route LiteLLM serves without
      // auth, or custom_auth.py refuses it and the pods never become Ready.
      for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
        expect(LITELLM_UNAUTHENTICATED_PATHS, `${env} ${kind}`).toContain(container[kind].httpGet.path);
      }
      // The ALB reuses idle connections up to its idle timeout: the pod must keep them open longer,
      // or a request sent on a connection the pod is closing comes back as a 502.
      const classParams = [...files.values()].find((o) => o.kind === 'IngressClassParams')!;
      const albIdle = Number(classParams.spec.loadBalancerAttributes.find((a: Json) => a.key === 'idle_timeout.timeout_seconds').value);
      const keepAlive = Number(container.args[container.args.indexOf('--keepalive_timeout') + 1]);
      expect(albIdle, env).toBe(located.spec.ingress.idleTimeoutSeconds);
      expect(keepAlive, env).toBeGreaterThan(albIdle);
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      // A request that arrives at the end of the drain may still run LiteLLM's whole timeout
      // before the kubelet kills the pod, and the ALB keeps its connection as long.
      const requestTimeout = (load(gatewayFile(files, 'configmap-gateway-config.yaml').data['config.yaml']) as Json).litellm_settings
        .request_timeout as number;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(container.lifecycle.preStop.sleep.seconds + requestTimeout);
      const ingress = gatewayFile(files, 'ingress-api.yaml');
      const targetGroup = Object.fromEntries(
        ingress.metadata.annotations['alb.ingress.kubernetes.io/target-group-attributes'].split(',').map((kv: string) => kv.split('=')),
      );
      expect(Number(targetGroup['deregistration_delay.timeout_seconds'])).toBeGreaterThanOrEqual(pod.terminationGracePeriodSeconds);
      expect(pod.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
      const scaled = gatewayFile(files, 'scaledobject-gateway.yaml');
      expect([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount]).toEqual([
        located.spec.gateway.replicas.min,
        located.spec.gateway.replicas.max,
      ]);
      expect(gatewayFile(files, 'poddisruptionbudget-gateway.yaml').spec).toMatchObject({ maxUnavailable: 1 });
      const service = gatewayFile(files, 'service-gateway.yaml');
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      expect(ingress.spec.rules[0].http.paths.map((p: Json) => p.backend.service)).toEqual([{ name: 'gateway', port: { name: 'http' } }]);
    }
    expect(gatewayFile(render(fleet, 'prod'), 'scaledobject-gateway.yaml').spec.minReplicaCount).toBeGreaterThanOrEqual(2);
  });

  test('its secrets come from Secrets Manager through External Secrets Operator; no secret value is rendered', () => {
    for (const [env, located] of fleet.environments) {
      const files = render(fleet, env);
      const external = gatewayFile(files, 'externalsecret-gateway.yaml');
      expect(external.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' });
      expect(external.spec.data.map((d: Json) => d.remoteRef.key)).toEqual([
        located.spec.gateway.secretName,
        located.spec.gateway.secretName,
        located.spec.gateway.secretName,
      ]);
      const store = files.get('manifests/platform/external-secrets/clustersecretstore-aws-secrets-manager.yaml')!;
      expect(store.spec.provider.aws).toEqual({ service: 'SecretsManager', region: located.spec.aws.region });
      // The only Secrets in git are Argo CD's repository entries, which hold no credential.
      for (const [file, object] of files) {
        if (object.kind !== 'Secret') continue;
        expect(Object.keys({ ...object.data, ...object.stringData }).sort(), file).toEqual(['enableOCI', 'name', 'type', 'url']);
      }
    }
  });
});

describe('the response cache', () => {
  test('is encrypted, authenticated with the ESO-provided token, highly available where it has replicas, retained in production', () => {
    for (const [env, located] of fleet.environments) {
      const files = render(fleet, env);
      const cache = gatewayFile(files, 'replicationgroup-gateway-cache.yaml');
      expect(cache.spec).toMatchObject({
        transitEncryptionEnabled: true,
        atRestEncryptionEnabled: true,
        authToken: { namespace: 'gateway', name: 'gateway-secrets', key: 'redis-auth-token' },
        cacheNodeType: located.spec.gateway.cache.nodeType,
        replicasPerNodeGroup: located.spec.gateway.cache.replicasPerShard,
      });
      const replicated = located.spec.gateway.cache.replicasPerShard > 0;
      expect([cache.spec.multiAZEnabled, cache.spec.automaticFailoverEnabled]).toEqual([replicated, replicated]);
      expect(cache.metadata.annotations?.['services.k8s.aws/deletion-policy']).toBe(located.spec.highAvailability ? 'retain' : undefined);
      expect(gatewayFile(files, 'cachesubnetgroup-gateway-cache.yaml').spec.subnetIDs).toEqual(located.spec.network.privateSubnetIds);
      const group = gatewayFile(files, 'securitygroup-gateway-cache.yaml');
      // Only the gateway pods' own security group reaches Redis (see test/security-groups.test.ts).
      expect(group.spec.ingressRules).toEqual([
        {
          ipProtocol: 'tcp',
          fromPort: 6379,
          toPort: 6379,
          userIDGroupPairs: [{ groupRef: { from: { name: 'gateway-pods', namespace: 'gateway' } }, description: 'gateway pods' }],
        },
      ]);
      expect(cache.spec.securityGroupRefs).toEqual([{ from: { name: group.metadata.name } }]);
    }
  });

  test('reaches the gateway through ACK FieldExport, not a hand-copied hostname', () => {
    const files = render(fleet, 'prod');
    const exported = gatewayFile(files, 'fieldexport-gateway-cache-endpoint.yaml');
    expect(exported.spec).toEqual({
      from: {
        path: '.status.nodeGroups[0].primaryEndpoint.address',
        resource: { group: 'elasticache.services.k8s.aws', kind: 'ReplicationGroup', name: 'gateway-cache' },
      },
      to: { kind: 'configmap', name: 'gateway-cache', namespace: 'gateway', key: 'REDIS_HOST' },
    });
    expect(gatewayFile(files, 'configmap-gateway-cache.yaml').data).toBeUndefined();
    const env = gatewayFile(files, 'deployment-gateway.yaml').spec.template.spec.containers[0].env as Json[];
    expect(env.find((e) => e.name === 'REDIS_HOST')).toEqual({
      name: 'REDIS_HOST',
      valueFrom: { configMapKeyRef: { name: 'gateway-cache', key: 'REDIS_HOST' } },
    });
  });
});
