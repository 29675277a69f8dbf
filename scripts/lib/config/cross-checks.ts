import { GPU_INSTANCE_FAMILIES } from '../../../platform/spec/gpu-instance-families.js';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import type { Fleet, Located } from './fleet.js';
import { gpusPerReplica, type ModelSpec } from '../../../apps/models/model-spec.js';
import type { ConfigProblem } from './problem.js';
import { asyncQueueName } from '../../../platform/aws/edge.js';
import { gpuNodePoolFor } from '../../../platform/karpenter/karpenter.js';
import { upgradeSurgeReplicas } from '../../../apps/model-server/canary.js';
import { byCodeUnit } from '../../../platform/core/compare.js';
import { checkCataloguedVersions } from './version-checks.js';
import { checkModelCanaries } from './canary-checks.js';

/** Inputs that exist but failed their own checks; references to them are not reported again. */
export interface UncheckedInputs {
  readonly models: ReadonlySet<string>;
  readonly environments: ReadonlySet<string>;
}

/** Checks that need more than one file: references between environments and the catalogue. */
export function crossCheckFleet(fleet: Fleet, unchecked: UncheckedInputs): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const env of fleet.environments.values()) {
    problems.push(...checkEndpoint(env));
    problems.push(...checkCanaryEngine(env));
    problems.push(...checkModels(env, fleet, unchecked));
    problems.push(...checkPromotionSource(env, fleet, unchecked));
    problems.push(...checkCataloguedVersions(env, fleet));
    problems.push(...checkModelCanaries(env, fleet));
  }
  problems.push(...checkPromotionCycles(fleet));
  problems.push(...checkServedNames(fleet));
  return problems;
}

/** The gateway routes by the name a client sends: two models may not serve the same one. */
function checkServedNames(fleet: Fleet): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const first = new Map<string, Located<ModelSpec>>();
  for (const name of [...fleet.models.keys()].sort(byCodeUnit)) {
    const model = fleet.models.get(name)!;
    const served = model.spec.servedModelName;
    const other = first.get(served);
    if (!other) {
      first.set(served, model);
      continue;
    }
    problems.push({
      file: model.file,
      line: model.lineOf(['servedModelName']),
      path: ['servedModelName'],
      message: `expected a name no other model serves, found "${served}", which ${other.spec.name} serves too (${other.file}:${other.lineOf(['servedModelName'])}): the gateway would send one name to two models`,
    });
  }
  return problems;
}

/**
 * Canaries are Argo Rollouts, which Flux does not run; Flagger's Gateway API router would send
 * traffic to Services, past the endpoint picker (docs/upgrades.md, "With Flux").
 */
function checkCanaryEngine({ spec, file, lineOf }: Located<ClusterSpec>): ConfigProblem[] {
  if (!spec.canary || spec.gitops.engine === 'argocd') return [];
  return [
    {
      file,
      line: lineOf(['canary']),
      path: ['canary'],
      message: `expected no canary with gitops.engine "${spec.gitops.engine}": canaries run on Argo Rollouts with Argo CD; remove the canary block (upgrades are rolling updates) or use gitops.engine "argocd"`,
    },
  ];
}

/** Instance families both the model and the environment's GPU pool allow. */
export function placeableFamilies(model: ModelSpec, env: ClusterSpec): string[] {
  return model.gpu.instanceFamilies.filter((family) => env.gpu.instanceFamilies.includes(family));
}

function checkEndpoint({ spec, file, lineOf }: Located<ClusterSpec>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { zone, host, certificateArn } = spec.dns;
  // Every name the environment publishes lies in its zone: external-dns manages that zone only.
  const requireInZone = (path: [string, string], name: string | undefined) => {
    if (name === undefined || name === zone || name.endsWith(`.${zone}`)) return;
    problems.push({ file, line: lineOf(path), path, message: `expected a name inside the zone "${zone}", found "${name}"` });
  };
  requireInZone(['dns', 'host'], host);
  const [, , , region, account] = certificateArn.split(':');
  if (region !== spec.aws.region || account !== spec.aws.accountId) {
    problems.push({
      file,
      line: lineOf(['dns', 'certificateArn']),
      path: ['dns', 'certificateArn'],
      message: `expected a certificate in the cluster's account and region (${spec.aws.accountId}, ${spec.aws.region}): an ALB can only use those; found ${account}, ${region}`,
    });
  }
  const ingressHost = spec.ingress.host;
  requireInZone(['ingress', 'host'], ingressHost);
  const asyncApi = spec.async;
  if (asyncApi !== undefined) {
    requireInZone(['async', 'host'], asyncApi.host);
    // The API's host is the load balancer's; API Gateway's custom domain needs a name of its own.
    const apiHost = ingressHost ?? host;
    if (asyncApi.host === apiHost) {
      problems.push({
        file,
        line: lineOf(['async', 'host']),
        path: ['async', 'host'],
        message: `expected a hostname for the async API other than the API's own (${apiHost}, the load balancer's)`,
      });
    }
    const targetRegion = asyncApi.domainTarget?.split('.')[2];
    if (targetRegion !== undefined && targetRegion !== spec.aws.region) {
      problems.push({
        file,
        line: lineOf(['async', 'domainTarget']),
        path: ['async', 'domainTarget'],
        message: `expected API Gateway's domain name in the cluster's region ${spec.aws.region}, found ${targetRegion}`,
      });
    }
  }
  const waf = spec.ingress.wafAclArn;
  if (spec.ingress.scheme === 'internet-facing' && waf === undefined) {
    problems.push({
      file,
      line: lineOf(['ingress', 'scheme']),
      path: ['ingress', 'scheme'],
      message:
        'expected ingress.wafAclArn with an internet-facing load balancer: the public endpoint must sit behind a WAF ACL (its rate-based rules throttle by client), or use scheme: internal',
    });
  }
  if (waf !== undefined) {
    const [, , , wafRegion, wafAccount] = waf.split(':');
    if (wafRegion !== spec.aws.region || wafAccount !== spec.aws.accountId) {
      problems.push({
        file,
        line: lineOf(['ingress', 'wafAclArn']),
        path: ['ingress', 'wafAclArn'],
        message: `expected a web ACL in the cluster's account and region (${spec.aws.accountId}, ${spec.aws.region}), found ${wafAccount}, ${wafRegion}`,
      });
    }
  }
  return problems;
}

function checkModels(env: Located<ClusterSpec>, fleet: Fleet, unchecked: UncheckedInputs): ConfigProblem[] {
  const { spec, file, lineOf } = env;
  const problems: ConfigProblem[] = [];
  const catalogue = [...fleet.models.keys(), ...unchecked.models].sort();
  /** What each model's minimum replicas hold, to say where a too-small GPU limit goes. */
  const minimumNeeds: Array<{ name: string; replicas: number; gpus: number }> = [];
  const rollouts = new Map<string, RolloutNeed>();

  for (const [name, deployment] of Object.entries(spec.models)) {
    const at = ['models', name];
    const model = fleet.models.get(name)?.spec;
    if (!model) {
      if (unchecked.models.has(name)) continue;
      problems.push({
        file,
        line: lineOf(at),
        path: at,
        message: `unknown model; expected one of the catalogue (apps/models/<name>.yaml): ${catalogue.join(', ') || 'none'}`,
      });
      continue;
    }
    minimumNeeds.push({ name, replicas: deployment.replicas.min, gpus: gpusPerReplica(model) });
    problems.push(...checkQueueTrigger(env, name));
    problems.push(...checkWakeFromZero(env, name, model));

    const families = placeableFamilies(model, spec);
    if (families.length === 0) {
      problems.push({
        file,
        line: lineOf(at),
        path: at,
        message: `instance families not allowed: the model runs on ${list(model.gpu.instanceFamilies)} but gpu.instanceFamilies here allows ${list(spec.gpu.instanceFamilies)}; expected at least one in common`,
      });
      continue;
    }
    if (model.gpu.efa && !families.some((family) => GPU_INSTANCE_FAMILIES[family]?.efa)) {
      problems.push({
        file,
        line: lineOf(at),
        path: at,
        message: `the model needs EFA but none of ${list(families)} has it; expected an EFA-capable family such as p4d or p5`,
      });
      continue;
    }
    if (model.gpu.nodes > 1) {
      const problem = multiNodePlacementProblem(model, families, spec);
      if (problem) {
        problems.push({ file, line: lineOf(at), path: at, message: problem });
        continue;
      }
    }
    const pool = gpuNodePoolFor(model.gpu);
    const need = rollouts.get(pool) ?? { gpus: 0, largestReplica: 0, models: [] };
    // One surge replica for a rolling update, a canary's own (apps/model-server/canary.ts) where it has one.
    const surge = upgradeSurgeReplicas(spec.canary, model.gpu.nodes, deployment.replicas);
    rollouts.set(pool, {
      // A surge replica of a multi-node model is a whole group; a drifted node holds one node's share.
      gpus: need.gpus + (deployment.replicas.min + surge) * gpusPerReplica(model),
      largestReplica: Math.max(need.largestReplica, model.gpu.count),
      models: [...need.models, surge === 1 ? name : `${name} (${surge} during its canary)`],
    });
    const fits = families.filter((family) => (GPU_INSTANCE_FAMILIES[family]?.maxGpusPerNode ?? 0) >= model.gpu.count);
    if (fits.length === 0) {
      problems.push({
        file,
        line: lineOf(at),
        path: at,
        message: `expected an instance family with ${model.gpu.count} GPUs on one node for ${model.gpu.nodes > 1 ? 'each node of ' : ''}a replica; ${list(families)} have fewer`,
      });
    }
  }

  const minimumGpus = minimumNeeds.reduce((sum, need) => sum + need.replicas * need.gpus, 0);
  if (minimumGpus > spec.gpu.limits.gpus) {
    const needs = minimumNeeds
      .filter((need) => need.replicas > 0)
      .sort((a, b) => b.replicas * b.gpus - a.replicas * a.gpus || byCodeUnit(a.name, b.name))
      .map(
        ({ name, replicas, gpus }) =>
          `${name}: ${replicas} ${replicas === 1 ? 'replica' : 'replicas'} x ${gpus} ${gpus === 1 ? 'GPU' : 'GPUs'} = ${replicas * gpus}`,
      );
    problems.push({
      file,
      line: lineOf(['gpu', 'limits', 'gpus']),
      path: ['gpu', 'limits', 'gpus'],
      message: `expected at least ${minimumGpus} GPUs, what the models' minimum replicas need together (${needs.join(', ')}); found ${spec.gpu.limits.gpus}`,
    });
  } else {
    problems.push(...checkRolloutCapacity(env, rollouts));
  }
  return problems;
}

interface RolloutNeed {
  /** GPUs the pool's models hold at their minimum replicas plus each one's upgrade surge. */
  readonly gpus: number;
  /** GPUs of the pool's largest replica: a node that size is replaced while it drains. */
  readonly largestReplica: number;
  readonly models: readonly string[];
}

/**
 * Each GPU NodePool is capped at gpu.limits.gpus. A rollout adds one surge replica per model
 * (an engine bump in the catalogue rolls every model at once), and Karpenter replacing a
 * drifted node (an AMI upgrade) launches its replacement first: both must fit under the cap, or
 * the surge pod stays Pending and the rollout never finishes (maxUnavailable is 0).
 */
function checkRolloutCapacity({ spec, file, lineOf }: Located<ClusterSpec>, rollouts: ReadonlyMap<string, RolloutNeed>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const limit = spec.gpu.limits.gpus;
  for (const [pool, need] of [...rollouts].sort(([a], [b]) => a.localeCompare(b))) {
    const total = need.gpus + need.largestReplica;
    if (total <= limit) continue;
    problems.push({
      file,
      line: lineOf(['gpu', 'limits', 'gpus']),
      path: ['gpu', 'limits', 'gpus'],
      message: `expected at least ${total} GPUs for NodePool ${pool} to roll out: ${need.gpus} for the minimum replicas plus the upgrade surge replicas of ${list(need.models)}, and ${need.largestReplica} for a node Karpenter replaces while the old one drains; found ${limit}`,
    });
  }
  return problems;
}

/**
 * A CloudWatch trigger on the async route's queue: nothing in this fleet reads that queue (the
 * batch workers are a fork's to build), so its depth only grows and would hold the model at
 * replicas.max while the messages expire unread.
 */
function checkQueueTrigger({ spec, file, lineOf }: Located<ClusterSpec>, model: string): ConfigProblem[] {
  const cloudwatch = spec.models[model]?.autoscaling?.cloudwatch;
  if (cloudwatch?.namespace !== 'AWS/SQS' || spec.async === undefined) return [];
  const queue = asyncQueueName(spec);
  if (cloudwatch.dimensions.QueueName !== queue) return [];
  const at = ['models', model, 'autoscaling', 'cloudwatch'];
  return [
    {
      file,
      line: lineOf(at),
      path: at,
      message: `expected no trigger on ${queue}: the async route's queue has no workers in this fleet, so its depth only grows and would hold the model at replicas.max; remove autoscaling.cloudwatch, or scale on a queue that workers drain`,
    },
  ];
}

/**
 * A model whose replicas may reach 0 is woken by the requests its router holds (the only signal
 * that exists with no server running: the queue and KV-cache triggers read the servers' own
 * /metrics). That works only if one held request counts: a queueActivation of 1 or more leaves
 * the first requests waiting until more arrive, or for ever.
 */
function checkWakeFromZero({ spec, file, lineOf }: Located<ClusterSpec>, name: string, model: ModelSpec): ConfigProblem[] {
  const deployment = spec.models[name];
  if (deployment === undefined || deployment.replicas.min > 0 || model.autoscaling.queueActivation < 1) return [];
  const at = ['models', name, 'replicas', 'min'];
  return [
    {
      file,
      line: lineOf(at),
      path: at,
      message: `expected at least 1, or a queueActivation below 1 in apps/models/${name}.yaml: at 0 replicas the router holds the first request, and KEDA wakes the model only when more than queueActivation (${model.autoscaling.queueActivation}) requests wait; found 0`,
    },
  ];
}

/** Why a multi-node model cannot be placed in this environment, or undefined. */
function multiNodePlacementProblem(model: ModelSpec, families: readonly string[], env: ClusterSpec): string | undefined {
  const unknown = families.filter((f) => !GPU_INSTANCE_FAMILIES[f]?.efaInterfaces);
  if (unknown.length > 0) {
    const known = Object.keys(GPU_INSTANCE_FAMILIES).filter((f) => GPU_INSTANCE_FAMILIES[f]?.efaInterfaces);
    return `expected instance families whose EFA interfaces are known for a model on ${model.gpu.nodes} nodes (${list(known)}); ${list(unknown)} ${unknown.length === 1 ? 'is' : 'are'} not, narrow the model's gpu.instanceFamilies`;
  }
  const counts = new Set(families.map((f) => GPU_INSTANCE_FAMILIES[f]!.efaInterfaces));
  if (counts.size > 1) {
    return `expected instance families with one EFA interface count for a model on ${model.gpu.nodes} nodes (each pod requests all of its node's): ${list([...families])} differ; narrow the model's gpu.instanceFamilies`;
  }
  if (env.gpu.efa === undefined) {
    return `expected gpu.efa (zone, placementGroup) in this cluster.yaml: a model on ${model.gpu.nodes} nodes runs in the EFA pool, which EFA confines to one Availability Zone`;
  }
  return undefined;
}

function checkPromotionSource(env: Located<ClusterSpec>, fleet: Fleet, unchecked: UncheckedInputs): ConfigProblem[] {
  const from = env.spec.promotion?.from;
  if (from === undefined || from === env.spec.name || fleet.environments.has(from) || unchecked.environments.has(from)) return [];
  const known = [...fleet.environments.keys()].filter((name) => name !== env.spec.name);
  return [
    {
      file: env.file,
      line: env.lineOf(['promotion', 'from']),
      path: ['promotion', 'from'],
      message: `unknown environment "${from}"; expected one of: ${known.join(', ') || 'none'}`,
    },
  ];
}

/** Promotion must be a chain (dev -> staging -> prod); a cycle would promote a version in circles. */
function checkPromotionCycles(fleet: Fleet): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  for (const start of fleet.environments.keys()) {
    const chain: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = fleet.environments.get(current)?.spec.promotion?.from;
    }
    if (current === undefined) continue;
    const cycle = chain.slice(chain.indexOf(current));
    const first = [...cycle].sort()[0] as string;
    if (reported.has(first)) continue;
    reported.add(first);
    const env = fleet.environments.get(first) as Located<ClusterSpec>;
    const order = [...cycle.slice(cycle.indexOf(first)), ...cycle.slice(0, cycle.indexOf(first)), first];
    problems.push({
      file: env.file,
      line: env.lineOf(['promotion', 'from']),
      path: ['promotion', 'from'],
      message:
        cycle.length === 1
          ? 'expected another environment: an environment cannot promote from itself'
          : `promotion cycle ${order.join(' <- ')}; expected a chain that starts at an environment without promotion.from`,
    });
  }
  return problems;
}

function list(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}
