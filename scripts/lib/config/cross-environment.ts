import { byCodeUnit } from '../../../platform/core/compare.js';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import { ENVIRONMENT_IDENTITY, identityPaths, valueAt } from './environment-identity.js';
import type { Fleet, Located } from './fleet.js';
import type { ConfigProblem } from './problem.js';

export interface CrossEnvironmentFindings {
  /** Values environments may not share. */
  readonly errors: ConfigProblem[];
  /** Values they may share on purpose (network inputs), reported so that it is on purpose. */
  readonly warnings: ConfigProblem[];
}

/**
 * Compares environments on what identifies them (ENVIRONMENT_IDENTITY). Each finding is reported
 * in the later environment (by name) and names the earlier one's file and line.
 */
export function crossCheckEnvironments(fleet: Fleet): CrossEnvironmentFindings {
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const envs = [...fleet.environments.values()].sort((a, b) => byCodeUnit(a.spec.name, b.spec.name));
  for (const field of ENVIRONMENT_IDENTITY) {
    if (!field.unique) continue;
    /** First holder of each value, keyed by scope and value. */
    const first = new Map<string, { env: Located<ClusterSpec>; line: number }>();
    for (const env of envs) {
      for (const at of identityPaths(field, env.spec)) {
        const value = String(valueAt(env.spec, at));
        const scope = field.unique === 'account' ? `${env.spec.aws.accountId}/${env.spec.aws.region}` : '';
        const key = `${scope}\u0000${value}`;
        const earlier = first.get(key);
        const line = env.lineOf(at);
        if (!earlier) {
          first.set(key, { env, line });
          continue;
        }
        if (earlier.env === env) continue;
        const where = `${earlier.env.spec.name}'s too (${earlier.env.file}:${earlier.line})`;
        const inAccount = field.unique === 'account' ? ` in account ${env.spec.aws.accountId} (${env.spec.aws.region})` : '';
        if (field.unique === 'warn')
          warnings.push({
            file: env.file,
            line,
            path: at,
            message: `"${value}" is ${where}: the environments share ${field.what}; fine if they share the network on purpose`,
          });
        else
          errors.push({
            file: env.file,
            line,
            path: at,
            message: `expected a value of its own, found "${value}", which is ${where}${inAccount}: environments may not share ${field.what}`,
          });
      }
    }
  }
  return { errors, warnings };
}
