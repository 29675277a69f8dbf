import type { QueryRange, Series } from '../../platform/monitoring/slo-windows.js';

/*
 * The guard's one Prometheus call, a range query (GET /api/v1/query_range), without a library:
 * the guard runs as one dependency-free file in a stock Node.js image. npm run promote makes the
 * same call with its answer checked by zod (scripts/lib/promote/prometheus-api.ts).
 */

interface Answer {
  status?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function matrix(answer: Answer, query: string): Series[] {
  if (answer.status !== 'success') throw new Error(`Prometheus refused ${query}: ${String(answer.error ?? answer.status)}`);
  if (answer.data?.resultType !== 'matrix' || !Array.isArray(answer.data.result))
    throw new Error(`Prometheus answered ${query} with ${String(answer.data?.resultType)}, not a matrix`);
  return (answer.data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>).map((r) => ({
    metric: r.metric,
    points: r.values.map(([seconds, value]) => ({ time: new Date(seconds * 1000), value: Number(value) })),
  }));
}

export function prometheusRangeQuery(baseUrl: string, timeoutMs: number): QueryRange {
  return async (q) => {
    const url = new URL(`${baseUrl.replace(/\/+$/, '')}/api/v1/query_range`);
    url.searchParams.set('query', q.query);
    url.searchParams.set('start', `${q.start.getTime() / 1000}`);
    url.searchParams.set('end', `${q.end.getTime() / 1000}`);
    url.searchParams.set('step', `${q.stepSeconds}`);
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let answer: Answer;
    try {
      answer = JSON.parse(text) as Answer;
    } catch {
      throw new Error(`Prometheus at ${baseUrl} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    return matrix(answer, q.query);
  };
}
