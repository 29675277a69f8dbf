import { $ } from 'zx';
import { z } from 'zod';
import type { ClusterModel } from './cluster-model.js';
import type { Endpoint, FlowCheck } from './expand-flows.js';

const sideSchema = z.object({ allowed: z.boolean(), selectedBy: z.array(z.string()), allowedBy: z.array(z.string()) });
const responseSchema = z.object({ results: z.array(z.object({ allowed: z.boolean(), egress: sideSchema, ingress: sideSchema })) });

export type Side = z.infer<typeof sideSchema>;
export type Verdict = z.infer<typeof responseSchema>['results'][number];

export class AnalyzerError extends Error {}

function peer(model: ClusterModel, endpoint: Endpoint): Record<string, unknown> {
  if (endpoint.kind === 'address') return { ip: endpoint.ip };
  return {
    namespace: endpoint.pod.namespace,
    namespaceLabels: model.namespaceLabels.get(endpoint.pod.namespace) ?? {},
    podLabels: endpoint.pod.labels,
    ip: endpoint.ip,
  };
}

/**
 * Asks the network-policy engine (netpol-analyzer: cyclonus's matcher, built by npm run tools)
 * whether the environment's NetworkPolicies allow each flow; one verdict per check, in order.
 */
export async function analyze(binary: string, model: ClusterModel, checks: readonly FlowCheck[]): Promise<Verdict[]> {
  const request = {
    policies: model.policies.map((p) => p.object),
    flows: checks.map((c) => ({
      source: peer(model, c.from),
      destination: peer(model, c.to),
      port: c.port,
      portName: c.portName,
      protocol: c.protocol,
    })),
  };
  const result = await $({ quiet: true, nothrow: true, input: JSON.stringify(request) })`${binary}`;
  if (result.exitCode !== 0) throw new AnalyzerError(`netpol-analyzer failed on ${model.env}: ${result.stderr.trim()}`);
  const parsed = responseSchema.safeParse(JSON.parse(result.stdout));
  if (!parsed.success || parsed.data.results.length !== checks.length)
    throw new AnalyzerError(`netpol-analyzer answered ${model.env} with something other than one verdict per flow`);
  return parsed.data.results;
}
