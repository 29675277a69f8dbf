/**
 * npm run netpol: checks each environment's NetworkPolicies, as committed, against the reviewed
 * flows of platform/network/flows.yaml with a real network-policy engine (cyclonus's matcher,
 * built by npm run tools as netpol-analyzer).
 */
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseReportFormat } from './lib/cli/report-format.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { loadSelectedFleet } from './lib/config/select-environments.js';
import { reportProblems } from './lib/config/report-problems.js';
import { AnalyzerError } from './lib/netpol/analyzer.js';
import { checkEnvironmentFlows, type EnvironmentFlows } from './lib/netpol/check-flows.js';
import { FLOWS_FILE, loadFlowFile } from './lib/netpol/flow-spec.js';
import { formatFlows, staleFlows } from './lib/netpol/report.js';
import { FolderError } from './lib/sync/folder-objects.js';
import { announceEngine, missingEngineMessage } from './lib/tools/locate-engine.js';
import type { ConfigProblem } from './lib/config/problem.js';

const USAGE = `Usage: npm run netpol -- [--env NAME ...] [--format text|json|github] [--root DIR]

Checks each environment's NetworkPolicies (the committed clusters/<env>/manifests) against
${FLOWS_FILE}: every flow under allow must be allowed and every flow under deny must be
blocked, both ways (the source's egress and the destination's ingress), as the VPC CNI's network
policy agent would decide them. The engine is netpol-analyzer (cyclonus's NetworkPolicy matcher,
built by npm run tools). Pods are the workloads the render holds, the chart pods ${FLOWS_FILE}
declares (for the chart versions the environment installs) and one unlabelled pod per namespace;
"scraped" flows follow the ServiceMonitors and PodMonitors, "podIdentity" the Pod Identity
associations.

  --env NAME   check only this environment (repeatable; default: all, which also reports
               flows that match no pods anywhere)
  --format F   text (default), json or github (annotations on the files)
  --root DIR   repository root (default: the current directory)

Exit 0 when every flow is as required, 1 on findings, 2 on bad input or without the engine.
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string', multiple: true },
    format: { type: 'string' },
    root: { type: 'string' },
  });
  const format = parseReportFormat(values.format);
  const root = path.resolve(values.root ?? process.cwd());
  const loaded = await loadSelectedFleet(root, values.env, format);
  if (!loaded) return EXIT.badInput;
  const { fleet, environments } = loaded;
  const flows = await loadFlowFile(root);
  if (!flows.ok) {
    reportProblems(flows.problems, format);
    return EXIT.badInput;
  }
  const analyzer = await announceEngine('netpol-analyzer');
  if (!analyzer) {
    process.stderr.write(`network flows NOT checked: ${await missingEngineMessage('netpol-analyzer')}\n`);
    return EXIT.badInput;
  }
  const results: EnvironmentFlows[] = [];
  const problems: ConfigProblem[] = [];
  try {
    for (const env of environments) {
      const vpcCidr = fleet.environments.get(env)!.spec.network.vpcCidr;
      const checked = await checkEnvironmentFlows({ root, env, vpcCidr, spec: flows.spec, analyzer: analyzer.binary });
      results.push(checked.result);
      problems.push(...checked.problems);
    }
  } catch (error) {
    if (error instanceof FolderError || error instanceof AnalyzerError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
  if (problems.length > 0) {
    reportProblems(problems, format);
    return EXIT.badInput;
  }
  const stale = values.env ? [] : staleFlows(flows.spec.flows, results);
  process.stdout.write(formatFlows(results, stale, format));
  return stale.length > 0 || results.some((r) => r.findings.length > 0) ? EXIT.gateFailed : EXIT.ok;
}

await runCli(USAGE, main);
