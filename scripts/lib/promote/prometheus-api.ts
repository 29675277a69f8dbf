import { z } from 'zod';
import type { RangeQuery, Series } from '../../../platform/monitoring/slo-windows.js';

export type { RangeQuery, Series };

/*
 * The one Prometheus HTTP API call promotion makes: a range query (GET /api/v1/query_range, as
 * https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries documents it).
 */

export interface PrometheusEndpoint {
  /** Base URL, such as https://prometheus.staging.example.com (a path prefix is kept). */
  readonly url: string;
  /** Sent as "Authorization: Bearer ..." when set; never printed. */
  readonly token?: string | undefined;
  /** Milliseconds one answer may take. */
  readonly timeoutMs: number;
}

/** A query Prometheus refused (bad_data: our query or our window) or could not answer (a remote fault). */
export class PrometheusError extends Error {
  constructor(
    message: string,
    readonly kind: 'input' | 'remote',
  ) {
    super(message);
  }
}

const answer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.object({
      resultType: z.literal('matrix'),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })),
    }),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

/** A path under the endpoint's base URL (a path prefix kept, a trailing slash not doubled). */
const under = (endpoint: Pick<PrometheusEndpoint, 'url'>, path: string) => new URL(`${endpoint.url.replace(/\/+$/, '')}${path}`);

/** The URL of a range query, with its parameters (also the link a PR body gives). */
export function queryRangeUrl(endpoint: Pick<PrometheusEndpoint, 'url'>, q: RangeQuery): string {
  const url = under(endpoint, '/api/v1/query_range');
  url.searchParams.set('query', q.query);
  url.searchParams.set('start', (q.start.getTime() / 1000).toString());
  url.searchParams.set('end', (q.end.getTime() / 1000).toString());
  url.searchParams.set('step', `${q.stepSeconds}`);
  return url.toString();
}

/**
 * Prometheus's own graph page for the same expression and window (Prometheus 3 serves it at
 * /query; /graph redirects there), for a person to look at.
 */
export function graphUrl(endpoint: Pick<PrometheusEndpoint, 'url'>, q: RangeQuery): string {
  const url = under(endpoint, '/query');
  url.searchParams.set('g0.expr', q.query);
  url.searchParams.set('g0.tab', 'graph');
  url.searchParams.set('g0.range_input', `${Math.round((q.end.getTime() - q.start.getTime()) / 1000)}s`);
  url.searchParams.set('g0.end_input', q.end.toISOString());
  url.searchParams.set('g0.step_input', `${q.stepSeconds}`);
  return url.toString();
}

const RETRIES = 2;

/** Runs a range query; 5xx and network failures are retried twice, a refusal (4xx) is not. */
export async function queryRange(endpoint: PrometheusEndpoint, q: RangeQuery): Promise<Series[]> {
  const url = queryRangeUrl(endpoint, q);
  const where = `Prometheus at ${endpoint.url}`;
  let last = '';
  for (let attempt = 0; attempt <= RETRIES; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', ...(endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {}) },
        signal: AbortSignal.timeout(endpoint.timeoutMs),
      });
    } catch (error) {
      const { cause } = error as Error & { cause?: { code?: string; message?: string } };
      last = `${where} did not answer (${cause?.code ?? cause?.message ?? (error as Error).message})`;
      continue;
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403)
      throw new PrometheusError(`${where} refused the credentials (HTTP ${response.status}); check PROMETHEUS_TOKEN`, 'input');
    let parsed: z.infer<typeof answer>;
    try {
      parsed = answer.parse(JSON.parse(text));
    } catch {
      if (response.status >= 500) {
        last = `${where} answered HTTP ${response.status}`;
        continue;
      }
      // A 4xx that is not Prometheus's own answer: the URL is wrong (a path, a proxy's page).
      throw new PrometheusError(
        `${where} answered HTTP ${response.status} with something other than a range query result (check monitoring.queryUrl): ${text.slice(0, 200)}`,
        response.status >= 400 ? 'input' : 'remote',
      );
    }
    if (parsed.status === 'error') {
      // bad_data: the expression or the window; execution, timeout, internal...: Prometheus's side.
      if (parsed.errorType === 'bad_data') throw new PrometheusError(`${where} refused the query ${q.query}: ${parsed.error}`, 'input');
      last = `${where} failed the query ${q.query} (${parsed.errorType}): ${parsed.error}`;
      continue;
    }
    return parsed.data.result.map((r) => ({
      metric: r.metric,
      points: r.values.map(([seconds, value]) => ({ time: new Date(seconds * 1000), value: Number(value) })),
    }));
  }
  throw new PrometheusError(`${last}; tried ${RETRIES + 1} times, rerun later`, 'remote');
}
