import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

/*
 * Network policy for a namespace we render: deny everything in and out by default, then allow
 * exactly the flows its pods need, one named NetworkPolicy per flow so that a reviewer (and the
 * policy gate) can see what is open. DNS to kube-dns is always allowed. Enforced by the VPC CNI's
 * network policy agent (enableNetworkPolicy on the EKS add-on).
 */

export interface Port {
  readonly port: number | string;
  /** The last port of a range that starts at `port` (a number). */
  readonly endPort?: number;
  readonly protocol?: 'TCP' | 'UDP';
}

/** Pods of a namespace (optionally only those with labels), or an IP range. */
export type Peer = { readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> } | { readonly cidr: string };

export interface Flow {
  /** Becomes the policy name `allow-<name>`. */
  readonly name: string;
  readonly peers: readonly Peer[];
  readonly ports: readonly Port[];
  /** Only pods with these labels (default: every pod of the namespace). */
  readonly podLabels?: Readonly<Record<string, string>>;
}

export interface NamespacePolicy {
  readonly ingress?: readonly Flow[];
  readonly egress?: readonly Flow[];
}

/** HTTPS to anywhere: the Kubernetes API server and AWS service endpoints (public or VPC). */
export const HTTPS_ANYWHERE: Flow = { name: 'https-egress', peers: [{ cidr: '0.0.0.0/0' }], ports: [{ port: 443 }] };

/** EKS Pod Identity's credential endpoint (the agent on each node, link-local). */
export const POD_IDENTITY_AGENT: Flow = { name: 'pod-identity-agent', peers: [{ cidr: '169.254.170.23/32' }], ports: [{ port: 80 }] };

export const MONITORING_NAMESPACE = 'monitoring';

/**
 * The labels prometheus-operator gives the pods of kube-prometheus-stack's Prometheus (the chart
 * names the Prometheus after its release). platform/network/flows.yaml declares the same pod, so
 * the network-flow gate fails if these drift from what runs.
 */
export const PROMETHEUS_POD_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'prometheus',
  prometheus: 'kube-prometheus-stack-prometheus',
};

/** Prometheus scraping a port: its pods only, not whatever else runs in the monitoring namespace. */
export function scrapedBy(ports: readonly Port[]): Flow {
  return { name: 'prometheus-scrape', peers: [{ namespace: MONITORING_NAMESPACE, podLabels: PROMETHEUS_POD_LABELS }], ports };
}

const DNS: Flow = {
  name: 'dns',
  peers: [{ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } }],
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
};

function peer(p: Peer): k8s.NetworkPolicyPeer {
  if ('cidr' in p) return { ipBlock: { cidr: p.cidr } };
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } },
    ...(p.podLabels ? { podSelector: { matchLabels: { ...p.podLabels } } } : {}),
  };
}

function ports(list: readonly Port[]): k8s.NetworkPolicyPort[] {
  return list.map((p) => ({
    protocol: p.protocol ?? 'TCP',
    port: typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port),
    ...(p.endPort === undefined ? {} : { endPort: p.endPort }),
  }));
}

/** Default deny for `namespace`, plus DNS and the flows in `policy`. */
export function defaultDenyPolicies(scope: Construct, namespace: string, policy: NamespacePolicy): void {
  const metadata = (name: string) => ({
    name,
    namespace,
    labels: { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': 'network-policy' },
  });
  new k8s.KubeNetworkPolicy(scope, `${namespace}-default-deny`, {
    metadata: metadata('default-deny'),
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  for (const flow of [DNS, ...(policy.egress ?? [])]) {
    new k8s.KubeNetworkPolicy(scope, `${namespace}-allow-${flow.name}`, {
      metadata: metadata(`allow-${flow.name}`),
      spec: {
        podSelector: { matchLabels: { ...(flow.podLabels ?? {}) } },
        policyTypes: ['Egress'],
        egress: [{ to: flow.peers.map(peer), ports: ports(flow.ports) }],
      },
    });
  }
  for (const flow of policy.ingress ?? []) {
    new k8s.KubeNetworkPolicy(scope, `${namespace}-allow-${flow.name}`, {
      metadata: metadata(`allow-${flow.name}`),
      spec: {
        podSelector: { matchLabels: { ...(flow.podLabels ?? {}) } },
        policyTypes: ['Ingress'],
        ingress: [{ from: flow.peers.map(peer), ports: ports(flow.ports) }],
      },
    });
  }
}
