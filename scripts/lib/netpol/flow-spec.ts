import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isProblem, parseInputYaml } from '../config/parse-input.js';
import type { ConfigProblem } from '../config/problem.js';
import { zodProblems } from '../config/zod-problems.js';

/** The reviewed list of flows the network-flow gate checks (repository-relative). */
export const FLOWS_FILE = 'platform/network/flows.yaml';

const labels = z.record(z.string(), z.string());
const podPattern = z
  .string()
  .regex(
    /^[a-z0-9*-]+\/[a-z0-9*().-]+(:(leader|worker|stable|canary|gateway))?$/,
    'expected namespace/name, where either may hold * wildcards (e.g. "llm-*/*"), and :leader or :worker for the pods of a LeaderWorkerSet group, :stable or :canary for a canary Rollout\'s, :gateway for an Istio Gateway\'s',
  );

/** Where a flow starts or ends: pods by pattern, pods that derive from the render, or an address. */
const peerSchema = z.union([
  z.strictObject({ pods: podPattern, except: z.array(podPattern).optional() }),
  /** Every pod whose service account has an EKS Pod Identity association. */
  z.strictObject({ podIdentity: z.literal(true) }),
  /** Every pod a ServiceMonitor or a chart's metrics port (pods[].scraped) makes Prometheus scrape. */
  z.strictObject({ scraped: z.literal(true) }),
  /** An address outside the pods: the EKS control plane's ENIs, anything else in the VPC, or a CIDR. */
  z.strictObject({
    address: z.union([
      z.enum(['control-plane', 'vpc']),
      z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, 'expected "control-plane", "vpc" or an IPv4 CIDR such as "10.0.0.0/16"'),
    ]),
  }),
]);

const flowSchema = z
  .strictObject({
    name: z.string().min(1),
    from: peerSchema,
    to: peerSchema,
    /** The port on the destination; absent with `to: {scraped: true}` (each target's own port). */
    port: z.number().int().min(1).max(65535).optional(),
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
    /** Only pairs in different namespaces (a namespace is the unit of isolation). */
    acrossNamespaces: z.boolean().optional(),
    /** Only pairs in the same namespace (a model's router and its own servers). */
    withinNamespace: z.boolean().optional(),
    /** Only pairs of the same workload (a LeaderWorkerSet's leader and workers: one set's groups). */
    withinWorkload: z.boolean().optional(),
    /** Why the flow is needed (allow) or must never happen (deny), for the report. */
    why: z.string().min(1),
  })
  .refine((f) => !(f.acrossNamespaces && f.withinNamespace), {
    error: 'expected acrossNamespaces or withinNamespace, not both: no pair is in both',
    path: ['withinNamespace'],
  });

const chartPodSchema = z.strictObject({
  pod: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'expected namespace/name, such as "keda/keda-operator"'),
  /** The chart whose templates give the pod these labels, at the version they were read from. */
  chart: z.strictObject({ name: z.string(), version: z.string() }).optional(),
  /** Where the labels were read (a template path, or the EKS add-on). */
  source: z.string().min(1),
  labels,
  serviceAccount: z.string().optional(),
  /** Container ports by name. */
  ports: z.record(z.string(), z.number().int().min(1).max(65535)).optional(),
  /** Ports Prometheus scrapes on this pod (the chart's values enable a ServiceMonitor for them). */
  scraped: z.array(z.number().int().min(1).max(65535)).optional(),
});

const fileSchema = z.strictObject({
  pods: z.array(chartPodSchema),
  allow: z.array(flowSchema),
  deny: z.array(flowSchema),
});

export type PeerSpec = z.infer<typeof peerSchema>;
export type FlowSpec = z.infer<typeof flowSchema> & { readonly line: number; readonly kind: 'allow' | 'deny' };
export type ChartPodSpec = z.infer<typeof chartPodSchema> & { readonly line: number };

export interface FlowFile {
  readonly pods: readonly ChartPodSpec[];
  readonly flows: readonly FlowSpec[];
}

export type LoadedFlows = { ok: true; spec: FlowFile } | { ok: false; problems: ConfigProblem[] };

export async function loadFlowFile(root: string): Promise<LoadedFlows> {
  const text = await readFile(path.join(root, FLOWS_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return { ok: false, problems: [{ file: FLOWS_FILE, path: [], message: 'not found' }] };
  return parseFlowFile(text, FLOWS_FILE);
}

/** Parses and checks the flows file: its shape, a port on every flow but a scrape, unique names and pods. */
export function parseFlowFile(text: string, file: string): LoadedFlows {
  const parsed = parseInputYaml(text, file);
  if (isProblem(parsed)) return { ok: false, problems: [parsed] };
  const result = fileSchema.safeParse(parsed.value, { reportInput: true });
  if (!result.success) return { ok: false, problems: zodProblems(result.error, fileSchema, file, parsed.lineOf) };
  const problems: ConfigProblem[] = [];
  const pods = result.data.pods.map((pod, index) => ({ ...pod, line: parsed.lineOf(['pods', index]) }));
  const seenPods = new Map<string, number>();
  for (const [index, pod] of pods.entries()) {
    const earlier = seenPods.get(pod.pod);
    if (earlier !== undefined)
      problems.push({
        file,
        line: pod.line,
        path: ['pods', index, 'pod'],
        message: `pod "${pod.pod}" is already declared at line ${earlier}`,
      });
    seenPods.set(pod.pod, pod.line);
  }
  const flows: FlowSpec[] = [];
  const seenNames = new Map<string, number>();
  for (const kind of ['allow', 'deny'] as const) {
    for (const [index, flow] of result.data[kind].entries()) {
      const line = parsed.lineOf([kind, index]);
      const at = (field: string) => ({ file, line: parsed.lineOf([kind, index, field]), path: [kind, index, field] });
      const scrape = 'scraped' in flow.to;
      if (scrape && flow.port !== undefined)
        problems.push({ ...at('port'), message: 'a flow to the scraped pods uses each target port; remove port' });
      if (!scrape && flow.port === undefined)
        problems.push({ ...at('port'), message: 'required field is missing (expected the destination port)' });
      if ('address' in flow.from && 'address' in flow.to)
        problems.push({ ...at('to'), message: 'a flow between two addresses is outside the cluster: no NetworkPolicy decides it' });
      if ('scraped' in flow.from) problems.push({ ...at('from'), message: 'scraped pods are destinations (to), not sources' });
      if ('podIdentity' in flow.to)
        problems.push({ ...at('to'), message: 'pods with a Pod Identity association are sources (from), not destinations' });
      const earlier = seenNames.get(flow.name);
      if (earlier !== undefined) problems.push({ ...at('name'), message: `flow "${flow.name}" is already named at line ${earlier}` });
      seenNames.set(flow.name, line);
      flows.push({ ...flow, line, kind });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec: { pods, flows } };
}
