/*
 * Judging a version by its SLOs, window by window, from Prometheus range queries: one module for
 * every judge (npm run promote's evidence, the staged canary's guard in the cluster). It imports
 * nothing at run time, so the guard's bundle (apps/canary-guard/) carries it and no more.
 */

/** One SLO as PromQL over windows of a fixed length: the SLO is missed in a window whose value exceeds the target. */
export interface SloObjective {
  /** For people: "time to first token p95". */
  readonly title: string;
  readonly target: number;
  readonly unit: 's' | '%';
  readonly query: string;
}

export interface RangeQuery {
  readonly query: string;
  readonly start: Date;
  readonly end: Date;
  readonly stepSeconds: number;
}

/** One series of a matrix: its labels, and its [time, value] points (NaN where the expression had no value). */
export interface Series {
  readonly metric: Record<string, string>;
  readonly points: ReadonlyArray<{ readonly time: Date; readonly value: number }>;
}

/** Runs one range query (GET /api/v1/query_range). */
export type QueryRange = (query: RangeQuery) => Promise<Series[]>;

export interface WindowFigure<S extends SloObjective = SloObjective> {
  readonly slo: S;
  /** The worst window (highest value), when any window had data. */
  readonly worst: { readonly value: number; readonly windowEnd: Date } | undefined;
  /** Windows with a value, and those over the target. */
  readonly windows: number;
  readonly missed: number;
}

export interface WindowedEvidence<F extends WindowFigure = WindowFigure> {
  readonly start: Date;
  readonly end: Date;
  readonly windowMinutes: number;
  /** Requests the version finished over the span. */
  readonly requests: number;
  /** Windows the span holds; a window without requests has no value and is not judged. */
  readonly windowCount: number;
  readonly figures: readonly F[];
}

/** The window length: `windowMinutes`, or the whole span when it is shorter (never under a minute). */
export function windowSeconds(span: { readonly start: Date; readonly end: Date }, windowMinutes: number): number {
  return Math.max(60, Math.min(windowMinutes * 60, Math.floor((span.end.getTime() - span.start.getTime()) / 1000)));
}

/** The windows' range query: each point is the window that ends at it, windows back to back from `start`. */
export function windowsQuery(span: { readonly start: Date; readonly end: Date }, stepSeconds: number, query: string): RangeQuery {
  return { query, start: new Date(span.start.getTime() + stepSeconds * 1000), end: span.end, stepSeconds };
}

const finite = (series: readonly Series[]) => series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));

/**
 * Reads every SLO over the span in windows of `stepSeconds` (the length the queries were built
 * with), and the requests finished: one range query each.
 */
export async function readWindows<S extends SloObjective>(
  queryRange: QueryRange,
  span: { readonly start: Date; readonly end: Date },
  stepSeconds: number,
  slos: readonly S[],
  requestsQuery: string,
): Promise<WindowedEvidence<WindowFigure<S>>> {
  const [count, ...results] = await Promise.all([
    queryRange(windowsQuery(span, stepSeconds, requestsQuery)),
    ...slos.map((slo) => queryRange(windowsQuery(span, stepSeconds, slo.query))),
  ]);
  const figures = slos.map((slo, i): WindowFigure<S> => {
    const points = finite(results[i]!);
    const worst = points.reduce<(typeof points)[number] | undefined>((w, p) => (w === undefined || p.value > w.value ? p : w), undefined);
    return {
      slo,
      worst: worst && { value: worst.value, windowEnd: worst.time },
      windows: points.length,
      missed: points.filter((p) => p.value > slo.target).length,
    };
  });
  return {
    start: span.start,
    end: span.end,
    windowMinutes: stepSeconds / 60,
    requests: Math.round(finite(count).reduce((sum, p) => sum + p.value, 0)),
    windowCount: Math.floor((span.end.getTime() - span.start.getTime()) / 1000 / stepSeconds),
    figures,
  };
}

/** "2.43 s" or "85 ms" or "1.5%": a figure as the PR body, the refusal and the guard print it. */
export const formatFigure = (value: number, unit: SloObjective['unit']): string =>
  unit === 's' ? (value < 1 ? `${+(value * 1000).toPrecision(4)} ms` : `${+value.toPrecision(4)} s`) : `${+value.toPrecision(4)}%`;

/**
 * Why the evidence does not support a version: each SLO missed (which, by how much, where), or
 * nothing to judge (no requests, no values). Empty when every SLO was met in every window (but
 * `allowedMisses` of them: a canary's failure limit).
 */
export function evidenceProblems(evidence: WindowedEvidence, what: string, allowedMisses = 0): string[] {
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
