import type { App, Chart } from 'cdk8s';
import { ComponentChart, type Layer } from './component-chart.js';
import { isManifest, type Manifest } from './manifest.js';
import { normaliseManifest } from './normalise.js';

/** A normalised object and the component folder it is written to. */
export interface RenderedObject {
  readonly layer: Layer;
  readonly component: string;
  readonly manifest: Manifest;
}

/** Synthesises every chart of `app` in memory (cdk8s writes nothing until `app.synth()`). */
export function synthesize(app: App): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const chart of app.charts) {
    if (!isComponentChart(chart)) {
      throw new Error(`chart "${chart.node.path}" is not a ComponentChart: every chart must say which component folder it renders`);
    }
    for (const json of chart.toJson()) {
      if (!isManifest(json)) throw new Error(`chart "${chart.node.path}" produced an object without apiVersion, kind and metadata.name`);
      objects.push({ layer: chart.layer, component: chart.component, manifest: normaliseManifest(json) });
    }
  }
  return objects;
}

function isComponentChart(chart: Chart): chart is ComponentChart {
  return chart instanceof ComponentChart;
}
