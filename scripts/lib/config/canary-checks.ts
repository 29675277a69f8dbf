import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import { hasCanary } from '../../../apps/model-server/canary.js';
import { hasStagedCanary } from '../../../apps/model-server/staged-canary.js';
import type { Fleet, Located } from './fleet.js';
import type { ConfigProblem } from './problem.js';

/**
 * A multi-node model's canary in progress (models.<model>.canary) is a step of the environment's
 * canary: a model that can have one, a checkpoint's share, another catalogued version.
 */
export function checkModelCanaries(env: Located<ClusterSpec>, fleet: Fleet): ConfigProblem[] {
  const { spec, file, lineOf } = env;
  const problems: ConfigProblem[] = [];
  const problem = (path: (string | number)[], message: string) => problems.push({ file, line: lineOf(path), path, message });
  for (const [name, deployment] of Object.entries(spec.models)) {
    const model = fleet.models.get(name);
    if (!model) continue;
    const staged = hasStagedCanary(spec.canary, model.spec.gpu.nodes, deployment.replicas.min);
    const release = deployment.canary;
    if (release === undefined) continue;
    const at = ['models', name, 'canary'];
    if (!staged) {
      const why = !spec.canary
        ? `${spec.name} has no canary block (its upgrades are rolling updates)`
        : hasCanary(spec.canary, model.spec.gpu.nodes, deployment.replicas.min)
          ? 'its canaries are Argo Rollouts: change version, and the Rollout moves the traffic by itself'
          : 'a model that may scale to zero has no canary (nothing would serve its share)';
      problem(at, `expected no canary for ${name}: ${why}`);
      continue;
    }
    const weights = spec.canary!.steps.map((step) => step.weight);
    if (!weights.includes(release.weight))
      problem([...at, 'weight'], `expected one of the canary checkpoints' shares (${weights.join(', ')}), found ${release.weight}`);
    if (release.version === deployment.version)
      problem([...at, 'version'], `expected a version other than the one running (${deployment.version}): the canary is the new version`);
    else if (!model.spec.versions[release.version]) {
      const known = Object.keys(model.spec.versions).sort();
      problem(
        [...at, 'version'],
        `expected a version ${model.file} lists under versions (with its weights digest): ${known.join(', ')}; found "${release.version}"`,
      );
    }
  }
  return problems;
}
