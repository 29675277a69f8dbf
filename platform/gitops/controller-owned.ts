import { GATEWAY_API_PLUGIN } from '../argo-rollouts/argo-rollouts.js';

/** A field of one object that a controller writes after Argo CD, which Argo CD must leave alone. */
export interface ControllerOwnedField {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly jqPathExpressions: readonly string[];
}

/**
 * On an HTTPRoute whose weights a controller of ours writes (a staged canary's guard,
 * apps/canary-guard/): its name. Argo CD then leaves the weights to it, as for a Rollout's route.
 */
export const WEIGHTS_WRITER_ANNOTATION = 'eks-llm-gitops.io/weights-written-by';

interface RenderedObject {
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string | undefined;
    readonly annotations?: Readonly<Record<string, string>> | undefined;
  };
  readonly spec?: unknown;
}

/**
 * The HTTPRoute weights a Rollout's Gateway API plugin moves (apps/model-server/canary.ts), and
 * those a route's WEIGHTS_WRITER_ANNOTATION names a writer for (a multi-node model's canary
 * guard), named route by route: self-heal would otherwise put them back mid-canary.
 */
export function controllerOwnedFields(objects: readonly RenderedObject[]): ControllerOwnedField[] {
  const fields: ControllerOwnedField[] = [];
  const weights = (name: string, namespace: string): ControllerOwnedField => ({
    group: 'gateway.networking.k8s.io',
    kind: 'HTTPRoute',
    name,
    namespace,
    jqPathExpressions: ['.spec.rules[].backendRefs[].weight'],
  });
  for (const object of objects) {
    if (object.kind === 'HTTPRoute' && object.metadata.annotations?.[WEIGHTS_WRITER_ANNOTATION] !== undefined) {
      fields.push(weights(object.metadata.name, object.metadata.namespace ?? ''));
      continue;
    }
    if (object.kind !== 'Rollout') continue;
    const spec = object.spec as {
      strategy?: { canary?: { trafficRouting?: { plugins?: Record<string, { httpRoute?: string; namespace?: string }> } } };
    };
    const route = spec.strategy?.canary?.trafficRouting?.plugins?.[GATEWAY_API_PLUGIN];
    if (route?.httpRoute === undefined) continue;
    fields.push(weights(route.httpRoute, route.namespace ?? object.metadata.namespace ?? ''));
  }
  return fields;
}
