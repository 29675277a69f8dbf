import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { imageReference, type PinnedImage } from '../../platform/core/images.js';
import { recommendedLabels, selectorLabels } from '../../platform/core/labels.js';
import { MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS, type Flow } from '../../platform/core/network-policies.js';
import { CANARY_GUARD_POD_LABELS, PROMETHEUS_URL } from '../../platform/monitoring/monitoring.js';
import { addPodSecurityGroup, dnsEgress, fromNodes } from '../../platform/network/security-groups.js';
import { SERVING_PRIORITY_CLASS } from '../../platform/scheduling/scheduling.js';
import { spreadOverZones } from '../../platform/scheduling/zone-spread.js';
import type { ClusterSpec } from '../../platform/spec/cluster-spec.js';
import { API_TOKEN_VOLUME, NONROOT_POD, RESTRICTED } from '../router/picker-pod.js';
import { guardScript } from './bundle.js';
import type { GuardConfig } from './config.js';

/*
 * The canary guard of a multi-node model (a LeaderWorkerSet, which Argo Rollouts cannot run):
 * the one writer of its HTTPRoute's weights, as Argo Rollouts' plugin is for a Rollout's route
 * (Argo CD leaves them alone: platform/gitops/controller-owned.ts). It gives the canary git's
 * share once its group is Ready, and takes it out by itself (share 0, for good) when the canary
 * misses an SLO in more windows than its failure limit allows; npm run promote then opens the PR
 * that removes it from git. One small pod: Node.js running one bundled file (bundle.ts) from a
 * ConfigMap, with get and patch on that route and get on the canary's LeaderWorkerSet, nothing else.
 */

export const CANARY_GUARD_NAME = 'canary-guard';
/** Health (/livez, /readyz) and /metrics. */
export const GUARD_HEALTH_PORT = 8080;
const GUARD_PORT_NAME = 'metrics';
const PROMETHEUS_PORT = 9090;
const SCRIPT_FILE = 'guard.mjs';
const CONFIG_FILE = 'config.json';
const MOUNT = '/etc/canary-guard';

/**
 * Node.js 22 on distroless (nonroot, uid 65532, no shell). The digest is the :nonroot tag's
 * multi-arch index as public Dockerfiles pin it; it was not pulled here, so a fork checks it once
 * (`crane digest gcr.io/distroless/nodejs22-debian12:nonroot`) and mirrors the image to ECR.
 */
export const NODE_IMAGE: PinnedImage = {
  repository: 'gcr.io/distroless/nodejs22-debian12',
  tag: 'nonroot',
  digest: 'sha256:13593b7570658e8477de39e2f4a1dd25db2f836d68a0ba771251572d23bb4f8e',
};

const RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } };

export interface CanaryGuardProps {
  readonly environment: ClusterSpec;
  readonly model: string;
  readonly namespace: string;
  /** What the guard reads: the route, its backends, the canary (config.ts). */
  readonly config: Omit<GuardConfig, 'namespace' | 'prometheusUrl'>;
}

const identity = (model: string) => ({
  name: CANARY_GUARD_POD_LABELS['app.kubernetes.io/name'],
  instance: model,
  component: 'canary-guard',
});

/** The guard's pods. */
export const canaryGuardSelector = (model: string): Record<string, string> => selectorLabels(identity(model));

/** Its one flow beyond the namespace's HTTPS egress (the API server): the SLO queries to Prometheus. */
export function canaryGuardFlows(model: string): Flow[] {
  return [
    {
      name: 'canary-guard-queries-prometheus',
      podLabels: canaryGuardSelector(model),
      peers: [{ namespace: MONITORING_NAMESPACE, podLabels: PROMETHEUS_POD_LABELS }],
      ports: [{ port: PROMETHEUS_PORT }],
    },
  ];
}

export function addCanaryGuard(scope: Construct, props: CanaryGuardProps): void {
  const { environment, model, namespace } = props;
  const labels = recommendedLabels(identity(model));
  const metadata = { name: CANARY_GUARD_NAME, namespace, labels };
  const selector = canaryGuardSelector(model);
  const config: GuardConfig = { namespace, prometheusUrl: PROMETHEUS_URL, ...props.config };
  const files = { [SCRIPT_FILE]: guardScript(), [CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n` };
  const checksum = createHash('sha256').update(files[SCRIPT_FILE]).update(files[CONFIG_FILE]).digest('hex');

  new ApiObject(scope, 'canary-guard-config', { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: files });
  new ApiObject(scope, 'canary-guard-service-account', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata,
    automountServiceAccountToken: false,
  });
  new ApiObject(scope, 'canary-guard-role', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata,
    rules: [
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], resourceNames: [props.config.route], verbs: ['get', 'patch'] },
      ...(props.config.release
        ? [
            {
              apiGroups: ['leaderworkerset.x-k8s.io'],
              resources: ['leaderworkersets'],
              resourceNames: [props.config.release.workload],
              verbs: ['get'],
            },
          ]
        : []),
    ],
  });
  new ApiObject(scope, 'canary-guard-role-binding', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CANARY_GUARD_NAME },
    subjects: [{ kind: 'ServiceAccount', name: CANARY_GUARD_NAME, namespace }],
  });
  const probe = (path: string, failures: number) => ({
    httpGet: { path, port: GUARD_HEALTH_PORT },
    periodSeconds: 10,
    failureThreshold: failures,
    timeoutSeconds: 2,
  });
  new ApiObject(scope, 'canary-guard-deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      // Two where highly available, both safe: each pass writes only on the resourceVersion it
      // read, and two guards of one config decide alike. Recreate: a guard of the old config
      // stops before one of the new starts.
      replicas: environment.highAvailability ? 2 : 1,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels, annotations: { 'eks-llm-gitops.io/config-sha256': checksum } },
        spec: {
          serviceAccountName: CANARY_GUARD_NAME,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          priorityClassName: SERVING_PRIORITY_CLASS,
          securityContext: NONROOT_POD,
          terminationGracePeriodSeconds: 10,
          topologySpreadConstraints: spreadOverZones(selector),
          containers: [
            {
              name: CANARY_GUARD_NAME,
              image: imageReference(NODE_IMAGE),
              imagePullPolicy: 'IfNotPresent',
              // The image's entrypoint is node.
              args: [`${MOUNT}/${SCRIPT_FILE}`],
              env: [
                { name: 'GUARD_CONFIG', value: `${MOUNT}/${CONFIG_FILE}` },
                { name: 'GUARD_HEALTH_PORT', value: String(GUARD_HEALTH_PORT) },
              ],
              ports: [{ name: GUARD_PORT_NAME, containerPort: GUARD_HEALTH_PORT, protocol: 'TCP' }],
              resources: RESOURCES,
              // Ready once a pass has written its config's weights (and while passes succeed).
              readinessProbe: probe('/readyz', 3),
              livenessProbe: probe('/livez', 3),
              securityContext: RESTRICTED,
              volumeMounts: [
                { name: 'guard', mountPath: MOUNT, readOnly: true },
                { name: API_TOKEN_VOLUME.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
              ],
            },
          ],
          volumes: [{ name: 'guard', configMap: { name: CANARY_GUARD_NAME } }, API_TOKEN_VOLUME],
        },
      },
    },
  });
  new ApiObject(scope, 'canary-guard-disruption-budget', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata,
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  });
  // For Prometheus (the guard's /metrics): alerts on a canary taken out, or a guard that cannot work.
  new ApiObject(scope, 'canary-guard-service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      selector,
      ports: [{ name: GUARD_PORT_NAME, port: GUARD_HEALTH_PORT, targetPort: GUARD_PORT_NAME, protocol: 'TCP' }],
    },
  });
  addPodSecurityGroup(scope, environment, {
    name: CANARY_GUARD_NAME,
    namespace,
    awsName: `${environment.aws.clusterName}-${model}-canary-guard-pods`,
    description: `Canary guard of ${model} in ${environment.name}: probes and scrapes in; API server, Prometheus and DNS out`,
    // The nodes' probes; Prometheus, which scrapes from the nodes' security group.
    ingress: [fromNodes(environment, GUARD_HEALTH_PORT)],
    egress: [
      { port: PROMETHEUS_PORT, peer: { cidr: environment.network.vpcCidr }, description: 'Prometheus (the canary SLO queries)' },
      ...dnsEgress(environment),
    ],
    labels,
    podSelector: selector,
  });
}
