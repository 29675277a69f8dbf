import { UsageError } from '../cli/run-cli.js';
import type { ReportFormat } from '../cli/report-format.js';
import type { Fleet } from './fleet.js';
import { loadFleet } from './load-fleet.js';
import { reportProblems } from './report-problems.js';

/** The environments a command was asked for (--env, repeatable; default: all), in the fleet's order; an unknown one is a usage error. */
export function selectEnvironments(fleet: Fleet, asked: readonly string[] | undefined): string[] {
  const known = [...fleet.environments.keys()];
  for (const env of asked ?? [])
    if (!known.includes(env)) throw new UsageError(`unknown environment "${env}"; expected one of: ${known.join(', ')}`);
  return asked ? [...asked] : known;
}

/**
 * The fleet under `root` and the environments asked for; when the configuration does not load,
 * its problems are reported in `format` and the result is undefined (the command exits 2).
 */
export async function loadSelectedFleet(
  root: string,
  asked: readonly string[] | undefined,
  format: ReportFormat,
): Promise<{ fleet: Fleet; environments: string[] } | undefined> {
  const loaded = await loadFleet(root);
  if (!loaded.ok) {
    reportProblems(loaded.problems, format);
    return undefined;
  }
  return { fleet: loaded.fleet, environments: selectEnvironments(loaded.fleet, asked) };
}
