import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { GuardConfig } from './config.js';
import { inClusterApi } from './kube-api.js';
import { prometheusRangeQuery } from './prometheus-client.js';
import { reconcile } from './reconcile.js';

/*
 * The canary guard's process (bundled into one file by bundle.ts, run by the guard's pod): a pass
 * every intervalSeconds, one JSON line per pass that changes something or fails, and two health
 * endpoints: /livez while the loop turns, /readyz while passes succeed (so Argo CD counts the
 * guard healthy only once it has set the weights of its config), and /metrics for Prometheus:
 * the share it last wrote, whether it took the canary out, its failed passes.
 *
 * Environment: GUARD_CONFIG (default /etc/canary-guard/config.json), GUARD_TOKEN_DIR (the
 * service account's token and CA), GUARD_HEALTH_PORT (8080), GUARD_ONCE=1 (one pass, then exit:
 * 0 done, 1 failed), GUARD_NOW (judge as of this ISO time: a replay of a past window).
 */

const env = process.env;
const config = JSON.parse(readFileSync(env.GUARD_CONFIG ?? '/etc/canary-guard/config.json', 'utf8')) as GuardConfig;
const timeoutMs = 10_000;
const clients = {
  kube: inClusterApi(env, env.GUARD_TOKEN_DIR ?? '/var/run/secrets/kubernetes.io/serviceaccount', timeoutMs),
  queryRange: prometheusRangeQuery(config.prometheusUrl, timeoutMs),
};
const route = `${config.namespace}/${config.route}`;
const log = (fields: Record<string, unknown>) => console.log(JSON.stringify({ time: new Date().toISOString(), route, ...fields }));

let lastTurn = 0;
let lastSuccess = 0;
let lastReason = '';
let weight: number | undefined;
let failures = 0;
let takenOut = false;

async function pass(): Promise<boolean> {
  lastTurn = Date.now();
  try {
    const result = await reconcile(config, clients, env.GUARD_NOW ? new Date(env.GUARD_NOW) : new Date());
    lastSuccess = Date.now();
    weight = result.canaryWeight;
    takenOut = result.reason.startsWith('taken out') || result.aborted !== undefined;
    if (result.changed || result.reason !== lastReason || env.GUARD_ONCE)
      log({
        canaryWeight: result.canaryWeight,
        changed: result.changed,
        reason: result.reason,
        ...(result.aborted ? { missed: result.aborted } : {}),
      });
    lastReason = result.reason;
    return true;
  } catch (error) {
    failures++;
    log({ error: (error as Error).message });
    return false;
  }
}

if (env.GUARD_ONCE) process.exit((await pass()) ? 0 : 1);

/** Prometheus's text format: what an alert on a canary taken out, or on a guard that cannot work, reads. */
function metrics(): string {
  const version = JSON.stringify(config.release?.version ?? '');
  return [
    '# HELP canary_guard_canary_weight The canary share of the route, in percent, as the guard last wrote it.',
    '# TYPE canary_guard_canary_weight gauge',
    ...(weight === undefined ? [] : [`canary_guard_canary_weight ${weight}`]),
    "# HELP canary_guard_taken_out 1 while git's canary is one the guard took out on its SLOs.",
    '# TYPE canary_guard_taken_out gauge',
    `canary_guard_taken_out{version=${version}} ${takenOut ? 1 : 0}`,
    '# HELP canary_guard_pass_failures_total Passes that could not read or write what they needed.',
    '# TYPE canary_guard_pass_failures_total counter',
    `canary_guard_pass_failures_total ${failures}`,
    '# HELP canary_guard_last_success_timestamp_seconds When a pass last succeeded.',
    '# TYPE canary_guard_last_success_timestamp_seconds gauge',
    `canary_guard_last_success_timestamp_seconds ${lastSuccess / 1000}`,
    '',
  ].join('\n');
}

const intervalMs = config.intervalSeconds * 1000;
const server = createServer((req, res) => {
  const fresh = (at: number) => Date.now() - at < 5 * intervalMs;
  if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
    return;
  }
  const ok = req.url === '/livez' ? fresh(lastTurn) : req.url === '/readyz' ? lastSuccess > 0 && fresh(lastSuccess) : false;
  res.writeHead(ok ? 200 : req.url === '/livez' || req.url === '/readyz' ? 503 : 404).end();
});
server.listen(Number(env.GUARD_HEALTH_PORT ?? 8080));

let timer: NodeJS.Timeout | undefined;
const loop = async () => {
  await pass();
  timer = setTimeout(() => void loop(), intervalMs);
};
process.once('SIGTERM', () => {
  clearTimeout(timer);
  server.close();
  process.exit(0);
});
await loop();
