import type { SloObjective } from '../../platform/monitoring/slo-windows.js';

/*
 * What the canary guard of one model reads at start (config.json in its ConfigMap, rendered from
 * cluster.yaml): the route whose weights it owns, and the canary git runs, if any, with the SLOs
 * that judge it. A change to git's canary is a new config and a new guard pod.
 */

export interface GuardRelease {
  readonly version: string;
  /** git's share for the canary, in percent. */
  readonly weight: number;
  /** The canary's LeaderWorkerSet: no share until one group of it is Ready. */
  readonly workload: string;
  /** Windows an SLO may miss before the canary is taken out. */
  readonly failureLimit: number;
  /** The length of a window, which the queries are built with. */
  readonly windowSeconds: number;
  readonly slos: readonly SloObjective[];
  /** Requests the canary finished per window. */
  readonly requestsQuery: string;
}

export interface GuardConfig {
  readonly namespace: string;
  /** The HTTPRoute, and the names of its two backendRefs (the stable and the canary InferencePools). */
  readonly route: string;
  readonly stableBackend: string;
  readonly canaryBackend: string;
  readonly prometheusUrl: string;
  /** Seconds between two passes. */
  readonly intervalSeconds: number;
  /** Absent at rest: the canary's share is then 0. */
  readonly release?: GuardRelease;
}

/** Annotations the guard keeps on the route (never in git, so Argo CD leaves them). */
export const GUARD_ANNOTATIONS = {
  /** The canary version the guard took out: it gets no share again, whatever git says. */
  aborted: 'eks-llm-gitops.io/canary-aborted',
  /** Why, as the guard judged it. */
  abortedBecause: 'eks-llm-gitops.io/canary-aborted-because',
  /** `<version>@<weight> <ISO time>`: since when the guard has judged the canary at this share. */
  judgedSince: 'eks-llm-gitops.io/canary-judged-since',
} as const;
