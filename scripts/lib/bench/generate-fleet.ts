import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toYaml } from '../../../platform/core/yaml.js';

export interface GeneratedFleet {
  readonly environments: readonly string[];
  readonly models: readonly string[];
}

/**
 * Writes a synthetic fleet under `root`: `models` catalogue entries (alternating 1-GPU and
 * 8-GPU servers, like the sample) and `environments` cluster.yaml files that each run all of
 * them, chained by promotion. Realistic in shape so the renderer does its real work.
 */
export async function generateFleet(root: string, environments: number, models: number): Promise<GeneratedFleet> {
  const envNames = Array.from({ length: environments }, (_, i) => `env${i + 1}`);
  const modelNames = Array.from({ length: models }, (_, i) => `model-${String(i + 1).padStart(3, '0')}`);
  await mkdir(path.join(root, 'apps/models'), { recursive: true });

  for (const [index, name] of modelNames.entries()) {
    const large = index % 2 === 1;
    const model = {
      name,
      servedModelName: `acme/${name}`,
      parametersBillions: large ? 70 : 8,
      source: `s3://acme-llm-weights-us-west-2/acme/${name}`,
      engine: {
        image: 'docker.io/vllm/vllm-openai',
        tag: 'v0.28.0',
        digest: 'sha256:61fc8a896b0a4fbbbdc063bc4b0dbc25ce98e02b5050c24aeb7830ac02039b14',
      },
      gpu: { count: large ? 8 : 1, instanceFamilies: large ? ['p5', 'p4d', 'g6e'] : ['g6e', 'g6'] },
      tensorParallelSize: large ? 8 : 1,
      maxModelLen: large ? 32768 : 16384,
      resources: large
        ? { cpu: '64', memory: '512Gi', ephemeralStorage: '100Gi', shm: '16Gi' }
        : { cpu: '6', memory: '40Gi', ephemeralStorage: '20Gi' },
      extraArgs: { 'gpu-memory-utilization': 0.9, 'enable-prefix-caching': true },
    };
    await writeFile(path.join(root, 'apps/models', `${name}.yaml`), toYaml(model));
  }

  for (const [index, name] of envNames.entries()) {
    const account = String(100000000000 + index);
    const cluster = {
      name,
      aws: { accountId: account, region: 'us-west-2', clusterName: `llm-${name}`, kubernetesVersion: '1.32' },
      dns: {
        zone: `${name}.llm.example.com`,
        hostedZoneId: `Z0${String(index).padStart(2, '0')}0000000000000BENCH`,
        host: `api.${name}.llm.example.com`,
        certificateArn: `arn:aws:acm:us-west-2:${account}:certificate/00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      },
      network: {
        vpcId: `vpc-0a1b2c3d4e5f6071${index}`,
        vpcCidr: `10.${index + 1}.0.0/16`,
        privateSubnetIds: [`subnet-0a1b2c3d4e5f6071${index}`, `subnet-0b1b2c3d4e5f6071${index}`],
        clusterSecurityGroupId: `sg-0c1b2c3d4e5f6071${index}`,
      },
      karpenter: {
        amiFamily: 'al2023',
        amiVersion: 'v20261110',
        nodeRole: `KarpenterNodeRole-${name}`,
        interruptionQueue: `llm-${name}-karpenter`,
      },
      storage: { efsFileSystemId: `fs-0a1b2c3d4e5f6071${index}` },
      ingress: { scheme: 'internal' },
      gateway: {
        replicas: { min: 2, max: 4 },
        secretName: `llm/${name}/gateway`,
        cache: { nodeType: 'cache.t4g.small', replicasPerShard: 1, ttlSeconds: 600 },
      },
      edge: {
        jwt: {
          issuer: 'https://auth.example.com/',
          jwksEndpoint: 'https://auth.example.com/.well-known/jwks.json',
          audience: [`llm-api-${name}`],
        },
      },
      gpu: { instanceFamilies: ['g6', 'g6e', 'p4d', 'p5'], capacityTypes: ['on-demand'], limits: { gpus: 10000 } },
      gitops: { engine: 'argocd', repoURL: 'https://github.com/acme/llm-fleet.git', revision: 'main' },
      models: Object.fromEntries(modelNames.map((m) => [m, { version: `v2026.11.${index + 1}`, replicas: { min: 1, max: 4 } }])),
      ...(index === 0 ? {} : { promotion: { from: envNames[index - 1], soakHours: 24 } }),
    };
    await mkdir(path.join(root, 'clusters', name), { recursive: true });
    await writeFile(path.join(root, 'clusters', name, 'cluster.yaml'), toYaml(cluster));
  }
  return { environments: envNames, models: modelNames };
}
