import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../../platform/spec/cluster-spec.js';
import { addSecurityGroup } from '../../platform/network/security-groups.js';

/** The ConfigMap ACK writes the cache's endpoint into, and its key. */
export const CACHE_ENDPOINT_CONFIGMAP = 'gateway-cache';
export const CACHE_HOST_KEY = 'REDIS_HOST';
export const CACHE_PORT = 6379;

/** The gateway pods' security group (its ACK object's name, in the gateway's namespace). */
export const GATEWAY_PODS_SECURITY_GROUP = 'gateway-pods';

/** The Secret External Secrets Operator creates, and the key that holds the cache's auth token. */
export const GATEWAY_SECRET = 'gateway-secrets';
export const CACHE_AUTH_TOKEN_KEY = 'redis-auth-token';

/**
 * The gateway's response cache as ACK objects in the gateway's namespace: a security group that
 * lets the gateway pods' security group reach Redis on 6379 and nothing else, a subnet group over the private subnets, and
 * a Redis OSS replication group, encrypted in transit and at rest, with an auth token taken from
 * the gateway's Secrets Manager secret (through External Secrets Operator: no value in git), and
 * Multi-AZ with automatic failover once it has a replica. The primary endpoint exists only after
 * ElastiCache creates the group, so ACK's FieldExport copies it into a ConfigMap the gateway reads.
 */
export function addResponseCache(
  scope: Construct,
  environment: ClusterSpec,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): void {
  const cluster = environment.aws.clusterName;
  const name = `${cluster}-gateway-cache`;
  const replicated = environment.gateway.cache.replicasPerShard > 0;
  // Highly available (production) environments keep the cache when its object is deleted.
  const retain = environment.highAvailability ? { annotations: { 'services.k8s.aws/deletion-policy': 'retain' } } : {};
  const tags = [{ key: 'llm-platform/environment', value: environment.name }];

  addSecurityGroup(scope, environment, {
    name: 'gateway-cache',
    namespace,
    awsName: name,
    description: `Redis of the ${environment.name} response cache: 6379 from the gateway pods only`,
    ingress: [{ port: CACHE_PORT, peer: { group: { name: GATEWAY_PODS_SECURITY_GROUP, namespace } }, description: 'gateway pods' }],
    labels,
  });
  new ApiObject(scope, 'cache-subnet-group', {
    apiVersion: 'elasticache.services.k8s.aws/v1alpha1',
    kind: 'CacheSubnetGroup',
    metadata: { name: 'gateway-cache', namespace, labels },
    spec: {
      cacheSubnetGroupName: name,
      cacheSubnetGroupDescription: `Private subnets of the ${environment.name} gateway cache`,
      subnetIDs: [...environment.network.privateSubnetIds],
      tags,
    },
  });
  new ApiObject(scope, 'cache', {
    apiVersion: 'elasticache.services.k8s.aws/v1alpha1',
    kind: 'ReplicationGroup',
    metadata: { name: 'gateway-cache', namespace, labels, ...retain },
    spec: {
      replicationGroupID: name,
      description: `Response cache of the ${environment.name} LLM gateway`,
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: environment.gateway.cache.nodeType,
      numNodeGroups: 1,
      replicasPerNodeGroup: environment.gateway.cache.replicasPerShard,
      automaticFailoverEnabled: replicated,
      multiAZEnabled: replicated,
      port: CACHE_PORT,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: { namespace, name: GATEWAY_SECRET, key: CACHE_AUTH_TOKEN_KEY },
      cacheSubnetGroupRef: { from: { name: 'gateway-cache' } },
      securityGroupRefs: [{ from: { name: 'gateway-cache' } }],
      snapshotRetentionLimit: environment.highAvailability ? 7 : 0,
      preferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      tags,
    },
  });
  new ApiObject(scope, 'cache-endpoint-target', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: CACHE_ENDPOINT_CONFIGMAP,
      namespace,
      labels,
      annotations: {
        'eks-llm-gitops.io/filled-by':
          'ACK FieldExport gateway-cache-endpoint (the primary endpoint exists only once ElastiCache created it)',
      },
    },
  });
  new ApiObject(scope, 'cache-endpoint', {
    apiVersion: 'services.k8s.aws/v1alpha1',
    kind: 'FieldExport',
    metadata: { name: 'gateway-cache-endpoint', namespace, labels },
    spec: {
      from: {
        path: '.status.nodeGroups[0].primaryEndpoint.address',
        resource: { group: 'elasticache.services.k8s.aws', kind: 'ReplicationGroup', name: 'gateway-cache' },
      },
      to: { kind: 'configmap', name: CACHE_ENDPOINT_CONFIGMAP, namespace, key: CACHE_HOST_KEY },
    },
  });
}
