import { POD_IDENTITIES_ANNOTATION } from '../../../platform/core/helm-addon.js';
import { podTemplatesOf } from '../kube/pod-template.js';
import { describe, type SourcedObject } from './folder-objects.js';
import type { ReplayContext } from './replay-context.js';

/*
 * EKS Pod Identity injects credentials only into pods created after their association exists:
 * a pod that starts first runs without AWS credentials until it is restarted. This check proves,
 * from the order the replay applied things in, that every PodIdentityAssociation is applied and
 * assessed Healthy (the ACK health check) before anything that creates pods under its service
 * account: a workload we render, or a chart whose Application or HelmRelease names the
 * identities its pods use (POD_IDENTITIES_ANNOTATION).
 */

/** Where the replay applied an object, in the engine's terms. */
export interface SyncPosition {
  /** The Application or Kustomization that applied it. */
  readonly unit: string;
  /** Argo CD: the root Application's wave of `unit`. */
  readonly stage?: number;
  /** Argo CD: the wave inside `unit`. */
  readonly wave?: number;
}

interface Placed {
  readonly item: SourcedObject;
  readonly at: SyncPosition;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

function podServiceAccount(item: SourcedObject): string | undefined {
  const { object } = item;
  const template = podTemplatesOf(object)[0]?.template;
  if (!template) return undefined;
  const podSpec = obj(template.spec);
  const name = typeof podSpec.serviceAccountName === 'string' ? podSpec.serviceAccountName : 'default';
  return `${object.metadata.namespace ?? 'default'}/${name}`;
}

/** The identities an object's pods use: a workload's service account, or a chart's declared ones. */
function identitiesOf(item: SourcedObject): string[] {
  const account = podServiceAccount(item);
  if (account) return [account];
  const declared = item.object.metadata.annotations?.[POD_IDENTITIES_ANNOTATION];
  return declared ? declared.split(',').filter(Boolean) : [];
}

export class IdentityOrder {
  private readonly associations = new Map<string, Placed>();
  private readonly consumers: Array<Placed & { readonly identity: string }> = [];

  /** Records an object the replay applied, and where. */
  note(item: SourcedObject, at: SyncPosition): void {
    const { object } = item;
    if (object.kind === 'PodIdentityAssociation' && object.apiVersion.startsWith('eks.services.k8s.aws/')) {
      const spec = obj(object.spec);
      if (typeof spec.namespace === 'string' && typeof spec.serviceAccount === 'string')
        this.associations.set(`${spec.namespace}/${spec.serviceAccount}`, { item, at });
      return;
    }
    for (const identity of identitiesOf(item)) this.consumers.push({ item, at, identity });
  }

  /**
   * Reports every consumer applied before its association is known Healthy. `gated(a, b)`: the
   * engine waits for a's health before it applies b.
   */
  check(ctx: ReplayContext, gated: (association: SyncPosition, consumer: SyncPosition) => boolean, how: string): void {
    // An association nothing claims: its pods' start cannot be ordered, so it is unproven.
    for (const [identity, association] of this.associations) {
      if (this.consumers.some((c) => c.identity === identity)) continue;
      ctx.report(
        'error',
        association.at.unit,
        `no workload in the render runs as service account ${identity}, and no chart's Application or HelmRelease names it in ${POD_IDENTITIES_ANNOTATION} (HelmAddon.podIdentities): the order of its pods against this association cannot be proven`,
        { item: association.item, ...(association.at.wave === undefined ? {} : { wave: association.at.wave }) },
      );
    }
    for (const consumer of this.consumers) {
      const association = this.associations.get(consumer.identity);
      if (!association) continue;
      const where = (p: Placed) =>
        `${p.at.unit}${p.at.stage === undefined ? '' : ` (stage wave ${p.at.stage}${p.at.wave === undefined ? '' : `, wave ${p.at.wave}`})`}`;
      if (gated(association.at, consumer.at)) {
        ctx.report(
          'info',
          consumer.at.unit,
          `its pods (service account ${consumer.identity}) start after ${describe(association.item.object)} is Healthy (${how})`,
          { item: consumer.item, ...(consumer.at.wave === undefined ? {} : { wave: consumer.at.wave }) },
        );
        continue;
      }
      ctx.report(
        'error',
        consumer.at.unit,
        `its pods (service account ${consumer.identity}) can start before their Pod Identity association is Healthy: ${describe(association.item.object)} (${association.item.file}:${association.item.line}) is applied by ${where(association)}, this by ${where(consumer)}, with nothing that waits for the association in between (${how}); EKS Pod Identity gives credentials only to pods created after their association exists, so these would run without AWS credentials until restarted`,
        { item: consumer.item, ...(consumer.at.wave === undefined ? {} : { wave: consumer.at.wave }) },
      );
    }
  }
}
