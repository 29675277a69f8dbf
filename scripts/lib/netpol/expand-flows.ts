import { ANY_POD, type ClusterModel, type ClusterPod } from './cluster-model.js';
import type { FlowSpec, PeerSpec } from './flow-spec.js';

/** One end of a concrete flow: a pod of the model, or an address outside the pods. */
export type Endpoint =
  | { readonly kind: 'pod'; readonly pod: ClusterPod; readonly ip: string }
  | { readonly kind: 'address'; readonly ip: string; readonly label: string };

/** A flow between two endpoints on one port, as flows.yaml asks for it in one environment. */
export interface FlowCheck {
  readonly flow: FlowSpec;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly portName: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  /** What made the destination a scrape target. */
  readonly via?: string;
}

/** The address `offset` past the network address of an IPv4 CIDR (the CIDR's own for a /32). */
export function addressIn(cidr: string, offset: number): string {
  const [base, bits] = cidr.split('/') as [string, string];
  const prefix = Number(bits);
  const start = base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  const value = prefix === 32 ? start : start + (offset % size);
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/*
 * Addresses that stand for what the VPC holds. On EKS with the VPC CNI, pods have VPC addresses,
 * so an ipBlock of the VPC's CIDR admits pods too; the model gives every pod one.
 */
const CONTROL_PLANE_OFFSET = 10;
const VPC_OFFSET = 20;
const POD_OFFSET = 30;

export const podAddress = (model: ClusterModel) => addressIn(model.vpcCidr, POD_OFFSET);

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

function matchPods(model: ClusterModel, pattern: string, except: readonly string[] = []): ClusterPod[] {
  const wanted = glob(pattern);
  const excluded = except.map(glob);
  return model.pods.filter((p) => wanted.test(p.id) && !excluded.some((e) => e.test(p.id)));
}

function addressOf(model: ClusterModel, address: string): Endpoint {
  if (address === 'control-plane')
    return { kind: 'address', ip: addressIn(model.vpcCidr, CONTROL_PLANE_OFFSET), label: 'the EKS control plane (its ENIs in the VPC)' };
  if (address === 'vpc')
    return { kind: 'address', ip: addressIn(model.vpcCidr, VPC_OFFSET), label: `an address in the VPC (${model.vpcCidr})` };
  return { kind: 'address', ip: addressIn(address, 1), label: address };
}

function podEndpoints(model: ClusterModel, pods: readonly ClusterPod[]): Endpoint[] {
  const ip = podAddress(model);
  return pods.map((pod) => ({ kind: 'pod', pod, ip }));
}

/** Pods whose service account has a Pod Identity association (an unnamed pod when no workload we know uses it). */
function podIdentityPods(model: ClusterModel): ClusterPod[] {
  const out: ClusterPod[] = [];
  for (const { namespace, serviceAccount } of model.podIdentities) {
    const users = model.pods.filter((p) => p.namespace === namespace && p.serviceAccount === serviceAccount);
    out.push(
      ...(users.length > 0
        ? users
        : [
            {
              id: `${namespace}/(service account ${serviceAccount})`,
              namespace,
              labels: {},
              serviceAccount,
              ports: {},
              origin: 'a pod of the association',
            },
          ]),
    );
  }
  return out;
}

function sources(model: ClusterModel, peer: PeerSpec): Endpoint[] {
  if ('pods' in peer) return podEndpoints(model, matchPods(model, peer.pods, peer.except));
  if ('podIdentity' in peer) return podEndpoints(model, podIdentityPods(model));
  if ('address' in peer) return [addressOf(model, peer.address)];
  return [];
}

const sameNamespace = (a: Endpoint, b: Endpoint) => a.kind === 'pod' && b.kind === 'pod' && a.pod.namespace === b.pod.namespace;
const samePod = (a: Endpoint, b: Endpoint) => a.kind === 'pod' && b.kind === 'pod' && a.pod.id === b.pod.id;
/** "llm-x/llama-x:leader" and "llm-x/llama-x:worker" are pods of one workload, "llm-x/llama-x". */
const workloadOf = (e: Endpoint) => (e.kind === 'pod' ? e.pod.id.split(':')[0] : undefined);
const sameWorkload = (a: Endpoint, b: Endpoint) => a.kind === 'pod' && b.kind === 'pod' && workloadOf(a) === workloadOf(b);

/** Every concrete flow a flows.yaml entry asks for in this environment (none where its pods do not run). */
export function expandFlow(model: ClusterModel, flow: FlowSpec): FlowCheck[] {
  const protocol = flow.protocol ?? 'TCP';
  const from = sources(model, flow.from);
  const checks: FlowCheck[] = [];
  const add = (source: Endpoint, to: Endpoint, port: number, portName: string, via?: string) => {
    if (samePod(source, to) || (flow.acrossNamespaces && sameNamespace(source, to))) return;
    if (flow.withinNamespace && !sameNamespace(source, to)) return;
    if (flow.withinWorkload && !sameWorkload(source, to)) return;
    checks.push({ flow, from: source, to, port, portName, protocol, ...(via ? { via } : {}) });
  };
  if ('scraped' in flow.to) {
    const ip = podAddress(model);
    for (const target of model.scrapeTargets)
      for (const source of from) add(source, { kind: 'pod', pod: target.pod, ip }, target.port, target.portName, target.via);
    return checks;
  }
  const port = flow.port!;
  for (const to of sources(model, flow.to)) {
    const portName = to.kind === 'pod' ? (Object.entries(to.pod.ports).find(([, n]) => n === port)?.[0] ?? '') : '';
    for (const source of from) add(source, to, port, portName);
  }
  return checks;
}

/** "keda/keda-operator" or "the EKS control plane (...)". */
export function describeEndpoint(endpoint: Endpoint): string {
  if (endpoint.kind === 'address') return endpoint.label;
  return endpoint.pod.id.endsWith(`/${ANY_POD}`) ? `any pod in ${endpoint.pod.namespace}` : endpoint.pod.id;
}
