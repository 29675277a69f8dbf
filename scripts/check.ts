/**
 * npm run check: every gate over the repository, in order: the rendered manifests are what the
 * inputs render (render --check), they validate against their schemas (validate), and they pass
 * the policy pack (policy, when conftest is installed). Every gate runs even when an earlier one
 * fails, so one run shows everything to fix.
 */
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { CONFTEST_INSTALL_HINT, CONFTEST_MISSING, findConftest } from './lib/policy/conftest.js';

const USAGE = `Usage: npm run check -- [--env NAME ...] [--format text|json|github] [--require-policy]
                            [--kubeconform] [--gate-results FILE] [--root DIR]

Runs the gates: render --check (drift), validate (schemas), then policy (the conftest policy
pack). Without conftest the policy gate is reported as NOT run and does not fail the check,
unless --require-policy is given (CI sets it). Exit 0 when all pass, 1 when a gate fails, 2 on
bad input or usage (or a required policy gate that cannot run).

  --kubeconform         also cross-check the manifests with the kubeconform binary (validate
                        --engine kubeconform, same schema locations)
  --gate-results FILE   write each gate's outcome as JSON, for the PR report
`;

const SCRIPTS = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string', multiple: true },
    format: { type: 'string' },
    root: { type: 'string' },
    'require-policy': { type: 'boolean' },
    kubeconform: { type: 'boolean' },
    'gate-results': { type: 'string' },
  });
  const shared = [
    ...(values.env ?? []).flatMap((env) => ['--env', env]),
    ...(values.format ? ['--format', values.format] : []),
    ...(values.root ? ['--root', values.root] : []),
  ];
  const summary = values.format === 'json' ? [] : ['--summary'];
  const gates: Array<{ name: string; script: string; label: string; args: string[] }> = [
    { name: 'render', script: 'render', label: 'render drift', args: ['--check', ...shared] },
    { name: 'validate', script: 'validate', label: 'schemas', args: [...shared, ...summary] },
  ];
  if (values.kubeconform) gates.push({ name: 'kubeconform', script: 'validate', label: 'kubeconform', args: ['--engine', 'kubeconform', ...shared, ...summary] });
  const json = values.format === 'json';
  let worst: number = EXIT.ok;
  const reports: Array<{ gate: string; exitCode: number; report: unknown }> = [];
  // The policy gate needs conftest; without it the check says so loudly and, unless required,
  // does not fail (a laptop without conftest can still render and validate).
  const policyRuns = values['require-policy'] || (await findConftest()) !== undefined;
  if (policyRuns) gates.push({ name: 'policy', script: 'policy', label: 'policy', args: shared });
  const outcomes: Array<{ name: string; outcome: 'success' | 'failure' | 'skipped' }> = [];
  for (const gate of gates) {
    if (!json) process.stdout.write(`\n== ${gate.name} ${gate.args.join(' ')}\n`);
    // JSON reports are collected into one document; otherwise the gate prints as it goes.
    const result = await $({ nothrow: true, stdio: json ? ['inherit', 'pipe', 'inherit'] : 'inherit' })`${process.execPath} --import tsx ${path.join(SCRIPTS, `${gate.script}.ts`)} ${gate.args}`;
    const code = result.exitCode ?? EXIT.gateFailed;
    outcomes.push({ name: gate.label, outcome: code === EXIT.ok ? 'success' : 'failure' });
    if (json) reports.push({ gate: gate.name, exitCode: code, report: parseReport(result.stdout) });
    // Bad input (2) outranks a failed gate (1): it means a gate could not even run properly.
    worst = Math.max(worst, code === EXIT.badInput ? EXIT.badInput : code === EXIT.ok ? EXIT.ok : EXIT.gateFailed);
  }
  if (!policyRuns) {
    const line = `${CONFTEST_MISSING}; ${CONFTEST_INSTALL_HINT} (--require-policy makes this fail)`;
    process.stderr.write(`\n== policy\n!! ${line}\n`);
    if (json) reports.push({ gate: 'policy', exitCode: EXIT.ok, report: { ran: false, reason: line } });
    outcomes.push({ name: 'policy', outcome: 'skipped' });
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
