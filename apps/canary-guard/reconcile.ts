import { evidenceProblems, readWindows, type QueryRange } from '../../platform/monitoring/slo-windows.js';
import { GUARD_ANNOTATIONS, type GuardConfig, type GuardRelease } from './config.js';
import type { KubeApi } from './kube-api.js';

/*
 * One pass of the canary guard: the share the canary should have now, written into the route's
 * two weights. git's share while the canary's group is Ready and meets its SLOs; 0 at rest, while
 * the group is not Ready, and for good once an SLO was missed in more windows than the failure
 * limit allows (the same judgement as npm run promote's, platform/monitoring/slo-windows.ts).
 */

interface BackendRef {
  name?: string;
  weight?: number;
}

interface Route {
  metadata: { resourceVersion: string; annotations?: Record<string, string> };
  spec: { rules?: Array<{ backendRefs?: BackendRef[] }> };
}

export interface PassResult {
  /** The canary's share after the pass. */
  readonly canaryWeight: number;
  /** Why that share. */
  readonly reason: string;
  /** Whether the pass wrote the route. */
  readonly changed: boolean;
  /** Set when this pass took the canary out: each SLO missed. */
  readonly aborted?: readonly string[];
}

export interface GuardClients {
  readonly kube: KubeApi;
  readonly queryRange: QueryRange;
}

const routePath = (c: GuardConfig) => `/apis/gateway.networking.k8s.io/v1/namespaces/${c.namespace}/httproutes/${c.route}`;
const workloadPath = (c: GuardConfig, name: string) =>
  `/apis/leaderworkerset.x-k8s.io/v1/namespaces/${c.namespace}/leaderworkersets/${name}`;
/** A JSON Pointer token (RFC 6901): an annotation key holds a "/". */
const pointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

async function groupReady(config: GuardConfig, clients: GuardClients, release: GuardRelease): Promise<boolean> {
  const workload = (await clients.kube.get(workloadPath(config, release.workload))) as { status?: { readyReplicas?: number } };
  return (workload.status?.readyReplicas ?? 0) >= 1;
}

/** The share the canary should have, the annotations that say why, and the SLOs missed when it is taken out now. */
async function decide(
  config: GuardConfig,
  clients: GuardClients,
  annotations: Record<string, string>,
  now: Date,
): Promise<{ weight: number; reason: string; annotate: Record<string, string>; aborted?: string[] }> {
  const release = config.release;
  if (!release) return { weight: 0, reason: 'no canary in git', annotate: {} };
  const at = `${release.version} at ${release.weight}%`;
  if (annotations[GUARD_ANNOTATIONS.aborted] === release.version)
    return { weight: 0, reason: `taken out earlier: ${annotations[GUARD_ANNOTATIONS.abortedBecause] ?? ''}`, annotate: {} };
  if (!(await groupReady(config, clients, release)))
    return { weight: 0, reason: `the canary ${release.workload} has no Ready group yet`, annotate: {} };

  const key = `${release.version}@${release.weight}`;
  const recorded = annotations[GUARD_ANNOTATIONS.judgedSince];
  const since = recorded?.startsWith(`${key} `) ? new Date(recorded.slice(key.length + 1)) : undefined;
  if (!since || Number.isNaN(since.getTime()))
    return {
      weight: release.weight,
      reason: `${at}: judging from now`,
      annotate: { [GUARD_ANNOTATIONS.judgedSince]: `${key} ${now.toISOString()}` },
    };
  if (now.getTime() - since.getTime() < release.windowSeconds * 1000)
    return {
      weight: release.weight,
      reason: `${at}: the first ${release.windowSeconds / 60}-minute window since ${since.toISOString()} is not over`,
      annotate: {},
    };

  const evidence = await readWindows(
    clients.queryRange,
    { start: since, end: now },
    release.windowSeconds,
    release.slos,
    release.requestsQuery,
  );
  if (evidence.requests === 0)
    return { weight: release.weight, reason: `${at}: no requests finished since ${since.toISOString()}`, annotate: {} };
  const missed = evidenceProblems(evidence, `the canary ${at}`, release.failureLimit);
  if (missed.length === 0)
    return { weight: release.weight, reason: `${at}: SLOs met since ${since.toISOString()} (${evidence.requests} requests)`, annotate: {} };
  return {
    weight: 0,
    reason: `${at} missed its SLOs: taken out`,
    annotate: { [GUARD_ANNOTATIONS.aborted]: release.version, [GUARD_ANNOTATIONS.abortedBecause]: missed.join('; ') },
    aborted: missed,
  };
}

/** The JSON Patch that gives the canary `weight` (and the stable track the rest) in every rule that has both, and sets `annotate`. */
function routePatch(config: GuardConfig, route: Route, weight: number, annotate: Record<string, string>): unknown[] {
  const ops: unknown[] = [];
  (route.spec.rules ?? []).forEach((rule, r) => {
    const refs = rule.backendRefs ?? [];
    const stable = refs.findIndex((ref) => ref.name === config.stableBackend);
    const canary = refs.findIndex((ref) => ref.name === config.canaryBackend);
    if (stable === -1 || canary === -1) return;
    for (const [index, value] of [
      [stable, 100 - weight],
      [canary, weight],
    ] as const) {
      if (refs[index]!.weight === value) continue;
      const at = `/spec/rules/${r}/backendRefs/${index}`;
      ops.push({ op: 'test', path: `${at}/name`, value: refs[index]!.name }, { op: 'add', path: `${at}/weight`, value });
    }
  });
  const current = route.metadata.annotations;
  const changes = Object.entries(annotate).filter(([key, value]) => current?.[key] !== value);
  if (changes.length > 0 && !current) ops.push({ op: 'add', path: '/metadata/annotations', value: {} });
  for (const [key, value] of changes) ops.push({ op: 'add', path: `/metadata/annotations/${pointer(key)}`, value });
  // Optimistic concurrency: a route changed since the read (Argo CD's sync) fails the patch; the next pass rereads it.
  return ops.length === 0 ? [] : [{ op: 'test', path: '/metadata/resourceVersion', value: route.metadata.resourceVersion }, ...ops];
}

/** One pass: read the route, decide the canary's share, write it if it differs. */
export async function reconcile(config: GuardConfig, clients: GuardClients, now: Date): Promise<PassResult> {
  const route = (await clients.kube.get(routePath(config))) as Route;
  const hasBoth = (route.spec.rules ?? []).some(
    (rule) =>
      rule.backendRefs?.some((ref) => ref.name === config.stableBackend) &&
      rule.backendRefs.some((ref) => ref.name === config.canaryBackend),
  );
  if (!hasBoth)
    throw new Error(
      `HTTPRoute ${config.namespace}/${config.route} has no rule with both ${config.stableBackend} and ${config.canaryBackend}`,
    );
  const decision = await decide(config, clients, route.metadata.annotations ?? {}, now);
  const ops = routePatch(config, route, decision.weight, decision.annotate);
  if (ops.length > 0) await clients.kube.jsonPatch(routePath(config), ops);
  return {
    canaryWeight: decision.weight,
    reason: decision.reason,
    changed: ops.length > 0,
    ...(decision.aborted ? { aborted: decision.aborted } : {}),
  };
}
