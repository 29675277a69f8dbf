import { GATEWAY_API_PLUGIN } from '../argo-rollouts/argo-rollouts.js';

/** A field of one object that a controller writes after Argo CD, which Argo CD must leave alone. */
export interface ControllerOwnedField {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly jqPathExpressions: readonly string[];
}

interface RenderedObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string | undefined };
  readonly spec?: unknown;
}

/**
 * The HTTPRoute weights a Rollout's Gateway API plugin moves (apps/model-server/canary.ts),
 * named route by route: self-heal would otherwise put them back mid-canary. A route whose weights
 * git sets (a multi-node model's staged canary) is not among them: Argo CD must apply its changes.
 */
export function controllerOwnedFields(objects: readonly RenderedObject[]): ControllerOwnedField[] {
  const fields: ControllerOwnedField[] = [];
  for (const object of objects) {
    if (object.kind !== 'Rollout') continue;
    const spec = object.spec as {
      strategy?: { canary?: { trafficRouting?: { plugins?: Record<string, { httpRoute?: string; namespace?: string }> } } };
    };
    const route = spec.strategy?.canary?.trafficRouting?.plugins?.[GATEWAY_API_PLUGIN];
    if (route?.httpRoute === undefined) continue;
    fields.push({
      group: 'gateway.networking.k8s.io',
      kind: 'HTTPRoute',
      name: route.httpRoute,
      namespace: route.namespace ?? object.metadata.namespace ?? '',
      jqPathExpressions: ['.spec.rules[].backendRefs[].weight'],
    });
  }
  return fields;
}
