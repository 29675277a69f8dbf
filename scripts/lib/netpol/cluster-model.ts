import type { ConfigProblem } from '../config/problem.js';
import type { SourcedObject } from '../sync/folder-objects.js';
import { FLOWS_FILE, type ChartPodSpec } from './flow-spec.js';
import { podTemplatesOf } from '../kube/pod-template.js';

/** A pod as the network-flow gate sees it: where it runs, its labels, and its named ports. */
export interface ClusterPod {
  /** "namespace/name": a workload we render, a pod a chart runs, or "(any)" for any other pod. */
  readonly id: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string | undefined;
  /** Container ports by name. */
  readonly ports: Readonly<Record<string, number>>;
  /** Where the pod is declared (file:line). */
  readonly origin: string;
}

/** What one environment's render says about its network: namespaces, pods, policies and scrapes. */
export interface ClusterModel {
  readonly env: string;
  readonly vpcCidr: string;
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly pods: readonly ClusterPod[];
  readonly policies: readonly SourcedObject[];
  /** Namespace and service account of every EKS Pod Identity association. */
  readonly podIdentities: ReadonlyArray<{ readonly namespace: string; readonly serviceAccount: string }>;
  /** Pods Prometheus scrapes, with the port, and what makes it scrape them. */
  readonly scrapeTargets: ReadonlyArray<{
    readonly pod: ClusterPod;
    readonly port: number;
    readonly portName: string;
    readonly via: string;
  }>;
}

/** The pod that stands for every other pod of a namespace: no labels, so only namespace-wide rules select it. */
export const ANY_POD = '(any)';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));

const at = (o: SourcedObject) => `${o.file}:${o.line}`;

/** The pods a workload creates (bare Pods are not rendered, so they are not modelled). */
function podTemplates(o: SourcedObject): ReturnType<typeof podTemplatesOf> {
  return o.object.kind === 'Pod' ? [] : podTemplatesOf(o.object);
}

function workloadPod(o: SourcedObject, template: Json, role: string): ClusterPod {
  const spec = obj(template.spec);
  const ports: Record<string, number> = {};
  for (const container of [...arr(spec.containers), ...arr(spec.initContainers)])
    for (const port of arr(obj(container).ports)) {
      const { name, containerPort } = obj(port);
      if (typeof name === 'string' && typeof containerPort === 'number') ports[name] = containerPort;
    }
  const namespace = o.object.metadata.namespace ?? 'default';
  return {
    id: `${namespace}/${o.object.metadata.name}${role ? `:${role}` : ''}`,
    namespace,
    labels: strings(obj(template.metadata).labels),
    serviceAccount: typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default',
    ports,
    origin: at(o),
  };
}

/** The GatewayClass whose Gateways istiod deploys (platform/istio/istio.ts). */
const ISTIO_GATEWAY_CLASS = 'istio';

/**
 * The Envoy pods istiod deploys for a Gateway of its class, as `<gateway>:gateway`:
 * its spec.infrastructure.labels and the labels Istio adds (istio-discovery files/kube-gateway.yaml),
 * a port per listener and Istio's own (status 15021, merged metrics 15020, Envoy's 15090).
 */
function istioGatewayPod(o: SourcedObject): ClusterPod | undefined {
  const spec = obj(o.object.spec);
  if (o.object.kind !== 'Gateway' || spec.gatewayClassName !== ISTIO_GATEWAY_CLASS) return undefined;
  const namespace = o.object.metadata.namespace ?? 'default';
  const name = o.object.metadata.name;
  const ports: Record<string, number> = { metrics: 15020, 'status-port': 15021, 'http-envoy-prom': 15090 };
  for (const listener of arr(spec.listeners).map(obj))
    if (typeof listener.name === 'string' && typeof listener.port === 'number') ports[listener.name] = listener.port;
  return {
    id: `${namespace}/${name}:gateway`,
    namespace,
    labels: {
      ...strings(obj(spec.infrastructure).labels),
      'gateway.networking.k8s.io/gateway-name': name,
      'gateway.networking.k8s.io/gateway-class-name': ISTIO_GATEWAY_CLASS,
      'gateway.istio.io/managed': 'istio.io-gateway-controller',
    },
    serviceAccount: `${name}-${ISTIO_GATEWAY_CLASS}`,
    ports,
    origin: at(o),
  };
}

/** The chart versions the render installs: Argo CD Applications' Helm sources and Flux HelmReleases. */
function renderedCharts(objects: readonly SourcedObject[]): Map<string, string> {
  const charts = new Map<string, string>();
  for (const { object } of objects) {
    const spec = obj(object.spec);
    if (object.kind === 'Application') {
      for (const source of [spec.source, ...arr(spec.sources)].map(obj))
        if (typeof source.chart === 'string' && typeof source.targetRevision === 'string') charts.set(source.chart, source.targetRevision);
    }
    if (object.kind === 'HelmRelease') {
      const chart = obj(obj(spec.chart).spec);
      if (typeof chart.chart === 'string' && typeof chart.version === 'string') charts.set(chart.chart, chart.version);
    }
  }
  return charts;
}

const selects = (selector: Record<string, string>, labels: Readonly<Record<string, string>>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The pods of `namespaces` (undefined: all) whose labels a label selector (matchLabels only) selects. */
function selectedPods(pods: readonly ClusterPod[], selector: Record<string, string>, namespaces: readonly string[] | undefined) {
  return pods.filter(
    (p) => !p.id.endsWith(`/${ANY_POD}`) && (!namespaces || namespaces.includes(p.namespace)) && selects(selector, p.labels),
  );
}

function monitorNamespaces(monitor: SourcedObject): string[] | undefined {
  const selector = obj(obj(monitor.object.spec).namespaceSelector);
  if (selector.any === true) return undefined;
  const names = arr(selector.matchNames).filter((n): n is string => typeof n === 'string');
  return names.length > 0 ? names : [monitor.object.metadata.namespace ?? 'default'];
}

/** What ServiceMonitors and PodMonitors make Prometheus scrape, resolved to pods and port numbers. */
function scrapeTargets(objects: readonly SourcedObject[], pods: readonly ClusterPod[]): ClusterModel['scrapeTargets'] {
  const targets: Array<ClusterModel['scrapeTargets'][number]> = [];
  const services = objects.filter((o) => o.object.kind === 'Service');
  for (const monitor of objects.filter((o) => o.object.kind === 'ServiceMonitor' || o.object.kind === 'PodMonitor')) {
    const spec = obj(monitor.object.spec);
    const selector = strings(obj(spec.selector).matchLabels);
    const namespaces = monitorNamespaces(monitor);
    const via = `${monitor.object.kind} ${monitor.object.metadata.namespace}/${monitor.object.metadata.name} (${at(monitor)})`;
    if (monitor.object.kind === 'PodMonitor') {
      for (const endpoint of arr(spec.podMetricsEndpoints).map(obj))
        for (const pod of selectedPods(pods, selector, namespaces)) {
          const port = typeof endpoint.port === 'string' ? pod.ports[endpoint.port] : undefined;
          if (port !== undefined) targets.push({ pod, port, portName: endpoint.port as string, via });
        }
      continue;
    }
    for (const service of services) {
      const namespace = service.object.metadata.namespace ?? 'default';
      if ((namespaces && !namespaces.includes(namespace)) || !selects(selector, strings(service.object.metadata.labels ?? {}))) continue;
      const serviceSpec = obj(service.object.spec);
      const backends = selectedPods(pods, strings(serviceSpec.selector), [namespace]);
      for (const endpoint of arr(spec.endpoints).map(obj)) {
        const servicePort = arr(serviceSpec.ports)
          .map(obj)
          .find((p) => p.name === endpoint.port);
        if (!servicePort) continue;
        const target = servicePort.targetPort ?? servicePort.port;
        for (const pod of backends) {
          const port = typeof target === 'number' ? target : typeof target === 'string' ? pod.ports[target] : undefined;
          const portName = typeof target === 'string' ? target : '';
          if (port !== undefined) targets.push({ pod, port, portName, via });
        }
      }
    }
  }
  return targets;
}

export interface ModelInput {
  readonly env: string;
  readonly vpcCidr: string;
  readonly objects: readonly SourcedObject[];
  readonly chartPods: readonly ChartPodSpec[];
}

/**
 * The network model of one environment: every namespace the render creates (plus those its pods
 * run in, and kube-system), the workloads it renders, the chart pods flows.yaml declares for the
 * charts the environment installs (at the version their labels were read from), and one "(any)"
 * pod per namespace.
 */
export function clusterModel(input: ModelInput): { model: ClusterModel; problems: ConfigProblem[] } {
  const { objects } = input;
  const problems: ConfigProblem[] = [];
  const namespaceLabels = new Map<string, Record<string, string>>([['kube-system', {}]]);
  for (const o of objects)
    if (o.object.kind === 'Namespace') namespaceLabels.set(o.object.metadata.name, strings(o.object.metadata.labels ?? {}));
  const pods: ClusterPod[] = [];
  for (const o of objects) {
    for (const { role, template } of podTemplates(o)) pods.push(workloadPod(o, template, role));
    const gateway = istioGatewayPod(o);
    if (gateway) pods.push(gateway);
  }
  const charts = renderedCharts(objects);
  const chartScrapes: Array<ClusterModel['scrapeTargets'][number]> = [];
  for (const declared of input.chartPods) {
    if (declared.chart) {
      const rendered = charts.get(declared.chart.name);
      if (rendered === undefined) continue;
      if (rendered !== declared.chart.version) {
        problems.push({
          file: FLOWS_FILE,
          line: declared.line,
          path: [],
          message: `${declared.pod}: its labels were read from ${declared.chart.name} ${declared.chart.version}, but ${input.env} installs ${rendered}; read them again from that chart's templates (${declared.source})`,
        });
        continue;
      }
    }
    const [namespace] = declared.pod.split('/') as [string];
    const pod: ClusterPod = {
      id: declared.pod,
      namespace,
      labels: declared.labels,
      serviceAccount: declared.serviceAccount,
      ports: declared.ports ?? {},
      origin: `${FLOWS_FILE}:${declared.line}`,
    };
    pods.push(pod);
    for (const port of declared.scraped ?? [])
      chartScrapes.push({
        pod,
        port,
        portName: '',
        via: `the ${declared.chart?.name ?? declared.pod} chart's metrics (${FLOWS_FILE}:${declared.line})`,
      });
    if (!namespaceLabels.has(namespace)) namespaceLabels.set(namespace, {});
  }
  for (const pod of pods) if (!namespaceLabels.has(pod.namespace)) namespaceLabels.set(pod.namespace, {});
  for (const namespace of namespaceLabels.keys())
    pods.push({
      id: `${namespace}/${ANY_POD}`,
      namespace,
      labels: {},
      serviceAccount: undefined,
      ports: {},
      origin: 'any pod of the namespace',
    });
  const podIdentities = objects
    .filter((o) => o.object.kind === 'PodIdentityAssociation')
    .map((o) => strings(o.object.spec))
    .filter((s) => s.namespace && s.serviceAccount)
    .map((s) => ({ namespace: s.namespace!, serviceAccount: s.serviceAccount! }));
  return {
    model: {
      env: input.env,
      vpcCidr: input.vpcCidr,
      namespaceLabels,
      pods,
      policies: objects.filter((o) => o.object.kind === 'NetworkPolicy'),
      podIdentities,
      scrapeTargets: [...scrapeTargets(objects, pods), ...chartScrapes],
    },
    problems,
  };
}
