import type { App, Chart } from 'cdk8s';
import { ComponentChart, type Layer } from '../../../platform/core/component-chart.js';
import { phaseOf, type ComponentPhase } from '../../../platform/core/gitops-constants.js';
import { controllerOwnedFields } from '../../../platform/gitops/controller-owned.js';
import type { ComponentSummary } from '../../../platform/gitops/bootstrap.js';

const PHASES: readonly ComponentPhase[] = ['prerequisites', 'main', 'customResources'];
import { isManifest, type Manifest } from './manifest.js';
import { normaliseManifest } from './normalise.js';

/** A normalised object and the component folder it is written to. */
export interface RenderedObject {
  readonly layer: Layer;
  readonly component: string;
  readonly manifest: Manifest;
}

/** A component of the environment and what its chart declared about it. */
export type RenderedComponent = ComponentSummary;

/** Synthesises every chart of `app` in memory (cdk8s writes nothing until `app.synth()`). */
export function synthesize(app: App): { objects: RenderedObject[]; components: RenderedComponent[] } {
  const objects: RenderedObject[] = [];
  const components: RenderedComponent[] = [];
  for (const chart of app.charts) {
    if (!isComponentChart(chart)) {
      throw new Error(`chart "${chart.node.path}" is not a ComponentChart: every chart must say which component folder it renders`);
    }
    const manifests = chartManifests(chart);
    const phases = PHASES.filter((phase) => manifests.some((m) => phaseOf(m.metadata.annotations) === phase));
    const controllerOwned = controllerOwnedFields(manifests);
    components.push({ layer: chart.layer, component: chart.component, options: chart.options, phases, controllerOwned });
    for (const manifest of manifests) objects.push({ layer: chart.layer, component: chart.component, manifest });
  }
  return { objects, components };
}

/** The normalised objects of one chart. */
export function chartManifests(chart: Chart): Manifest[] {
  return chart.toJson().map((json: unknown) => {
    if (!isManifest(json)) throw new Error(`chart "${chart.node.path}" produced an object without apiVersion, kind and metadata.name`);
    return normaliseManifest(json);
  });
}

function isComponentChart(chart: Chart): chart is ComponentChart {
  return chart instanceof ComponentChart;
}
