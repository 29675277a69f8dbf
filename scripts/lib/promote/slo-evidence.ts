import type { ModelSlo } from '../../../apps/models/model-spec.js';
import { requestCountQuery, sloQueries, type SloQuery } from '../../../apps/model-server/slo-queries.js';
import { readWindows, windowSeconds, type WindowedEvidence, type WindowFigure } from '../../../platform/monitoring/slo-windows.js';
import { graphUrl, queryRange, type PrometheusEndpoint } from './prometheus-api.js';

export { evidenceProblems, formatFigure } from '../../../platform/monitoring/slo-windows.js';

/*
 * A version's SLO figures over its soak, from the Prometheus of the environment it soaked in:
 * each SLO per window (an hour by default), the worst window against the target
 * (platform/monitoring/slo-windows.ts judges them).
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

export interface SloFigure extends WindowFigure<SloQuery> {
  /** Prometheus's graph of the same expression over the soak. */
  readonly link: string;
}

export type Evidence = WindowedEvidence<SloFigure>;

/** Reads every SLO of the version over its soak (one range query each, and one for the request count). */
export async function gatherEvidence(request: EvidenceRequest): Promise<Evidence> {
  const stepSeconds = windowSeconds(request, request.windowMinutes);
  const window = `${stepSeconds}s`;
  const windows = await readWindows(
    (q) => queryRange(request.endpoint, q),
    request,
    stepSeconds,
    sloQueries(request.slo, request.matchers, window),
    requestCountQuery(request.matchers, window),
  );
  return {
    ...windows,
    figures: windows.figures.map((figure) => ({
      ...figure,
      link: graphUrl(request.endpoint, { query: figure.slo.query, start: request.start, end: request.end, stepSeconds }),
    })),
  };
}
