import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import { ComponentChart, type ComponentChartProps } from './component-chart.js';
import { recommendedLabels, selectorLabels, type AppIdentity } from './labels.js';
import { RestrictedNamespace } from './namespace.js';
import type { NamespacePolicy } from './network-policies.js';

export interface NamespacedChartProps extends ComponentChartProps {
  /** The environment the component runs in. */
  readonly environment: ClusterSpec;
  /** The namespace the component owns, created by the chart. */
  readonly namespace: string;
  /** What runs there: its recommended labels and selector. */
  readonly app: AppIdentity;
  /**
   * Traffic its pods need besides DNS; everything else is denied.
   * @default nothing
   */
  readonly network?: NamespacePolicy;
  /**
   * Pin the namespace's Pod Security Standard (restricted) to the environment's Kubernetes version.
   * @default false
   */
  readonly pinPodSecurityVersion?: boolean;
  /**
   * Labels of the Namespace beyond the application's (for example a controller's opt-in).
   * @default none
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

/**
 * A component that owns one namespace and runs one application there: the restricted namespace
 * with its network policies, and the labels, selector and metadata every object of it shares.
 */
export class NamespacedChart extends ComponentChart {
  readonly environment: ClusterSpec;
  /** The namespace it owns (cdk8s' `namespace` is the chart-level default, which we never set). */
  readonly namespaceName: string;
  /** Recommended labels of the application, without its version. */
  readonly appLabels: Readonly<Record<string, string>>;
  /** The stable subset of the labels that selects its pods. */
  readonly selector: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: NamespacedChartProps) {
    super(scope, id, props);
    this.environment = props.environment;
    this.namespaceName = props.namespace;
    this.appLabels = recommendedLabels(props.app);
    this.selector = selectorLabels(props.app);
    new RestrictedNamespace(this, 'namespace', {
      name: props.namespace,
      labels: { ...this.appLabels, ...props.namespaceLabels },
      ...(props.pinPodSecurityVersion ? { kubernetesVersion: props.environment.aws.kubernetesVersion } : {}),
      ...(props.network ? { network: props.network } : {}),
    });
  }

  /** Metadata of an object of this component: its name, the namespace and the labels. */
  metadata(name: string): { name: string; namespace: string; labels: Record<string, string> } {
    return { name, namespace: this.namespaceName, labels: { ...this.appLabels } };
  }
}
