import type { Construct } from 'constructs';
import type { ClusterSpec } from '../spec/cluster-spec.js';
import type { ComponentChart, GroupKind } from './component-chart.js';
import type { GitOpsTarget } from './helm-addon.js';

/** What every platform component's chart is built from. */
export interface PlatformComponentProps {
  /** The environment (clusters/<env>/cluster.yaml). */
  readonly environment: ClusterSpec;
  /** Its GitOps engine and project. */
  readonly gitops: GitOpsTarget;
  /**
   * Whether a model the environment runs needs EFA (the EFA node pool and its device plugin).
   * @default false
   */
  readonly efa?: boolean;
  /**
   * The longest soak window a promotion out of this environment reads from its Prometheus
   * (npm run promote's SLO evidence): its history must reach that far back.
   * @default 0
   */
  readonly evidenceHours?: number;
}

/**
 * A component as the sync order sees it: its folder, the custom resource kinds whose CRDs its sync
 * installs, and the custom resource kinds its own objects use (the GitOps engine's kinds, which
 * exist before anything syncs, aside). platform/components.ts orders them; the ordering checks
 * read the same declarations, and a test holds them to what the components render.
 */
export interface ComponentDeclaration {
  /** The component's folder under manifests/<layer>/ (for an apps component, its pattern). */
  readonly name: string;
  readonly installs: readonly GroupKind[];
  readonly needs: readonly GroupKind[];
}

/** A platform component: its declaration and the chart that renders it. */
export interface PlatformComponent extends ComponentDeclaration {
  build(scope: Construct, props: PlatformComponentProps): ComponentChart;
}

/** Kinds of one API group, for declarations. */
export function kindsOf(group: string, ...kinds: string[]): GroupKind[] {
  return kinds.map((kind) => ({ group, kind }));
}
