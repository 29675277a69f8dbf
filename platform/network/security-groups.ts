import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { SKIP_DRY_RUN_UNTIL_KIND_EXISTS, syncWave } from '../core/gitops-constants.js';
import { KRO_API_VERSION, POD_SECURITY_GROUP_KIND } from '../kro/pod-security-group.js';

/*
 * EC2 security groups as ACK objects (ec2.services.k8s.aws), and their attachment to pods.
 * Rules name their source by CIDR, by a security group id given in cluster.yaml, or by an ACK
 * reference to another SecurityGroup object. References only ever point at the group that
 * sends the traffic (ingress rules); egress rules use CIDRs, so the reference graph cannot have a
 * cycle (ACK would never resolve one: each group would wait for the other's id).
 */

/** Where traffic comes from (ingress) or goes to (egress). */
export type Peer =
  { readonly cidr: string } | { readonly groupId: string } | { readonly group: { readonly name: string; readonly namespace: string } };

export interface Rule {
  readonly protocol?: 'tcp' | 'udp';
  readonly port: number;
  /** The last port of a range that starts at `port`. */
  readonly toPort?: number;
  readonly peer: Peer;
  /** Shown in the EC2 console; AWS allows only a-z A-Z 0-9 space and ._-:/()#,@[]+=&;{}!$* */
  readonly description: string;
}

export interface SecurityGroupProps {
  /** Kubernetes name (references use it) and namespace of the SecurityGroup object. */
  readonly name: string;
  readonly namespace: string;
  /** The group's name in EC2 (also its Name tag, which the Load Balancer Controller can resolve). */
  readonly awsName: string;
  readonly description: string;
  readonly ingress: readonly Rule[];
  /**
   * What the group may send to.
   * @default nothing out: the ACK ec2 controller removes the allow-all rule EC2 adds to a new
   * group (ec2-controller#135); replies to admitted traffic still flow, groups being stateful.
   * A pod group's egress rules state what its pods need; the pods also carry the cluster security
   * group (addPodSecurityGroup), whose egress EKS leaves open, so they bind only where a cluster's
   * infrastructure has narrowed that group's egress.
   */
  readonly egress?: readonly Rule[];
  readonly labels: Readonly<Record<string, string>>;
}

/** Argo CD sync wave inside a component: security groups and their attachments go first. */
const EARLY = syncWave(-1);

/** DNS to CoreDNS, which runs on the nodes' own addresses in the VPC. */
export function dnsEgress(environment: ClusterSpec): Rule[] {
  return (['udp', 'tcp'] as const).map((protocol) => ({
    protocol,
    port: 53,
    peer: { cidr: environment.network.vpcCidr },
    description: `DNS (CoreDNS) over ${protocol.toUpperCase()}`,
  }));
}

/** The nodes (EKS cluster security group): kubelet probes and Prometheus scrapes on this port. */
export function fromNodes(environment: ClusterSpec, port: number): Rule {
  return {
    port,
    peer: { groupId: environment.network.clusterSecurityGroupId },
    description: 'nodes: kubelet probes and Prometheus scrapes',
  };
}

function ackRule(rule: Rule): Record<string, unknown> {
  const base = { ipProtocol: rule.protocol ?? 'tcp', fromPort: rule.port, toPort: rule.toPort ?? rule.port };
  const peer = rule.peer;
  if ('cidr' in peer) return { ...base, ipRanges: [{ cidrIP: peer.cidr, description: rule.description }] };
  if ('groupId' in peer) return { ...base, userIDGroupPairs: [{ groupID: peer.groupId, description: rule.description }] };
  return {
    ...base,
    userIDGroupPairs: [{ groupRef: { from: { name: peer.group.name, namespace: peer.group.namespace } }, description: rule.description }],
  };
}

/** An ACK SecurityGroup in the environment's VPC, tagged with its name and environment. */
export function addSecurityGroup(scope: Construct, environment: ClusterSpec, props: SecurityGroupProps): ApiObject {
  return new ApiObject(scope, `security-group-${props.name}`, {
    apiVersion: 'ec2.services.k8s.aws/v1alpha1',
    kind: 'SecurityGroup',
    // Before the workloads of its component: their pods should start with their security groups.
    metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels }, annotations: { ...EARLY } },
    spec: {
      name: props.awsName,
      description: props.description,
      vpcID: environment.network.vpcId,
      ingressRules: props.ingress.map(ackRule),
      ...(props.egress ? { egressRules: props.egress.map(ackRule) } : {}),
      tags: [
        { key: 'Name', value: props.awsName },
        { key: 'llm-platform/environment', value: environment.name },
      ],
    },
  });
}

/**
 * A security group for pods: the ACK SecurityGroup, and a PodSecurityGroup (kro) that puts it on
 * the pods matching podSelector through a SecurityGroupPolicy once the group has an id. The pods
 * then carry this group, and the EKS cluster security group, instead of the node's (EKS
 * "security groups for Pods").
 *
 * The cluster security group is always added. CoreDNS runs on the nodes, whose cluster security
 * group admits only its own members, and AWS requires "the security group for your CoreDNS Pods
 * [to] allow inbound TCP and UDP port 53 traffic from the security group that you specify"
 * (EKS user guide, sg-pods-example-deployment): a pod with our group alone resolves no name, so
 * it cannot reach S3, Hugging Face, Redis or a Service. EKS owns that group and ACK cannot add one
 * rule to a group it does not own, so the pods join it instead; it is also what the API server's
 * private endpoint admits. Its rules are EKS's (all traffic from its members, all traffic out):
 * at the security-group layer our group then narrows only who outside the cluster reaches the
 * pods (the ALB, the VPC); inside the cluster the namespace's NetworkPolicies (default deny, one
 * policy per flow) decide.
 */
export function addPodSecurityGroup(
  scope: Construct,
  environment: ClusterSpec,
  props: SecurityGroupProps & { readonly podSelector: Readonly<Record<string, string>> },
): void {
  addSecurityGroup(scope, environment, props);
  new ApiObject(scope, `pod-security-group-${props.name}`, {
    apiVersion: KRO_API_VERSION,
    kind: POD_SECURITY_GROUP_KIND,
    metadata: {
      name: props.name,
      namespace: props.namespace,
      labels: { ...props.labels },
      // kro creates this kind once the platform's graph is in; skip the dry run until then.
      annotations: { ...EARLY, ...SKIP_DRY_RUN_UNTIL_KIND_EXISTS },
    },
    spec: {
      securityGroup: props.name,
      podSelector: { ...props.podSelector },
      additionalGroupIds: [environment.network.clusterSecurityGroupId],
    },
  });
}
