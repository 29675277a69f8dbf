import { load } from 'js-yaml';
import { loadFleet } from '../../scripts/lib/config/load-fleet.js';
import type { Fleet } from '../../scripts/lib/config/fleet.js';
import { renderEnvironment } from '../../scripts/lib/render/render-environment.js';
import { FLEET_ROOT } from './fixture-repo.js';

export type Json = Record<string, any>;
export interface RenderedEnvironment {
  name: string;
  spec: Json;
  objects: Json[];
}

/** One environment of a fleet, rendered in memory, as parsed objects (kustomizations left out). */
export function renderObjects(fleet: Fleet, name: string): Json[] {
  return [...renderEnvironment(fleet, name).files.values()].map((text) => load(text) as Json).filter((o) => o?.kind);
}

/** The suite's sample fleet (test/fixtures/fleets/sample), loaded and rendered in memory: every environment's objects. */
export async function renderSampleFleet(): Promise<{ fleet: Fleet; envs: RenderedEnvironment[] }> {
  const loaded = await loadFleet(FLEET_ROOT);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const fleet = loaded.fleet;
  const envs = [...fleet.environments].map(([name, located]) => ({
    name,
    spec: located.spec as Json,
    objects: renderObjects(fleet, name),
  }));
  return { fleet, envs };
}
