import { githubAnnotation, type ReportFormat } from '../cli/report-format.js';
import type { EnvironmentFlows, FlowFinding } from './check-flows.js';
import { FLOWS_FILE, type FlowSpec } from './flow-spec.js';

/** Flows that apply in none of the environments checked: a pattern that matches nothing is a broken check. */
export function staleFlows(flows: readonly FlowSpec[], results: readonly EnvironmentFlows[]): FlowSpec[] {
  return flows.filter((f) => !results.some((r) => r.applied.has(f.name)));
}

const line = (f: FlowFinding) => `${f.file}:${f.line}: ${f.env}: ${f.message}`;
const staleMessage = (f: FlowSpec, envs: readonly string[]) =>
  `${f.kind} "${f.name}" matches no pods in any environment (${envs.join(', ')}): fix its patterns or remove it`;

/** The network-flow report: each finding with where to look, then one summary line per environment. */
export function formatFlows(results: readonly EnvironmentFlows[], stale: readonly FlowSpec[], format: ReportFormat): string {
  const envs = results.map((r) => r.env);
  if (format === 'json') {
    const json = {
      ok: stale.length === 0 && results.every((r) => r.findings.length === 0),
      environments: results.map((r) => ({
        env: r.env,
        checked: r.checked,
        findings: r.findings.map((f) => ({ file: f.file, line: f.line, flow: f.flow.name, kind: f.flow.kind, message: f.message })),
      })),
      stale: stale.map((f) => ({ file: FLOWS_FILE, line: f.line, flow: f.name, message: staleMessage(f, envs) })),
    };
    return `${JSON.stringify(json, null, 2)}\n`;
  }
  const out: string[] = [];
  for (const r of results) {
    for (const f of r.findings) {
      if (format === 'github')
        out.push(
          githubAnnotation({
            level: 'error',
            file: f.file,
            line: f.line,
            title: `network flows (${f.env}): ${f.flow.name}`,
            message: f.message,
          }),
        );
      out.push(line(f));
    }
  }
  for (const f of stale) {
    if (format === 'github')
      out.push(
        githubAnnotation({
          level: 'error',
          file: FLOWS_FILE,
          line: f.line,
          title: 'network flows: stale flow',
          message: staleMessage(f, envs),
        }),
      );
    out.push(`${FLOWS_FILE}:${f.line}: ${staleMessage(f, envs)}`);
  }
  for (const r of results) {
    const problems = r.findings.length;
    out.push(
      `${r.env}: ${r.checked.allow} flows that must be allowed, ${r.checked.deny} that must be denied: ${problems === 0 ? 'all as required' : `${problems} not as required`}`,
    );
  }
  return `${out.join('\n')}\n`;
}
