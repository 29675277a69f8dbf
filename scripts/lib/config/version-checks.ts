import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import type { Fleet, Located } from './fleet.js';
import type { ConfigProblem } from './problem.js';

/**
 * An environment runs only versions the catalogue lists with their weights digest: that is what
 * the cache fill checks the copied weights against. (A model the catalogue lacks is reported
 * by the model check.)
 */
export function checkCataloguedVersions(env: Located<ClusterSpec>, fleet: Fleet): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, deployment] of Object.entries(env.spec.models)) {
    const model = fleet.models.get(name);
    if (!model || model.spec.versions[deployment.version]) continue;
    const known = Object.keys(model.spec.versions).sort();
    problems.push({
      file: env.file,
      line: env.lineOf(['models', name, 'version']),
      path: ['models', name, 'version'],
      message: `expected a version ${model.file} lists under versions (with its weights digest): ${known.join(', ')}; found "${deployment.version}". Upload the weights, then add the version and the digest npm run weights-digest prints`,
    });
  }
  return problems;
}
