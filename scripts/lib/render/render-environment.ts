import { App } from 'cdk8s';
import { BOOTSTRAP_DIR, BootstrapChart } from '../../../platform/gitops/bootstrap.js';
import type { Fleet } from '../config/fleet.js';
import { buildEnvironmentApp } from './environment-app.js';
import { environmentInventory } from './inventory.js';
import { environmentFiles, MANIFESTS_DIR } from './manifest-files.js';
import { chartManifests, synthesize } from './synthesize.js';

/** Folders under clusters/<env>/ that the renderer owns entirely (anything else in them is an orphan). */
export const RENDERED_DIRS = [MANIFESTS_DIR, BOOTSTRAP_DIR] as const;

/** The rendered files of one environment, in memory. */
export interface RenderedEnvironment {
  readonly name: string;
  /** File contents by path relative to clusters/<env>/, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** Number of Kubernetes objects (files other than kustomization.yaml). */
  readonly objectCount: number;
}

/**
 * Renders one environment of a loaded fleet. Pure: reads nothing, writes nothing. The manifests
 * are synthesised first; the bootstrap (GitOps project and sync objects) is derived from what
 * they contain, so its allow-lists are exactly as wide as the manifests need.
 */
export function renderEnvironment(fleet: Fleet, name: string): RenderedEnvironment {
  const environment = fleet.environments.get(name)?.spec;
  if (!environment) throw new Error(`unknown environment "${name}"`);
  const { objects, components } = synthesize(buildEnvironmentApp(fleet, name));
  const inventory = environmentInventory(objects, components);
  const part = (which: 'root' | 'synced') =>
    chartManifests(new BootstrapChart(new App({ outdir: 'cdk8s.out' }), 'bootstrap', { environment, inventory, part: which }));
  const bootstrap = { root: part('root'), synced: part('synced') };
  // Flux has no sync waves: a component's phases go to sub-folders that it syncs one after another.
  const files = environmentFiles(name, objects, bootstrap, { splitPhases: environment.gitops.engine === 'flux' });
  return { name, files, objectCount: objects.length + bootstrap.root.length + bootstrap.synced.length };
}
