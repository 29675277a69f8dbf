import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { defaultDenyPolicies, type NamespacePolicy } from './network-policies.js';

/** Pod Security Standards, from the most to the least restrictive. */
export const POD_SECURITY_LEVELS = ['restricted', 'baseline', 'privileged'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export interface RestrictedNamespaceProps {
  /** The namespace's name. */
  readonly name: string;
  /** Labels of the Namespace object (the Pod Security labels are added). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The Pod Security Standard that admission enforces on its pods.
   * @default 'restricted'
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Pin the standard to this Kubernetes version ("1.32"), so that a control-plane upgrade cannot
   * tighten it under running pods.
   * @default none: the API server's own version of the standard
   */
  readonly kubernetesVersion?: string;
  /**
   * What may come in and go out besides DNS: everything else is denied.
   * @default nothing
   */
  readonly network?: NamespacePolicy;
}

/**
 * A namespace we render: Pod Security admission enforcing a standard (restricted unless a chart's
 * pods need less), and a default-deny network policy with one named allow policy per flow.
 */
export class RestrictedNamespace extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: RestrictedNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...props.labels,
          'pod-security.kubernetes.io/enforce': props.podSecurity ?? 'restricted',
          ...(props.kubernetesVersion ? { 'pod-security.kubernetes.io/enforce-version': `v${props.kubernetesVersion}` } : {}),
        },
      },
    });
    defaultDenyPolicies(this, props.name, props.network ?? {});
  }
}

/** The least restrictive of several levels: a namespace shared by charts must admit all of their pods. */
export function loosestPodSecurity(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
  return POD_SECURITY_LEVELS[Math.max(...levels.map((l) => POD_SECURITY_LEVELS.indexOf(l)))] ?? 'restricted';
}
