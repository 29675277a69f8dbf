import type { Fleet } from '../config/load-fleet.js';
import { buildEnvironmentApp } from './environment-app.js';
import { manifestFiles, MANIFESTS_DIR } from './manifest-files.js';
import { synthesize } from './synthesize.js';

/** Folders under clusters/<env>/ that the renderer owns entirely (anything else in them is an orphan). */
export const RENDERED_DIRS = [MANIFESTS_DIR] as const;

/** The rendered files of one environment, in memory. */
export interface RenderedEnvironment {
  readonly name: string;
  /** File contents by path relative to clusters/<env>/, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** Number of Kubernetes objects (files other than kustomization.yaml). */
  readonly objectCount: number;
}

/** Renders one environment of a loaded fleet. Pure: reads nothing, writes nothing. */
export function renderEnvironment(fleet: Fleet, name: string): RenderedEnvironment {
  const objects = synthesize(buildEnvironmentApp(fleet, name));
  return { name, files: manifestFiles(name, objects), objectCount: objects.length };
}
