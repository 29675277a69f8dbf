/**
 * npm run check: every gate over the repository, in order: the rendered manifests are what the
 * inputs render (render --check), they validate against their schemas (validate, and kubeconform
 * on the same schema locations), the GitOps sync replays on a real API server (sync-test), the
 * NetworkPolicies carry exactly the reviewed flows (netpol), and they pass the policy pack (policy). Every gate runs even when
 * an earlier one fails, so one run shows everything to fix.
 */
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { $ } from 'zx';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { enginesRequired, locateEngine, missingEngineMessage } from './lib/tools/locate-engine.js';
import { checkGates, type Gate } from './lib/check/gates.js';
import { LOCATIONS_VARIABLE } from './lib/validate/locations-variable.js';
import { parseLocationList } from './lib/validate/schema-location.js';
import { commandLine } from './lib/cli/command-line.js';
import { environmentFolders, refuseUnknownEnvironments } from './lib/config/select-environments.js';

const USAGE = `Usage: npm run check -- [--env NAME ...] [--format text|json|github] [--require-engines]
                            [--base REV] [--skip-sync-test] [--gate-results FILE] [--root DIR]

Runs the gates: render --check (drift), validate (strict schemas), kubeconform (the same
schemas, validate --engine kubeconform), sync-test (the GitOps sync replayed on a real API
server), netpol (the NetworkPolicies against platform/network/flows.yaml) and policy (the conftest
policy pack). The engines come from .tools/bin/ (npm run
tools), else their variable ($KUBECONFORM, $KUBE_APISERVER...), else PATH. A gate whose engine
is missing (or kubeconform without $${LOCATIONS_VARIABLE}) is reported as NOT run; it fails the
check with --require-engines, or when CI=true.
Exit 0 when all pass, 1 when a gate fails, 2 on bad input or usage (or a required engine that is
missing).

  --require-engines     a missing engine fails the check (implied by CI=true)
  --base REV            what counts as deployed: the model versions the policy gate keeps valid,
                        and the revision the sync replay applies this tree over (a pull request's
                        base; default: a first sync on an empty cluster, and HEAD for the policy)
  --skip-sync-test      do not replay the sync (a laptop without the API server), loudly; refused
                        when CI=true
  --gate-results FILE   write each gate's outcome as JSON, for the PR report
`;

/** Why a gate cannot run here, or undefined when it can. */
async function blocker(gate: Gate): Promise<string | undefined> {
  if (gate.skipped) return `--skip-sync-test was given`;
  if (gate.engine && !(await locateEngine(gate.engine))) return missingEngineMessage(gate.engine);
  if (gate.needsLocations && parseLocationList(process.env[LOCATIONS_VARIABLE]).length === 0) {
    return `no schema locations: kubeconform has no built-in Kubernetes schemas and reads them only from $${LOCATIONS_VARIABLE} (see README, Validation)`;
  }
  return undefined;
}

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string', multiple: true },
    format: { type: 'string' },
    root: { type: 'string' },
    'require-engines': { type: 'boolean' },
    base: { type: 'string' },
    'skip-sync-test': { type: 'boolean' },
    'gate-results': { type: 'string' },
  });
  if (values['skip-sync-test'] && enginesRequired())
    throw new UsageError('--skip-sync-test is refused when CI=true: the merge gate always replays the sync');
  // An unknown environment is one usage error before any gate runs (each gate would say it
  // again); folders, not the fleet, since a broken fleet is the render gate's to report.
  refuseUnknownEnvironments(await environmentFolders(path.resolve(values.root ?? process.cwd())), values.env);
  const json = values.format === 'json';
  const gates = checkGates({
    env: values.env ?? [],
    format: values.format,
    root: values.root,
    base: values.base,
    skipSyncTest: values['skip-sync-test'] ?? false,
  });
  // A gate whose engine is missing says so loudly; it fails the check only where the engines are
  // required (CI), so that a laptop without Go can still render and validate.
  const required = values['require-engines'] || enginesRequired();
  let worst: number = EXIT.ok;
  const reports: Array<{ gate: string; exitCode: number; report: unknown }> = [];
  const outcomes: Array<{ name: string; outcome: 'success' | 'failure' | 'skipped' }> = [];
  for (const gate of gates) {
    const reason = await blocker(gate);
    if (reason !== undefined) {
      // Asked for by name (--skip-sync-test) is a choice; a missing engine fails where required.
      const fails = required && !gate.skipped;
      const line = `${gate.name} gate NOT run: ${reason}${fails || gate.skipped ? '' : ' (--require-engines or CI=true makes this fail)'}`;
      process.stderr.write(`\n== ${gate.name}\n!! ${line}\n`);
      if (json) reports.push({ gate: gate.name, exitCode: fails ? EXIT.badInput : EXIT.ok, report: { ran: false, reason: line } });
      outcomes.push({ name: gate.label, outcome: fails ? 'failure' : 'skipped' });
      if (fails) worst = EXIT.badInput;
      continue;
    }
    if (!json) process.stdout.write(`\n== ${gate.name} ${gate.args.join(' ')}\n`);
    // JSON reports are collected into one document; otherwise the gate prints as it goes.
    const result = await $({
      nothrow: true,
      stdio: json ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    })`${commandLine(gate.script)} ${gate.args}`;
    const code = result.exitCode ?? EXIT.gateFailed;
    outcomes.push({ name: gate.label, outcome: code === EXIT.ok ? 'success' : 'failure' });
    if (json) reports.push({ gate: gate.name, exitCode: code, report: parseReport(result.stdout) });
    // Bad input (2) outranks a failed gate (1): it means a gate could not even run properly.
    worst = Math.max(worst, code === EXIT.badInput ? EXIT.badInput : code === EXIT.ok ? EXIT.ok : EXIT.gateFailed);
  }
  if (values['gate-results']) {
    const file = path.resolve(values['gate-results']);
    await mkdir(path.dirname(file), { recursive: true });
    const scope = values.env?.length === 1 ? values.env[0]! : (values.env ?? ['all environments']).join(', ');
    await writeFile(file, `${JSON.stringify({ scope, results: outcomes }, null, 2)}\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ ok: worst === EXIT.ok, gates: reports }, null, 2)}\n`);
  return worst;
}

function parseReport(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    return stdout;
  }
}

await runCli(USAGE, main);
