import type { ModelSlo } from '../../../apps/models/model-spec.js';
import { requestCountQuery, sloQueries, type SloQuery } from '../../../apps/model-server/slo-queries.js';
import { graphUrl, queryRange, type PrometheusEndpoint, type RangeQuery, type Series } from './prometheus-api.js';

/*
 * A version's SLO figures over its soak, from the Prometheus of the environment it soaked in:
 * each SLO per window (an hour by default), the worst window against the target.
 */

export interface EvidenceRequest {
  readonly endpoint: PrometheusEndpoint;
  readonly slo: ModelSlo;
  /** The series of the version judged: its namespace and version label. */
  readonly matchers: Record<string, string>;
  readonly start: Date;
  readonly end: Date;
  readonly windowMinutes: number;
}

export interface SloFigure {
  readonly slo: SloQuery;
  /** The worst window (highest value), when any window had data. */
  readonly worst: { readonly value: number; readonly windowEnd: Date } | undefined;
  /** Windows with a value, and those over the target. */
  readonly windows: number;
  readonly missed: number;
  /** Prometheus's graph of the same expression over the soak. */
  readonly link: string;
}

export interface Evidence {
  readonly start: Date;
  readonly end: Date;
  readonly windowMinutes: number;
  /** Requests the version finished over the soak. */
  readonly requests: number;
  /** Windows the soak holds; a window without requests has no value and is not judged. */
  readonly windowCount: number;
  readonly figures: readonly SloFigure[];
}

/** The windows' range query: each point is the window that ends at it, windows back to back from `start`. */
function windowsQuery(request: EvidenceRequest, query: string): RangeQuery {
  const stepSeconds = windowSeconds(request);
  return { query, start: new Date(request.start.getTime() + stepSeconds * 1000), end: request.end, stepSeconds };
}

/** The window length: the configured minutes, or the whole soak when it is shorter. */
function windowSeconds(request: Pick<EvidenceRequest, 'start' | 'end' | 'windowMinutes'>): number {
  return Math.max(60, Math.min(request.windowMinutes * 60, Math.floor((request.end.getTime() - request.start.getTime()) / 1000)));
}

const finite = (series: readonly Series[]) => series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));

/** Reads every SLO of the version over its soak (one range query each, and one for the request count). */
export async function gatherEvidence(request: EvidenceRequest): Promise<Evidence> {
  const window = `${windowSeconds(request)}s`;
  const queries = sloQueries(request.slo, request.matchers, window);
  const [count, ...results] = await Promise.all([
    queryRange(request.endpoint, windowsQuery(request, requestCountQuery(request.matchers, window))),
    ...queries.map((q) => queryRange(request.endpoint, windowsQuery(request, q.query))),
  ]);
  const figures = queries.map((slo, i): SloFigure => {
    const points = finite(results[i]!);
    const worst = points.reduce<(typeof points)[number] | undefined>((w, p) => (w === undefined || p.value > w.value ? p : w), undefined);
    return {
      slo,
      worst: worst && { value: worst.value, windowEnd: worst.time },
      windows: points.length,
      missed: points.filter((p) => p.value > slo.target).length,
      link: graphUrl(request.endpoint, { query: slo.query, start: request.start, end: request.end, stepSeconds: windowSeconds(request) }),
    };
  });
  return {
    start: request.start,
    end: request.end,
    windowMinutes: windowSeconds(request) / 60,
    requests: Math.round(finite(count).reduce((sum, p) => sum + p.value, 0)),
    windowCount: Math.floor((request.end.getTime() - request.start.getTime()) / 1000 / windowSeconds(request)),
    figures,
  };
}

/** "2.43 s" or "85 ms" or "1.5%": a figure as the PR body and the refusal print it. */
export const formatFigure = (value: number, unit: SloQuery['unit']): string =>
  unit === 's' ? (value < 1 ? `${+(value * 1000).toPrecision(4)} ms` : `${+value.toPrecision(4)} s`) : `${+value.toPrecision(4)}%`;

/**
 * Why the evidence does not support a promotion: each SLO missed (which, by how much, where),
 * or nothing to judge (no requests, no values). Empty when every SLO was met in every window
 * (but `allowedMisses` of them: a canary's failure limit).
 */
export function evidenceProblems(evidence: Evidence, what: string, allowedMisses = 0): string[] {
  if (evidence.requests === 0)
    return [
      `${what} finished no requests from ${evidence.start.toISOString()} to ${evidence.end.toISOString()}: a soak without traffic proves nothing`,
    ];
  const problems: string[] = [];
  for (const f of evidence.figures) {
    if (!f.worst) {
      problems.push(`${f.slo.title}: no value in any window (the query returned no series): ${f.slo.query}`);
      continue;
    }
    if (f.missed <= allowedMisses) continue;
    const over = f.worst.value - f.slo.target;
    const share = f.slo.target > 0 ? ` (${+((over / f.slo.target) * 100).toFixed(1)}%)` : '';
    problems.push(
      `${f.slo.title} was ${formatFigure(f.worst.value, f.slo.unit)} in the ${evidence.windowMinutes}-minute window to ${f.worst.windowEnd.toISOString()}, ` +
        `${formatFigure(over, f.slo.unit)}${share} over its ${formatFigure(f.slo.target, f.slo.unit)} target; ${f.missed} of ${f.windows} windows missed it`,
    );
  }
  return problems;
}
