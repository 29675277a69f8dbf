/**
 * Kubernetes recommended labels (app.kubernetes.io/*). Selectors use only the stable subset
 * (name and instance): a selector is immutable on a Deployment, so a label that changes with
 * each release (version) in it would make every upgrade a delete-and-recreate.
 */

export const PART_OF = 'llm-platform';
export const MANAGED_BY = 'eks-llm-gitops';

export interface AppIdentity {
  /** What the application is, e.g. "vllm". */
  readonly name: string;
  /** Which instance of it, unique in the environment, e.g. the model name. */
  readonly instance: string;
  /** The role it plays, e.g. "model-server". */
  readonly component: string;
  /**
   * The release running, e.g. the model version. Only on objects that change with it (the
   * Deployment and its pods), so that a version bump shows up as a one-file diff.
   */
  readonly version?: string;
}

export function selectorLabels(app: AppIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': app.name,
    'app.kubernetes.io/instance': app.instance,
  };
}

export function recommendedLabels(app: AppIdentity): Record<string, string> {
  return {
    ...selectorLabels(app),
    ...(app.version === undefined ? {} : { 'app.kubernetes.io/version': app.version }),
    'app.kubernetes.io/component': app.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
