import { App } from 'cdk8s';
import { ModelServerChart } from '../../../apps/model-server/model-server-chart.js';
import { HelmAddonChart } from '../../../platform/addons/helm-addon.js';
import { kedaAddon } from '../../../platform/addons/keda.js';
import { placeableFamilies } from '../config/cross-checks.js';
import type { Fleet } from '../config/load-fleet.js';

/** The cdk8s App of one environment: one chart per component folder. */
export function buildEnvironmentApp(fleet: Fleet, environmentName: string): App {
  const environment = fleet.environments.get(environmentName)?.spec;
  if (!environment) throw new Error(`unknown environment "${environmentName}"`);
  // outdir is never written: the renderer synthesises in memory and writes the files itself.
  const app = new App({ outdir: 'cdk8s.out' });
  const gitops = { engine: environment.gitops.engine, project: environment.name };

  for (const addon of [kedaAddon(environment)]) new HelmAddonChart(app, addon, gitops);

  for (const modelName of Object.keys(environment.models).sort()) {
    const deployment = environment.models[modelName];
    const model = fleet.models.get(modelName)?.spec;
    if (!deployment || !model) throw new Error(`environment ${environmentName} refers to unknown model "${modelName}"`);
    new ModelServerChart(app, {
      environment,
      model,
      version: deployment.version,
      replicas: deployment.replicas.min,
      instanceFamilies: placeableFamilies(model, environment),
    });
  }
  return app;
}
