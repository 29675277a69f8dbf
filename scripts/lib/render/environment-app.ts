import { App } from 'cdk8s';
import { GatewayChart } from '../../../apps/gateway/gateway-chart.js';
import { ModelServerChart, modelServerComponent } from '../../../apps/model-server/model-server-chart.js';
import { PlatformComponentChart } from '../../../platform/addons/helm-addon.js';
import { kedaAddon } from '../../../platform/addons/keda.js';
import { AckChart, AwsChart } from '../../../platform/aws/aws-chart.js';
import { KroChart } from '../../../platform/kro/kro.js';
import { ExternalSecretsChart } from '../../../platform/secrets/external-secrets.js';
import { metricsServerAddon } from '../../../platform/autoscaling/metrics-server.js';
import { externalDnsAddon } from '../../../platform/dns/external-dns.js';
import { GpuNodeAgentsChart } from '../../../platform/gpu/gpu-node-agents.js';
import { AwsLoadBalancerChart } from '../../../platform/ingress/aws-load-balancer.js';
import { KarpenterChart } from '../../../platform/karpenter/karpenter.js';
import { CloudWatchChart, MonitoringChart } from '../../../platform/observability/observability.js';
import { SchedulingChart } from '../../../platform/scheduling/priority-classes.js';
import { StorageChart } from '../../../platform/storage/efs.js';
import { placeableFamilies } from '../config/cross-checks.js';
import type { Fleet } from '../config/load-fleet.js';

/**
 * The cdk8s App of one environment: one chart per component folder. The platform layer (cluster
 * add-ons, capacity, storage, ingress, observability) is the same shape everywhere and driven by
 * cluster.yaml; the apps layer has a model server per model and the gateway in front of them.
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

  new AckChart(app, environment, gitops);
  new KroChart(app, environment, gitops);
  new AwsChart(app, environment);
  new ExternalSecretsChart(app, environment, gitops);
  new SchedulingChart(app, gitops);
  new MonitoringChart(app, environment, gitops);
  new CloudWatchChart(app, environment, gitops);
  new StorageChart(app, environment, gitops);
  new KarpenterChart(app, environment, deployed.map((d) => d.model), gitops);
  new AwsLoadBalancerChart(app, environment, gitops);
  new PlatformComponentChart(app, 'metrics-server', [metricsServerAddon(environment)], gitops, -30);
  new GpuNodeAgentsChart(app, environment, deployed.map((d) => d.model), gitops);
  new PlatformComponentChart(app, 'keda', [kedaAddon(environment)], gitops, -20);
  new PlatformComponentChart(app, 'external-dns', [externalDnsAddon(environment)], gitops, -10);

  for (const { model, deployment } of deployed) {
    new ModelServerChart(app, {
      environment,
      model,
      version: deployment.version,
      replicas: deployment.replicas,
      autoscaling: deployment.autoscaling,
      instanceFamilies: placeableFamilies(model, environment),
    });
  }
  new GatewayChart(
    app,
    environment,
    deployed.map(({ model }) => ({ model, apiBase: `http://${model.name}.${modelServerComponent(model.name)}.svc.cluster.local:8000/v1` })),
    deployed.map((d) => modelServerComponent(d.model.name)),
  );
  return app;
}
