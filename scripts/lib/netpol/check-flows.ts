import path from 'node:path';
import type { ConfigProblem } from '../config/problem.js';
import { folderObjects } from '../sync/folder-objects.js';
import { analyze, type Side, type Verdict } from './analyzer.js';
import { clusterModel, type ClusterModel } from './cluster-model.js';
import { describeEndpoint, expandFlow, type FlowCheck } from './expand-flows.js';
import type { FlowFile, FlowSpec } from './flow-spec.js';

/** A flow flows.yaml allows that the policies block, or one it denies that they let through. */
export interface FlowFinding {
  readonly env: string;
  readonly flow: FlowSpec;
  readonly check: FlowCheck;
  readonly verdict: Verdict;
  /** Where to look: the policy that lets a denied flow through, else the flow's entry. */
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface EnvironmentFlows {
  readonly env: string;
  readonly checked: { readonly allow: number; readonly deny: number };
  readonly findings: readonly FlowFinding[];
  /** Names of the flows that apply here (at least one pair of endpoints runs in this environment). */
  readonly applied: ReadonlySet<string>;
}

const policyWhere = (model: ClusterModel, name: string) => {
  const found = model.policies.find((p) => `${p.object.metadata.namespace}/${p.object.metadata.name}` === name);
  return found ? { file: found.file, line: found.line } : undefined;
};

function blocked(direction: 'egress from' | 'ingress to', who: string, side: Side): string {
  return `${direction} ${who}: selected by ${side.selectedBy.join(', ')}, none of which allows it`;
}

function admitted(direction: 'egress from' | 'ingress to', who: string, side: Side, external: boolean): string {
  if (external) return `${direction} ${who}: outside the cluster's pods, no NetworkPolicy applies`;
  if (side.selectedBy.length === 0) return `${direction} ${who}: no NetworkPolicy selects it`;
  return `${direction} ${who}: allowed by ${side.allowedBy.join(', ')}`;
}

function finding(env: string, model: ClusterModel, check: FlowCheck, verdict: Verdict): FlowFinding | undefined {
  const { flow } = check;
  const from = describeEndpoint(check.from);
  const to = describeEndpoint(check.to);
  const what = `${from} -> ${to} on ${check.port}/${check.protocol}${check.via ? ` (scraped by ${check.via})` : ''}`;
  const entry = { file: 'platform/network/flows.yaml', line: flow.line };
  if (flow.kind === 'allow' && !verdict.allowed) {
    const reasons = [
      ...(verdict.egress.allowed ? [] : [blocked('egress from', from, verdict.egress)]),
      ...(verdict.ingress.allowed ? [] : [blocked('ingress to', to, verdict.ingress)]),
    ];
    return {
      env,
      flow,
      check,
      verdict,
      ...entry,
      message: `must be allowed (${flow.name}) but is blocked: ${what}; ${reasons.join('; ')}`,
    };
  }
  if (flow.kind === 'deny' && verdict.allowed) {
    const reasons = [
      admitted('egress from', from, verdict.egress, check.from.kind === 'address'),
      admitted('ingress to', to, verdict.ingress, check.to.kind === 'address'),
    ];
    const culprit = [...verdict.ingress.allowedBy, ...verdict.egress.allowedBy].map((n) => policyWhere(model, n)).find(Boolean);
    return {
      env,
      flow,
      check,
      verdict,
      ...(culprit ?? entry),
      message: `must be denied (${flow.name}) but is allowed: ${what}; ${reasons.join('; ')}`,
    };
  }
  return undefined;
}

/**
 * Checks one environment's committed render against flows.yaml: builds its network model, expands
 * every flow to concrete pairs, and has the engine decide each one.
 */
export async function checkEnvironmentFlows(options: {
  readonly root: string;
  readonly env: string;
  readonly vpcCidr: string;
  readonly spec: FlowFile;
  readonly analyzer: string;
}): Promise<{ result: EnvironmentFlows; problems: ConfigProblem[] }> {
  const { env, spec } = options;
  const manifests = path.posix.join('clusters', env, 'manifests');
  const objects = [
    ...(await folderObjects(options.root, `${manifests}/platform`)),
    ...(await folderObjects(options.root, `${manifests}/apps`)),
  ];
  const { model, problems } = clusterModel({ env, vpcCidr: options.vpcCidr, objects, chartPods: spec.pods });
  const checks = spec.flows.flatMap((flow) => expandFlow(model, flow));
  const verdicts = checks.length > 0 ? await analyze(options.analyzer, model, checks) : [];
  const findings = checks.map((check, i) => finding(env, model, check, verdicts[i]!)).filter((f): f is FlowFinding => f !== undefined);
  return {
    result: {
      env,
      checked: { allow: checks.filter((c) => c.flow.kind === 'allow').length, deny: checks.filter((c) => c.flow.kind === 'deny').length },
      findings,
      applied: new Set(checks.map((c) => c.flow.name)),
    },
    problems,
  };
}
