import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../cli/run-cli.js';
import type { ReportFormat } from '../cli/report-format.js';
import type { Fleet } from './fleet.js';
import { CLUSTERS_DIR, loadFleet } from './load-fleet.js';
import { reportProblems } from './report-problems.js';

/** An environment asked for (--env) that is not among `known` is a usage error naming them all. */
export function refuseUnknownEnvironments(known: readonly string[], asked: readonly string[] | undefined): void {
  const unknown = (asked ?? []).filter((env) => !known.includes(env));
  if (unknown.length > 0)
    throw new UsageError(`unknown environment ${unknown.map((e) => `"${e}"`).join(', ')}; expected one of: ${known.join(', ')}`);
}

/** The environment folders under clusters/, sorted, without loading the fleet (it may not load). */
export async function environmentFolders(root: string): Promise<string[]> {
  return (await readdir(path.join(root, CLUSTERS_DIR), { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** The environments a command was asked for (--env, repeatable; default: all), in the fleet's order; an unknown one is a usage error. */
export function selectEnvironments(fleet: Fleet, asked: readonly string[] | undefined): string[] {
  const known = [...fleet.environments.keys()];
  refuseUnknownEnvironments(known, asked);
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
