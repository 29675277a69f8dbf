/**
 * npm run check: every gate over the repository, in order: the rendered manifests are what the
 * inputs render (render --check), then they validate against their schemas (validate). Every
 * gate runs even when an earlier one fails, so one run shows everything to fix.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';

const USAGE = `Usage: npm run check -- [--env NAME ...] [--format text|json|github] [--root DIR]

Runs the gates: render --check (drift), then validate (schemas). Exit 0 when all pass, 1 when a
gate fails, 2 on bad input or usage.
`;

const SCRIPTS = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string', multiple: true },
    format: { type: 'string' },
    root: { type: 'string' },
  });
  const shared = [
    ...(values.env ?? []).flatMap((env) => ['--env', env]),
    ...(values.format ? ['--format', values.format] : []),
    ...(values.root ? ['--root', values.root] : []),
  ];
  const gates: Array<{ name: string; args: string[] }> = [
    { name: 'render', args: ['--check', ...shared] },
    { name: 'validate', args: [...shared, ...(values.format === 'json' ? [] : ['--summary'])] },
  ];
  const json = values.format === 'json';
  let worst: number = EXIT.ok;
  const reports: Array<{ gate: string; exitCode: number; report: unknown }> = [];
  for (const gate of gates) {
    if (!json) process.stdout.write(`\n== ${gate.name} ${gate.args.join(' ')}\n`);
    // JSON reports are collected into one document; otherwise the gate prints as it goes.
    const result = await $({ nothrow: true, stdio: json ? ['inherit', 'pipe', 'inherit'] : 'inherit' })`${process.execPath} --import tsx ${path.join(SCRIPTS, `${gate.name}.ts`)} ${gate.args}`;
    const code = result.exitCode ?? EXIT.gateFailed;
    if (json) reports.push({ gate: gate.name, exitCode: code, report: parseReport(result.stdout) });
    // Bad input (2) outranks a failed gate (1): it means a gate could not even run properly.
    worst = Math.max(worst, code === EXIT.badInput ? EXIT.badInput : code === EXIT.ok ? EXIT.ok : EXIT.gateFailed);
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
