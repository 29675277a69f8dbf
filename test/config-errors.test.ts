import { describe, expect, test, type TestContext } from 'vitest';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { makeFixtureRepo, runScript, type FixtureRepo } from './helpers/fixture-repo.js';

async function fixture(onTestFinished: TestContext['onTestFinished']): Promise<FixtureRepo> {
  const repo = await makeFixtureRepo();
  onTestFinished(() => repo.dispose());
  return repo;
}

const DEV = 'clusters/dev/cluster.yaml';
const STAGING = 'clusters/staging/cluster.yaml';
const PROD = 'clusters/prod/cluster.yaml';
const SMALL = 'apps/models/llama-3-1-8b-instruct.yaml';
const LARGE = 'apps/models/llama-3-3-70b-instruct.yaml';
const HUGE = 'apps/models/llama-3-1-405b-instruct.yaml';

interface BadInput {
  readonly name: string;
  /** Breaks the fixture; returns the problem line(s) expected on stderr. */
  readonly breakIt: (repo: FixtureRepo) => Promise<string[]>;
}

/**
 * `file:line: field: message` lines. Lines are computed from the fixture text after the edit
 * so the test states which line a person must look at, not a magic number.
 */
/** How a YAML syntax error quotes line n of `file`: `    <n> | <text>`. */
async function snippet(repo: FixtureRepo, file: string): Promise<(n: number) => string> {
  const text = (await repo.read(file)).split('\n');
  return (n) => `    ${n} | ${text[n - 1]}`;
}

const cases: BadInput[] = [
  {
    name: 'YAML syntax error',
    breakIt: async (repo) => {
      await repo.edit(DEV, '  clusterName: llm-dev', '   clusterName: llm-dev');
      const line = await repo.lineOf(DEV, 'clusterName');
      const at = await snippet(repo, DEV);
      // Line and column, then the lines around it with a caret under the column.
      return [
        `${DEV}:${line}:15: YAML syntax error: bad indentation of a mapping entry`,
        at(line - 2),
        at(line - 1),
        at(line),
        `      | ${' '.repeat(14)}^`,
        at(line + 1),
        at(line + 2),
      ];
    },
  },
  {
    name: 'wrong type',
    breakIt: async (repo) => {
      await repo.edit(SMALL, 'maxModelLen: 16384', 'maxModelLen: "16k"');
      return [
        `${SMALL}:${await repo.lineOf(SMALL, 'maxModelLen')}: maxModelLen: expected the context length in tokens, an integer, found "16k"`,
      ];
    },
  },
  {
    name: 'unknown key (typo)',
    breakIt: async (repo) => {
      await repo.edit(
        DEV,
        '  llama-3-3-70b-instruct:\n    version: v2026.11.1\n    replicas:',
        '  llama-3-3-70b-instruct:\n    version: v2026.11.1\n    replicaz:',
      );
      const line = await repo.lineOf(DEV, 'replicaz');
      // One mistake, one problem: not "replicas missing" and "replicaz unknown".
      return [
        `${DEV}:${line}: models.llama-3-3-70b-instruct.replicaz: unknown key "replicaz"; did you mean "replicas"? (replicas is required)`,
      ];
    },
  },
  {
    name: 'unknown model',
    breakIt: async (repo) => {
      await repo.edit(DEV, '  llama-3-1-8b-instruct:', '  llama-3-1-8b-instrukt:');
      return [
        `${DEV}:${await repo.lineOf(DEV, 'instrukt')}: models.llama-3-1-8b-instrukt: unknown model; expected one of the catalogue (apps/models/<name>.yaml): llama-3-1-405b-instruct, llama-3-1-8b-instruct, llama-3-3-70b-instruct`,
      ];
    },
  },
  {
    name: 'replicas min > max',
    breakIt: async (repo) => {
      await repo.edit(STAGING, '      min: 1\n      max: 4', '      min: 5\n      max: 4');
      return [
        `${STAGING}:${await repo.lineOf(STAGING, 'min: 5')}: models.llama-3-1-8b-instruct.replicas.min: expected replicas.min <= replicas.max (4), found 5`,
      ];
    },
  },
  {
    name: 'tensorParallelSize inconsistent with gpu.count',
    breakIt: async (repo) => {
      await repo.edit(LARGE, 'tensorParallelSize: 8', 'tensorParallelSize: 4');
      return [
        `${LARGE}:${await repo.lineOf(LARGE, 'tensorParallelSize')}: tensorParallelSize: expected tensorParallelSize to equal gpu.count (8): each replica shards the model over all its GPUs; found 4`,
      ];
    },
  },
  {
    name: 'invalid DNS name',
    breakIt: async (repo) => {
      await repo.edit(DEV, 'host: api.dev.llm.example.com', 'host: api_dev.llm.example.com');
      return [
        `${DEV}:${await repo.lineOf(DEV, 'host:')}: dns.host: expected a lowercase DNS name such as "api.dev.llm.example.com", found "api_dev.llm.example.com"`,
      ];
    },
  },
  {
    name: 'a Prometheus query URL in clear text across the network, a window out of range, an SLO of zero',
    breakIt: async (repo) => {
      await repo.edit(
        STAGING,
        'queryUrl: https://prometheus.staging.llm.example.com',
        'queryUrl: http://prometheus.staging.llm.example.com',
      );
      await repo.edit(PROD, '  soakHours: 72\n', '  soakHours: 72\n  sloWindowMinutes: 2\n');
      await repo.edit(SMALL, 'maxModelLen: 16384', 'slo:\n  timeToFirstTokenP95Seconds: 0\nmaxModelLen: 16384');
      return [
        `${SMALL}:${await repo.lineOf(SMALL, 'timeToFirstTokenP95Seconds')}: slo.timeToFirstTokenP95Seconds: expected the p95 time to first token in seconds, a number > 0, found number 0`,
        `${PROD}:${await repo.lineOf(PROD, 'sloWindowMinutes')}: promotion.sloWindowMinutes: expected at least 5 minutes, found number 2`,
        `${STAGING}:${await repo.lineOf(STAGING, 'queryUrl')}: monitoring.queryUrl: expected the https:// base URL of a Prometheus HTTP API, such as "https://prometheus.staging.example.com" (http:// only to 127.0.0.1 or localhost), found "http://prometheus.staging.llm.example.com"`,
      ];
    },
  },
  {
    name: 'invalid model name',
    breakIt: async (repo) => {
      await repo.edit(SMALL, 'name: llama-3-1-8b-instruct', 'name: Llama_3.1');
      return [
        `${SMALL}:${await repo.lineOf(SMALL, 'name: Llama')}: name: expected a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (it names the namespace, Deployment and Service of the model server), found "Llama_3.1"`,
      ];
    },
  },
  {
    name: 'duplicate model in an environment',
    breakIt: async (repo) => {
      const text = await repo.read(DEV);
      await repo.write(DEV, `${text}  llama-3-1-8b-instruct:\n    version: v2\n    replicas: { min: 1, max: 1 }\n`);
      const line = (await repo.read(DEV)).split('\n').lastIndexOf('  llama-3-1-8b-instruct:') + 1;
      const at = await snippet(repo, DEV);
      return [
        `${DEV}:${line}:3: YAML syntax error: duplicated mapping key`,
        at(line - 2),
        at(line - 1),
        at(line),
        `       |   ^`,
        at(line + 1),
        at(line + 2),
      ];
    },
  },
  {
    name: 'duplicate model in the catalogue',
    breakIt: async (repo) => {
      await cp(path.join(repo.root, SMALL), path.join(repo.root, SMALL.replace(/\.yaml$/, '.yml')));
      return [`${SMALL.replace(/\.yaml$/, '.yml')}:4: name: duplicate model name "llama-3-1-8b-instruct", already defined in ${SMALL}`];
    },
  },
  {
    name: 'environment name not equal to its folder',
    breakIt: async (repo) => {
      await repo.edit(STAGING, 'name: staging', 'name: stage');
      return [
        `${STAGING}:${await repo.lineOf(STAGING, 'name: stage')}: name: expected "staging", the name of the folder this file is in, found "stage"`,
      ];
    },
  },
  {
    name: 'missing cluster.yaml',
    breakIt: async (repo) => {
      await mkdir(path.join(repo.root, 'clusters/qa'));
      return ['clusters/qa/cluster.yaml: missing: every folder under clusters/ is an environment and needs a cluster.yaml'];
    },
  },
  {
    name: 'promotion cycle',
    breakIt: async (repo) => {
      await repo.write(DEV, `${await repo.read(DEV)}promotion:\n  from: prod\n  soakHours: 1\n`);
      return [
        `${DEV}:${await repo.lineOf(DEV, 'from: prod')}: promotion.from: promotion cycle dev <- prod <- staging <- dev; expected a chain that starts at an environment without promotion.from`,
      ];
    },
  },
  {
    name: 'instance family not allowed',
    breakIt: async (repo) => {
      await repo.edit(DEV, 'instanceFamilies: [g6, g6e, p5]', 'instanceFamilies: [g6]');
      return [
        `${DEV}:${await repo.lineOf(DEV, '  llama-3-3-70b-instruct:')}: models.llama-3-3-70b-instruct: instance families not allowed: the model runs on [p5, p4d, g6e] but gpu.instanceFamilies here allows [g6]; expected at least one in common`,
        `${DEV}:${await repo.lineOf(DEV, '  llama-3-1-405b-instruct:')}: models.llama-3-1-405b-instruct: instance families not allowed: the model runs on [p5] but gpu.instanceFamilies here allows [g6]; expected at least one in common`,
      ];
    },
  },
  {
    name: 'unknown instance family (typo)',
    breakIt: async (repo) => {
      await repo.edit(SMALL, 'instanceFamilies: [g6e, g6, g5]', 'instanceFamilies: [g6e, g6ee, g5]');
      return [
        expect.stringContaining(
          `${SMALL}:${await repo.lineOf(SMALL, 'g6ee')}: gpu.instanceFamilies[1]: expected a known GPU instance family (`,
        ) as unknown as string,
      ];
    },
  },
  {
    name: 'vLLM flag outside the allow-list',
    breakIt: async (repo) => {
      await repo.edit(SMALL, '  max-num-seqs: 128', '  trust-remote-code: true');
      return [
        `${SMALL}:${await repo.lineOf(SMALL, 'trust-remote-code')}: extraArgs.trust-remote-code: "trust-remote-code" cannot be set here: it runs code shipped with the weights; not allowed on the shared platform`,
      ];
    },
  },
  {
    name: 'internet-facing load balancer without a WAF ACL',
    breakIt: async (repo) => {
      await repo.edit(DEV, 'scheme: internal', 'scheme: internet-facing');
      return [
        `${DEV}:${await repo.lineOf(DEV, 'scheme:')}: ingress.scheme: expected ingress.wafAclArn with an internet-facing load balancer: the public endpoint must sit behind a WAF ACL (its rate-based rules throttle by client), or use scheme: internal`,
      ];
    },
  },
  {
    name: "async API host equal to the API's own",
    breakIt: async (repo) => {
      await repo.edit(PROD, 'host: batch.llm.example.com', 'host: api.llm.example.com');
      return [
        `${PROD}:${(await repo.lineOf(PROD, 'async:')) + 2}: async.host: expected a hostname for the async API other than the API's own (api.llm.example.com, the load balancer's)`,
      ];
    },
  },
  {
    name: 'an API host outside the DNS zone external-dns manages',
    breakIt: async (repo) => {
      await repo.edit(DEV, '  scheme: internal\n', '  scheme: internal\n  host: api.other.example.org\n');
      const zone = (await repo.read(DEV)).match(/zone: (\S+)/)![1];
      return [
        `${DEV}:${await repo.lineOf(DEV, 'host: api.other.example.org')}: ingress.host: expected a name inside the zone "${zone}", found "api.other.example.org"`,
      ];
    },
  },
  {
    name: 'an ALB idle timeout shorter than the gateway waits for an answer',
    breakIt: async (repo) => {
      await repo.edit(DEV, '  scheme: internal\n', '  scheme: internal\n  idleTimeoutSeconds: 300\n');
      return [
        `${DEV}:${await repo.lineOf(DEV, 'idleTimeoutSeconds')}: ingress.idleTimeoutSeconds: expected at least 630 seconds: the gateway's request timeout (600 s) and 30 s for its answer, or the ALB cuts long answers, found number 300`,
      ];
    },
  },
  {
    name: 'custom domain target in another region',
    breakIt: async (repo) => {
      await repo.edit(PROD, 'execute-api.us-west-2', 'execute-api.eu-west-1');
      return [
        `${PROD}:${await repo.lineOf(PROD, 'domainTarget:')}: async.domainTarget: expected API Gateway's domain name in the cluster's region us-west-2, found eu-west-1`,
      ];
    },
  },
  {
    name: 'a cluster security group that is no id',
    breakIt: async (repo) => {
      await repo.edit(DEV, 'clusterSecurityGroupId: sg-0d1e2f3a4b5c60701', 'clusterSecurityGroupId: eks-cluster-sg');
      return [
        `${DEV}:${await repo.lineOf(DEV, 'clusterSecurityGroupId')}: network.clusterSecurityGroupId: expected the EKS cluster security group id such as "sg-0a1b2c3d4e5f60718", found "eks-cluster-sg"`,
      ];
    },
  },
  {
    name: 'a model scaled on the async queue, which no workers read',
    breakIt: async (repo) => {
      await repo.edit(
        PROD,
        '      min: 2\n      max: 8\n',
        '      min: 2\n      max: 8\n    autoscaling:\n      cloudwatch:\n        namespace: AWS/SQS\n        metricName: ApproximateNumberOfMessagesVisible\n        dimensions:\n          QueueName: llm-prod-async-requests\n        target: 50\n',
      );
      return [
        `${PROD}:${await repo.lineOf(PROD, '      cloudwatch:')}: models.llama-3-1-8b-instruct.autoscaling.cloudwatch: expected no trigger on llm-prod-async-requests: the async route's queue has no workers in this fleet, so its depth only grows and would hold the model at replicas.max; remove autoscaling.cloudwatch, or scale on a queue that workers drain`,
      ];
    },
  },
  {
    name: 'a GPU limit the minimum replicas fit but a rollout does not',
    breakIt: async (repo) => {
      // The minimum replicas hold 1 + 8 + 16 = 25 GPUs; the gpu pool rolls out in 26, the EFA pool in
      // 56: the 405B's staged canary holds a group of 16 GPUs, and as it passes the stable set's
      // surge group takes 16 more until the canary's is pruned.
      await repo.edit(STAGING, 'gpus: 64', 'gpus: 30');
      return [
        `${STAGING}:${await repo.lineOf(STAGING, 'gpus: 30')}: gpu.limits.gpus: expected at least 56 GPUs for NodePool gpu-efa to roll out: 48 for the minimum replicas plus the upgrade surge replicas of [llama-3-1-405b-instruct (2 during its canary)], and 8 for a node Karpenter replaces while the old one drains; found 30`,
      ];
    },
  },
  {
    name: 'a GPU limit a rolling update would fit but a canary does not',
    breakIt: async (repo) => {
      // The 8B's canary (1 to 4 replicas, checkpoints 10% and 50%) runs two replicas over its
      // desired count while 50% moves to 75% (canary 3 of 4 up before the stable's 2 go):
      // (1 + 2) x 1 + (1 + 1) x 8 = 19 GPUs, and 8 for a replaced node, where a rolling update needed 26.
      await repo.edit(STAGING, 'gpus: 64', 'gpus: 26');
      const line = await repo.lineOf(STAGING, 'gpus: 26');
      return [
        `${STAGING}:${line}: gpu.limits.gpus: expected at least 27 GPUs for NodePool gpu to roll out: 19 for the minimum replicas plus the upgrade surge replicas of [llama-3-1-8b-instruct (2 during its canary), llama-3-3-70b-instruct], and 8 for a node Karpenter replaces while the old one drains; found 26`,
        `${STAGING}:${line}: gpu.limits.gpus: expected at least 56 GPUs for NodePool gpu-efa to roll out: 48 for the minimum replicas plus the upgrade surge replicas of [llama-3-1-405b-instruct (2 during its canary)], and 8 for a node Karpenter replaces while the old one drains; found 26`,
      ];
    },
  },
  {
    name: 'a canary in an environment that Flux reconciles',
    breakIt: async (repo) => {
      await repo.edit(STAGING, '  engine: argocd', '  engine: flux');
      return [
        `${STAGING}:${await repo.lineOf(STAGING, 'canary:')}: canary: expected no canary with gitops.engine "flux": canaries run on Argo Rollouts with Argo CD; remove the canary block (upgrades are rolling updates) or use gitops.engine "argocd"`,
      ];
    },
  },
  {
    name: "a multi-node model's canary at a share that is no checkpoint, and at the version it replaces",
    breakIt: async (repo) => {
      const entry = '  llama-3-1-405b-instruct:\n    version: v2026.11.1\n';
      await repo.edit(STAGING, entry, `${entry}    canary:\n      version: v2026.11.1\n      weight: 20\n`);
      return [
        `${STAGING}:${await repo.lineOf(STAGING, '      version: v2026.11.1')}: models.llama-3-1-405b-instruct.canary.version: expected a version other than the one running (v2026.11.1): the canary is the new version`,
        `${STAGING}:${await repo.lineOf(STAGING, 'weight: 20')}: models.llama-3-1-405b-instruct.canary.weight: expected one of the canary checkpoints' shares (10, 50), found 20`,
      ];
    },
  },
  {
    name: 'a canary entry for a model Argo Rollouts runs, and one whose version the catalogue lacks',
    breakIt: async (repo) => {
      const small = '  llama-3-1-8b-instruct:\n    version: v2026.11.1\n';
      await repo.edit(STAGING, small, `${small}    canary:\n      version: v2026.11.2\n      weight: 10\n`);
      const huge = '  llama-3-1-405b-instruct:\n    version: v2026.11.1\n';
      await repo.edit(STAGING, huge, `${huge}    canary:\n      version: v2099.1.1\n      weight: 10\n`);
      return [
        `${STAGING}:${(await repo.lineOf(STAGING, 'llama-3-1-8b-instruct:')) + 2}: models.llama-3-1-8b-instruct.canary: expected no canary for llama-3-1-8b-instruct: its canaries are Argo Rollouts: change version, and the Rollout moves the traffic by itself`,
        `${STAGING}:${await repo.lineOf(STAGING, 'version: v2099.1.1')}: models.llama-3-1-405b-instruct.canary.version: expected a version ${HUGE} lists under versions (with its weights digest): v2026.11.1; found "v2099.1.1"`,
      ];
    },
  },
  {
    name: 'an AMI that is not pinned',
    breakIt: async (repo) => {
      await repo.edit(DEV, 'amiVersion: v20261110', 'amiVersion: latest');
      return [
        `${DEV}:${await repo.lineOf(DEV, 'amiVersion')}: karpenter.amiVersion: expected a pinned AMI release such as "v20261110" (not "latest": each AMI release would replace every node), found "latest"`,
      ];
    },
  },
  {
    name: 'a moving model version',
    breakIt: async (repo) => {
      await repo.edit(DEV, '  llama-3-3-70b-instruct:\n    version: v2026.11.1', '  llama-3-3-70b-instruct:\n    version: Latest');
      return [
        `${DEV}:${(await repo.lineOf(DEV, 'llama-3-3-70b-instruct:')) + 1}: models.llama-3-3-70b-instruct.version: expected a version that names one upload of the weights, such as "v2026.11.1" (not a moving name such as "latest": clusters would serve different weights under one version), found "Latest"`,
      ];
    },
  },
  {
    name: 'two models serving one name',
    breakIt: async (repo) => {
      await repo.edit(LARGE, 'servedModelName: meta-llama/Llama-3.3-70B-Instruct', 'servedModelName: meta-llama/Llama-3.1-8B-Instruct');
      return [
        `${LARGE}:${await repo.lineOf(LARGE, 'servedModelName')}: servedModelName: expected a name no other model serves, found "meta-llama/Llama-3.1-8B-Instruct", which llama-3-1-8b-instruct serves too (${SMALL}:${await repo.lineOf(SMALL, 'servedModelName')}): the gateway would send one name to two models`,
      ];
    },
  },
  {
    name: 'unquoted account id',
    breakIt: async (repo) => {
      await repo.edit(DEV, 'accountId: "111122223333"', 'accountId: 111122223333');
      return [
        `${DEV}:${await repo.lineOf(DEV, 'accountId')}: aws.accountId: expected a 12-digit AWS account id in quotes (unquoted, YAML reads it as a number), found number 111122223333`,
      ];
    },
  },
  {
    name: 'a model on several nodes: tensor parallelism beyond one node',
    breakIt: async (repo) => {
      // 4 x 4 = 16 GPUs, but tensor parallelism across the nodes would all-reduce over EFA every layer.
      await repo.edit(HUGE, 'tensorParallelSize: 8', 'tensorParallelSize: 4');
      await repo.edit(HUGE, 'pipelineParallelSize: 2', 'pipelineParallelSize: 4');
      return [
        `${HUGE}:${await repo.lineOf(HUGE, 'tensorParallelSize')}: tensorParallelSize: expected tensorParallelSize to equal gpu.count (8, the GPUs of one node): tensor parallelism stays within a node, pipeline parallelism spans the 2 nodes; found 4`,
      ];
    },
  },
  {
    name: 'a model on several nodes: pipeline stages other than nodes',
    breakIt: async (repo) => {
      await repo.edit(HUGE, 'pipelineParallelSize: 2', 'pipelineParallelSize: 4');
      return [
        `${HUGE}:${await repo.lineOf(HUGE, 'pipelineParallelSize')}: pipelineParallelSize: expected pipelineParallelSize to equal gpu.nodes (2), so that tensorParallelSize x pipelineParallelSize = gpu.count x gpu.nodes = 16; found 4`,
      ];
    },
  },
  {
    name: 'a model on several nodes without EFA',
    breakIt: async (repo) => {
      await repo.edit(HUGE, '  efa: true', '  efa: false');
      return [
        `${HUGE}:${await repo.lineOf(HUGE, '  efa: false')}: gpu.efa: expected true: a replica on 2 nodes moves activations between them every step, which needs Elastic Fabric Adapter (the gpu-efa pool); found false`,
      ];
    },
  },
  {
    name: 'weights on the instance store larger than the ephemeral storage',
    breakIt: async (repo) => {
      await repo.edit(LARGE, 'loading:\n  from: efs', 'loading:\n  from: nvme');
      return [
        `${LARGE}:${await repo.lineOf(LARGE, 'ephemeralStorage')}: resources.ephemeralStorage: expected at least 164Gi with loading.from nvme: the weights' copy (154Gi) and 10Gi for the server live on the pod's ephemeral storage; found 100Gi`,
      ];
    },
  },
  {
    name: 'a model that may scale to zero whose first request would not wake it',
    breakIt: async (repo) => {
      await repo.edit(SMALL, '  queueActivation: 0\n', '  queueActivation: 2\n');
      return [
        `${DEV}:${await repo.lineOf(DEV, 'min: 0')}: models.llama-3-1-8b-instruct.replicas.min: expected at least 1, or a queueActivation below 1 in apps/models/llama-3-1-8b-instruct.yaml: at 0 replicas the router holds the first request, and KEDA wakes the model only when more than queueActivation (2) requests wait; found 0`,
      ];
    },
  },
  {
    name: 'a model on several nodes in an environment without an EFA zone',
    breakIt: async (repo) => {
      const text = await repo.read(DEV);
      const start = text.indexOf('  # The EFA pool');
      const end = text.indexOf('    placementGroup: llm-dev-efa\n') + '    placementGroup: llm-dev-efa\n'.length;
      await repo.write(DEV, text.slice(0, start) + text.slice(end));
      return [
        `${DEV}:${await repo.lineOf(DEV, '  llama-3-1-405b-instruct:')}: models.llama-3-1-405b-instruct: expected gpu.efa (zone, placementGroup) in this cluster.yaml: a model on 2 nodes runs in the EFA pool, which EFA confines to one Availability Zone`,
      ];
    },
  },
];

// Each case spawns the CLI on its own copy of the repository, so they can run side by side.
describe.concurrent('bad input is refused with file, line and field, exit 2, and nothing written', () => {
  test.for(cases)('$name', async ({ breakIt }, { onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    const expected = await breakIt(repo);
    const before = await repo.clustersTree();

    const result = await runScript('render', [], repo.root);

    expect(result.code).toBe(2);
    const problemLines = result.stderr.split('\n').filter((line) => line.length > 0 && !line.includes('nothing was written'));
    expect(problemLines).toEqual(expected);
    expect(result.stderr).toContain('nothing was written');
    expect(await repo.clustersTree()).toEqual(before);
  });

  test('every problem is reported at once, across files', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(SMALL, 'maxModelLen: 16384', 'maxModelLen: "16k"');
    await repo.edit(STAGING, 'revision: main', 'revision: HEAD');
    await repo.edit(LARGE, 'count: 8', 'count: 4');
    const result = await runScript('render', ['--check'], repo.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${SMALL}:${await repo.lineOf(SMALL, 'maxModelLen')}: maxModelLen:`);
    expect(result.stderr).toContain(
      `${STAGING}:${await repo.lineOf(STAGING, 'revision')}: gitops.revision: expected an explicit branch name`,
    );
    expect(result.stderr).toContain(
      `${LARGE}:${await repo.lineOf(LARGE, 'tensorParallelSize')}: tensorParallelSize: expected tensorParallelSize to equal gpu.count (4)`,
    );
    expect(result.stderr).toContain('3 input problems');
  });

  test('--format github turns problems into annotations on the file and line', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await repo.edit(STAGING, 'revision: main', 'revision: HEAD');
    const result = await runScript('render', ['--format', 'github'], repo.root);
    expect(result.code).toBe(2);
    const line = await repo.lineOf(STAGING, 'revision');
    expect(result.stdout).toContain(
      `::error file=${STAGING},line=${line},title=invalid input::gitops.revision: expected an explicit branch name`,
    );
  });

  test('--format json lists problems for tools', async ({ onTestFinished }) => {
    const repo = await fixture(onTestFinished);
    await rm(path.join(repo.root, DEV));
    const result = await runScript('render', ['--format', 'json'], repo.root);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      problems: [{ file: DEV, line: null, field: '', message: expect.stringContaining('missing') }],
    });
  });
});
