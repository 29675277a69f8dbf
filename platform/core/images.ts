import type { ClusterSpec } from '../spec/cluster-spec.js';

/**
 * Images the apps run beside their engines (the model server's AWS CLI, the routers' Envoy and picker),
 * pinned by digest so that what was reviewed is what runs. Forks that mirror images into their own
 * ECR change the repository; the tag is kept for people (and Renovate) and never used to pull.
 */
export interface PinnedImage {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
}

/** AWS CLI v2 (Amazon Linux 2023 based): copies a model version from S3 into the cache. */
export const AWS_CLI_IMAGE: PinnedImage = {
  repository: 'public.ecr.aws/aws-cli/aws-cli',
  tag: '2.31.30',
  digest: 'sha256:6c9314d8dd18bcfd11c509e00ea39016c4fb978e42e86df1e4dfd17038b10b78',
};

/** `repository@digest`: the form the kubelet pulls by digest alone. */
export function imageReference(image: Pick<PinnedImage, 'repository' | 'digest'>): string {
  return `${image.repository}@${image.digest}`;
}

/**
 * Where a node pulls an image from: Docker Hub images through the environment's ECR
 * pull-through cache (same digest: the cache stores the upstream manifest as it is), anything
 * else from its own registry. Anonymous Docker Hub pulls are rate-limited per source IP, and a
 * GPU scale-up pulls the ~10 GB vLLM image on every new node.
 */
export function pullFrom(environment: Pick<ClusterSpec, 'aws' | 'images'>, repository: string): string {
  const path = /^docker\.io\/(.+)$/.exec(repository)?.[1];
  if (path === undefined) return repository;
  const { accountId, region } = environment.aws;
  return `${accountId}.dkr.ecr.${region}.amazonaws.com/${environment.images.dockerHubCachePrefix}/${path}`;
}
