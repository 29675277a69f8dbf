import { UsageError } from '../cli/run-cli.js';
import type { Fleet } from './fleet.js';

/** The environments a command was asked for (--env, repeatable; default: all), in the fleet's order; an unknown one is a usage error. */
export function selectEnvironments(fleet: Fleet, asked: readonly string[] | undefined): string[] {
  const known = [...fleet.environments.keys()];
  for (const env of asked ?? [])
    if (!known.includes(env)) throw new UsageError(`unknown environment "${env}"; expected one of: ${known.join(', ')}`);
  return asked ? [...asked] : known;
}
