import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { asApiObject } from '../../platform/core/api-object.js';
import { kindsOf, type ComponentDeclaration } from '../../platform/core/component.js';
import { recommendedLabels, selectorLabels } from '../../platform/core/labels.js';
import { COMPONENT_PHASE, syncWave } from '../../platform/core/gitops-constants.js';
import { NamespacedChart } from '../../platform/core/namespaced-chart.js';
import { HTTPS_ANYWHERE, POD_IDENTITY_AGENT, scrapedBy } from '../../platform/core/network-policies.js';
import { modelServerPolicy } from '../../platform/identity/iam/workload-policies.js';
import { addWorkloadIdentity, CALLS_AWS_ANNOTATION } from '../../platform/identity/workload-identity.js';
import { gpuNodePoolFor } from '../../platform/karpenter/karpenter.js';
import { MAX_SURGE_REPLICAS, startupBudgets, TIME_TO_READY_ANNOTATION, timeToReadyAnnotation } from './time-budgets.js';
import { leaderWorkerSet, LWS_API_VERSION, LWS_KIND, multiNodeFlows } from './multi-node.js';
import { pullFrom } from '../../platform/core/images.js';
import { addPodSecurityGroup, dnsEgress, fromNodes } from '../../platform/network/security-groups.js';
import { SERVING_PRIORITY_CLASS } from '../../platform/scheduling/scheduling.js';
import type { ClusterSpec } from '../../platform/spec/cluster-spec.js';
import type { AutoscalingSpec } from '../../platform/spec/platform-spec.js';
import { MODEL_CACHE_STORAGE_CLASS } from '../../platform/storage/storage.js';
import type { ModelSpec } from '../models/model-spec.js';
import { cloudwatchAuthentication, scaledObject } from './autoscaling.js';
import { analysisTemplate, canaryStrategy, hasCanary, ROLLOUT_API_VERSION, ROLLOUT_KIND } from './canary.js';
import { canaryRouteName, ROLLOUT_TRACK_COMPONENT, TRACK_LABEL, trackName, TRACKS, type Track } from '../router/tracks.js';
import { guardRelease, hasStagedCanary, STAGED_CANARY_GROUPS, stagedCanaryName, type ModelCanarySpec } from './staged-canary.js';
import { addCanaryGuard, CANARY_GUARD_NAME, canaryGuardFlows, GUARD_HEALTH_PORT } from '../canary-guard/guard-chart.js';
import { addGatewayRouter, gatewayRouterFlows } from '../router/gateway-router.js';
import { addRouter, fromRouter, ROUTER_SCRAPE_PORTS, routerFlows } from '../router/router.js';
import { SERVING_PORT, SERVING_PORT_NAME, preStopSleep, vllmPodTemplate, type VllmPodOptions } from './vllm-pod.js';

/** How often a staged canary's guard judges it and writes its route's weights. */
const CANARY_GUARD_INTERVAL_SECONDS = 30;

export interface ModelServerProps {
  /** The environment the server runs in. */
  readonly environment: ClusterSpec;
  /** The catalogue entry of the model. */
  readonly model: ModelSpec;
  /** The version this environment runs: a sub-prefix of `model.source`. */
  readonly version: string;
  /**
   * A multi-node model's canary in progress (cluster.yaml models.<model>.canary): its version and share.
   * @default none: no canary runs
   */
  readonly canaryRelease?: ModelCanarySpec | undefined;
  /** Replica bounds from the environment, enforced by the KEDA ScaledObject. */
  readonly replicas: { readonly min: number; readonly max: number };
  /**
   * Autoscaling targets from the environment.
   * @default the defaults of autoscaling.ts (4 waiting requests per replica, 80% GPU, CPU and memory)
   */
  readonly autoscaling?: AutoscalingSpec;
  /** Instance families the pods may use (the model's, narrowed to the environment's pool). */
  readonly instanceFamilies: readonly string[];
  /** Where the server's only clients run (the gateway): their namespace and pods' security group. */
  readonly clients: { readonly namespace: string; readonly securityGroup: string };
  /** Replica bounds of the model's router (apps/router/). */
  readonly routerReplicas: { readonly min: number; readonly max: number };
  /**
   * The Karpenter NodePool whose GPU nodes the pods select.
   * @default 'gpu' ('gpu-efa' for models that need EFA)
   */
  readonly nodePool?: string;
  /**
   * StorageClass of the shared (ReadWriteMany) model cache.
   * @default 'efs-sc'
   */
  readonly cacheStorageClass?: string;
}

/** Component folder of a model: `manifests/apps/llm-<model>/`. */
export function modelServerComponent(modelName: string): string {
  return `llm-${modelName}`;
}

/**
 * One vLLM OpenAI-compatible server for one model in one environment, in a namespace of its own:
 * Namespace, ServiceAccount, model-cache claim, Deployment, Service and PodDisruptionBudget.
 */
export class ModelServerChart extends NamespacedChart {
  /** `id` is the component folder, modelServerComponent(model name), which is also the namespace. */
  constructor(scope: Construct, id: string, props: ModelServerProps) {
    const { model, version, clients } = props;
    const identity = { name: 'vllm', instance: model.name, component: 'model-server' };
    // A multi-node model's canary: a LeaderWorkerSet of its own beside the stable one, while one is in progress.
    const staged = hasStagedCanary(props.environment.canary, model.gpu.nodes, props.replicas.min);
    const release = staged ? props.canaryRelease : undefined;
    const groups = [
      multiNodeFlows(model, id, model.name),
      ...(release ? [multiNodeFlows(model, id, stagedCanaryName(model.name), 'canary')] : []),
    ];
    const group = { ingress: groups.flatMap((g) => g.ingress), egress: groups.flatMap((g) => g.egress) };
    // The pods the router sends requests to: the serving pods (a multi-node model's leaders).
    const servingSelector = {
      ...selectorLabels(identity),
      ...(model.gpu.nodes > 1 ? leaderWorkerSet.leaderSelector : {}),
    };
    const routing = routerFlows({ model: model.name, namespace: id, servingSelector, servingPort: SERVING_PORT, clients });
    // Upgrades by canary where the environment asks for them and the model can have one.
    const canary = hasCanary(props.environment.canary, model.gpu.nodes, props.replicas.min) ? props.environment.canary : undefined;
    const gatewayRouting =
      canary || staged
        ? gatewayRouterFlows({ model: model.name, namespace: id, servingSelector, servingPort: SERVING_PORT })
        : { ingress: [], egress: [], scrapePorts: [] };
    super(scope, id, {
      layer: 'apps',
      environment: props.environment,
      namespace: id,
      app: identity,
      // Pod Security Admission: the server meets the "restricted" profile, so enforce it.
      pinPodSecurityVersion: true,
      network: {
        ingress: [
          // The gateway reaches the router only; the router reaches the model's serving pods.
          ...routing.ingress,
          ...gatewayRouting.ingress,
          scrapedBy([
            { port: SERVING_PORT },
            ...ROUTER_SCRAPE_PORTS,
            ...gatewayRouting.scrapePorts,
            ...(staged ? [{ port: GUARD_HEALTH_PORT }] : []),
          ]),
          ...group.ingress,
        ],
        // Weights from S3 (HTTPS) with credentials from EKS Pod Identity, and the router's watch
        // of the API server; nothing else leaves (but a multi-node replica's pods talk to each
        // other, and the router to the model's pods).
        egress: [
          HTTPS_ANYWHERE,
          POD_IDENTITY_AGENT,
          ...routing.egress,
          ...gatewayRouting.egress,
          ...group.egress,
          ...(staged ? canaryGuardFlows(model.name) : []),
        ],
      },
    });
    const name = model.name;
    const namespace = this.namespaceName;
    const labels = this.appLabels;
    const versionedLabels = recommendedLabels({ ...identity, version });
    const selector = this.selector;
    const metadata = (objectName: string) => this.metadata(objectName);

    // The cache-fill init container reads the weights from S3 as this service account: its role
    // may list and read this model's prefix of the bucket and nothing else.
    const serviceAccount = new kplus.ServiceAccount(this, 'service-account', {
      metadata: { ...metadata(name), annotations: { [CALLS_AWS_ANNOTATION]: 'true' } },
      automountToken: false,
    });
    addWorkloadIdentity(
      this,
      props.environment,
      {
        key: `model-${name}`,
        namespace,
        serviceAccount: name,
        description: `Model server ${name}: reads its weights from ${model.source}`,
        policy: modelServerPolicy(model.source),
      },
      namespace,
      labels,
      // Before the Deployment: Pod Identity gives credentials only to pods created after their
      // association exists, and the first pods fill the model cache from S3.
      syncWave(COMPONENT_PHASE.prerequisites),
    );

    const cacheClaim = new k8s.KubePersistentVolumeClaim(this, 'model-cache', {
      metadata: metadata('model-cache'),
      spec: {
        accessModes: ['ReadWriteMany'],
        storageClassName: props.cacheStorageClass ?? MODEL_CACHE_STORAGE_CLASS,
        // EFS is elastic and ignores the size; the API requires one.
        resources: { requests: { storage: k8s.Quantity.fromString('1Ti') } },
      },
    });

    const budgets = startupBudgets(model, props.instanceFamilies);
    const annotations = {
      'eks-llm-gitops.io/engine-tag': model.engine.tag,
      'eks-llm-gitops.io/parameters-billions': String(model.parametersBillions),
      // The estimate the start-up budgets come from: the policy pack checks them against it (WL-002).
      [TIME_TO_READY_ANNOTATION]: timeToReadyAnnotation(model, props.instanceFamilies, budgets),
    };
    // A staged canary's tracks: each LeaderWorkerSet's pods carry their track, which its InferencePool selects.
    const pod = (role: VllmPodOptions['role'], set: { name: string; version: string; track?: Track } = { name, version }) =>
      vllmPodTemplate({
        model,
        version: set.version,
        labels: {
          ...recommendedLabels({ ...identity, version: set.version }),
          ...(set.track ? { [TRACK_LABEL]: set.track } : {}),
        },
        selector,
        serviceAccountName: serviceAccount.name,
        cacheClaimName: cacheClaim.name,
        nodePool: props.nodePool ?? gpuNodePoolFor(model.gpu),
        instanceFamilies: props.instanceFamilies,
        awsRegion: props.environment.aws.region,
        engineRepository: pullFrom(props.environment, model.engine.image),
        priorityClassName: SERVING_PRIORITY_CLASS,
        budgets,
        role,
        ...(role === 'single' ? {} : leaderWorkerSet.podOptions(model, props.instanceFamilies, set.name)),
      });

    const multiNode = model.gpu.nodes > 1;
    if (multiNode) {
      const stable = { name, version, ...(staged ? { track: 'stable' as const } : {}) };
      leaderWorkerSet.add(this, 'leader-worker-set', {
        metadata: { ...metadata(name), labels: versionedLabels, annotations },
        model,
        leader: pod('leader', stable),
        worker: pod('worker', stable),
      });
      if (release) {
        const canarySet = { name: stagedCanaryName(name), version: release.version, track: 'canary' as const };
        leaderWorkerSet.add(this, 'canary-leader-worker-set', {
          metadata: {
            ...metadata(canarySet.name),
            labels: recommendedLabels({ ...identity, version: release.version }),
            annotations,
          },
          model,
          leader: pod('leader', canarySet),
          worker: pod('worker', canarySet),
          // A fixed count (no autoscaler): one replica of spare GPUs beside the stable groups.
          replicas: STAGED_CANARY_GROUPS,
        });
      }
    } else {
      // A plain ApiObject from the typed manifest: the generated KubeDeployment re-filters its JSON
      // through the Kubernetes 1.27 types on output, which would drop the preStop sleep patched in below.
      const deployment = k8s.KubeDeployment.manifest({
        metadata: { ...metadata(name), labels: versionedLabels, annotations },
        spec: {
          // No replicas field: the HPA that KEDA drives owns the count, and a value here would
          // make Argo CD or Flux reset it on every sync.
          revisionHistoryLimit: 5,
          progressDeadlineSeconds: budgets.progressDeadlineSeconds,
          selector: { matchLabels: selector },
          // One extra replica at a time, never fewer than desired: each replica holds GPUs, and
          // capacity comes back only after a multi-minute model load.
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(MAX_SURGE_REPLICAS), maxUnavailable: k8s.IntOrString.fromNumber(0) },
          },
          template: pod('single'),
        },
      });
      // With a canary, the same pods in an Argo Rollout whose strategy shifts traffic by weight.
      const workload = canary
        ? new ApiObject(this, 'rollout', {
            apiVersion: ROLLOUT_API_VERSION,
            kind: ROLLOUT_KIND,
            metadata: deployment.metadata,
            spec: {
              revisionHistoryLimit: 5,
              progressDeadlineSeconds: budgets.progressDeadlineSeconds,
              // A canary that cannot become ready in its deadline is rolled back, not left waiting.
              progressDeadlineAbort: true,
              selector: { matchLabels: selector },
              strategy: canaryStrategy({ model: name, namespace, canary, replicas: props.replicas }),
              template: deployment.spec?.template,
            },
          })
        : new ApiObject(this, 'deployment', deployment);
      workload.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', preStopSleep(model)));
    }

    const service = new kplus.Service(this, 'service', {
      metadata: metadata(name),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: SERVING_PORT_NAME, port: SERVING_PORT, targetPort: SERVING_PORT }],
    });
    for (const [key, value] of Object.entries(selector)) service.selectLabel(key, value);
    // Only a group's leader serves the API; its workers hold the other pipeline stages.
    if (multiNode) for (const [key, value] of Object.entries(leaderWorkerSet.leaderSelector)) service.selectLabel(key, value);

    // A model that may run no replica: the router holds its first requests, and their count wakes it.
    const routerHolds = props.replicas.min === 0;
    const router = {
      environment: props.environment,
      model: name,
      namespace,
      servingSelector,
      servingPort: SERVING_PORT,
      clients,
      replicas: props.routerReplicas,
      holdWhenSaturated: routerHolds,
    };
    if (staged) {
      // git's share when the route is created; the guard writes the weights after, and takes the canary out on a missed SLO.
      addGatewayRouter(this, { ...router, canaryWeight: release?.weight ?? 0, weightsWriter: CANARY_GUARD_NAME });
      const canarySpec = props.environment.canary!;
      addCanaryGuard(this, {
        environment: props.environment,
        model: name,
        namespace,
        config: {
          route: canaryRouteName(name),
          stableBackend: trackName(name, 'stable'),
          canaryBackend: trackName(name, 'canary'),
          intervalSeconds: CANARY_GUARD_INTERVAL_SECONDS,
          ...(release ? { release: guardRelease(name, model.slo, canarySpec, release) } : {}),
        },
      });
    } else if (canary) {
      // The tracks' Services, which Argo Rollouts points at each track's pods by pod-template hash.
      // Not the model server's component: Prometheus scrapes each pod once, through the plain Service.
      for (const track of TRACKS) {
        new ApiObject(this, `${track}-service`, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name: trackName(name, track),
            namespace,
            labels: { ...labels, 'app.kubernetes.io/component': ROLLOUT_TRACK_COMPONENT },
          },
          spec: {
            selector: { ...selector },
            ports: [{ name: SERVING_PORT_NAME, port: SERVING_PORT, targetPort: SERVING_PORT, protocol: 'TCP' }],
          },
        });
      }
      new ApiObject(this, 'analysis-template', asApiObject(analysisTemplate({ model: name, namespace, labels, slo: model.slo, canary })));
      addGatewayRouter(this, { ...router, canaryWeight: 0 });
    } else addRouter(this, router);

    new ApiObject(
      this,
      'scaled-object',
      asApiObject(
        scaledObject({
          name,
          namespace,
          labels,
          model,
          replicas: props.replicas,
          autoscaling: props.autoscaling,
          awsRegion: props.environment.aws.region,
          budgets,
          target: multiNode
            ? { apiVersion: LWS_API_VERSION, kind: LWS_KIND }
            : canary
              ? { apiVersion: ROLLOUT_API_VERSION, kind: ROLLOUT_KIND }
              : { apiVersion: 'apps/v1', kind: 'Deployment' },
          routerHolds,
        }),
      ),
    );
    if (props.autoscaling?.cloudwatch)
      new ApiObject(this, 'trigger-authentication', asApiObject(cloudwatchAuthentication(namespace, labels)));

    // Only the router's pods (and the nodes: probes, scrapes) reach the server; weights come over
    // HTTPS. The pods of a multi-node replica reach each other (rendezvous, NCCL bootstrap) through
    // the cluster security group they all carry, which admits its members; the namespace's
    // NetworkPolicy narrows that to the group. No rule admits the VPC's range.
    addPodSecurityGroup(this, props.environment, {
      name: 'model-server',
      namespace,
      awsName: `${props.environment.aws.clusterName}-${name}-pods`,
      description: `Model server ${name} of ${props.environment.name}: its router in; HTTPS and DNS out`,
      ingress: [fromRouter(namespace, SERVING_PORT), fromNodes(props.environment, SERVING_PORT)],
      egress: [
        { port: 443, peer: { cidr: '0.0.0.0/0' }, description: 'model weights from S3 and AWS APIs over HTTPS' },
        ...dnsEgress(props.environment),
      ],
      labels,
      podSelector: selector,
    });

    new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
      metadata: metadata(name),
      spec: {
        // One replica at a time may be evicted: node drains make progress, capacity never drops by more.
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: selector },
      },
    });
  }
}

export const modelServer: ComponentDeclaration = {
  name: modelServerComponent('<model>'),
  installs: [],
  needs: [
    ...kindsOf('keda.sh', 'ScaledObject', 'TriggerAuthentication'),
    ...kindsOf('leaderworkerset.x-k8s.io', 'LeaderWorkerSet'),
    ...kindsOf('inference.networking.k8s.io', 'InferencePool'),
    ...kindsOf('argoproj.io', 'Rollout', 'AnalysisTemplate'),
    ...kindsOf('gateway.networking.k8s.io', 'Gateway', 'HTTPRoute'),
    ...kindsOf('networking.istio.io', 'DestinationRule'),
    ...kindsOf('iam.services.k8s.aws', 'Role'),
    ...kindsOf('eks.services.k8s.aws', 'PodIdentityAssociation'),
    ...kindsOf('ec2.services.k8s.aws', 'SecurityGroup'),
    ...kindsOf('kro.run', 'PodSecurityGroup'),
  ],
};
