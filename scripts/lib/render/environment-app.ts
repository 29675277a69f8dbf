import { App } from 'cdk8s';
import { GATEWAY_NAMESPACE, GatewayChart } from '../../../apps/gateway/gateway-chart.js';
import { GATEWAY_PODS_SECURITY_GROUP } from '../../../apps/gateway/response-cache.js';
import { ModelServerChart, modelServerComponent } from '../../../apps/model-server/model-server-chart.js';
import { PLATFORM_COMPONENTS } from '../../../platform/components.js';
import { imageReference, pullFrom } from '../../../platform/core/images.js';
import { WARM_CAPACITY, WarmCapacityChart } from '../../../apps/warm-capacity/warm-capacity-chart.js';
import { gpuNodePoolFor } from '../../../platform/karpenter/karpenter.js';
import { routerReplicas, routerUrl } from '../../../apps/router/router.js';
import { placeableFamilies } from '../config/cross-checks.js';
import type { Fleet } from '../config/fleet.js';

/**
 * The cdk8s App of one environment: one chart per component folder. The platform layer (cluster
 * add-ons, capacity, storage, ingress, observability) is the same shape everywhere and driven by
 * cluster.yaml, in the sync order of platform/components.ts; the apps layer has a model server
 * per model and the gateway in front of them.
 */
export function buildEnvironmentApp(fleet: Fleet, environmentName: string): App {
  const environment = fleet.environments.get(environmentName)?.spec;
  if (!environment) throw new Error(`unknown environment "${environmentName}"`);
  // outdir is never written: the renderer synthesises in memory and writes the files itself.
  const app = new App({ outdir: 'cdk8s.out' });
  const gitops = { engine: environment.gitops.engine, project: environment.name };

  const deployed = Object.keys(environment.models)
    .sort()
    .map((name) => {
      const model = fleet.models.get(name)?.spec;
      const deployment = environment.models[name];
      if (!model || !deployment) throw new Error(`environment ${environmentName} refers to unknown model "${name}"`);
      return { model, deployment };
    });

  const efa = deployed.some(({ model }) => model.gpu.efa);
  // The longest soak a promotion out of this environment judges on its Prometheus's history.
  const evidenceHours = Math.max(
    0,
    ...[...fleet.environments.values()].filter((e) => e.spec.promotion?.from === environmentName).map((e) => e.spec.promotion!.soakHours),
  );
  for (const component of PLATFORM_COMPONENTS) component.build(app, { environment, gitops, efa, evidenceHours });

  for (const { model, deployment } of deployed) {
    new ModelServerChart(app, modelServerComponent(model.name), {
      environment,
      model,
      version: deployment.version,
      canaryRelease: deployment.canary,
      replicas: deployment.replicas,
      autoscaling: deployment.autoscaling,
      instanceFamilies: placeableFamilies(model, environment),
      clients: { namespace: GATEWAY_NAMESPACE, securityGroup: GATEWAY_PODS_SECURITY_GROUP },
      routerReplicas: routerReplicas(environment),
    });
  }
  if (environment.gpu.warmNodes?.length) {
    const imagesByPool: Record<string, string[]> = {};
    for (const { model } of deployed) {
      const pool = gpuNodePoolFor(model.gpu);
      const image = imageReference({ repository: pullFrom(environment, model.engine.image), digest: model.engine.digest });
      imagesByPool[pool] = [...new Set([...(imagesByPool[pool] ?? []), image])].sort();
    }
    new WarmCapacityChart(app, WARM_CAPACITY, { environment, imagesByPool });
  }
  new GatewayChart(app, 'gateway', {
    environment,
    routes: deployed.map(({ model }) => ({
      model,
      // Every request goes through the model's router, which picks the pod (apps/router/).
      apiBase: routerUrl(model.name, modelServerComponent(model.name)),
    })),
    models: deployed.map((d) => ({ name: d.model.name, namespace: modelServerComponent(d.model.name) })),
  });
  return app;
}
