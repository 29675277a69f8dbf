/**
 * npm run render: render every environment's manifests from the inputs, or check that the
 * committed manifests are what the inputs render (--check).
 */
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { githubAnnotation, parseReportFormat, type ReportFormat } from './lib/cli/report-format.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { refuseUnknownEnvironments } from './lib/config/select-environments.js';
import { loadFleet } from './lib/config/load-fleet.js';
import type { Fleet } from './lib/config/fleet.js';
import { reportProblems, reportWarnings } from './lib/config/report-problems.js';
import { findDrift, type DriftEntry } from './lib/render/drift.js';
import { renderEnvironment, type RenderedEnvironment } from './lib/render/render-environment.js';
import { writeEnvironment } from './lib/render/write-environment.js';

const USAGE = `Usage: npm run render -- [--env NAME ...] [--check] [--format text|json|github] [--root DIR]

Renders clusters/<env>/manifests/ from clusters/<env>/cluster.yaml and apps/models/*.yaml.

  --env NAME     render only this environment (repeatable; default: all)
  --check        render in memory and compare with the files on disk; write nothing.
                 Exit 1 if any file differs, is missing or is extra.
  --format F     text (default), json, or github (workflow annotations)
  --root DIR     repository root (default: the current directory)
  -h, --help     show this help

Exit codes: 0 ok, 1 drift found (--check), 2 bad input or usage (nothing written).
`;

interface EnvironmentResult {
  readonly rendered: RenderedEnvironment;
  readonly drift: DriftEntry[];
}

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string', multiple: true },
    check: { type: 'boolean', default: false },
    format: { type: 'string' },
    root: { type: 'string' },
  });
  const format = parseReportFormat(values.format);
  const root = path.resolve(values.root ?? process.cwd());

  const loaded = await loadFleet(root);
  if (!loaded.ok) {
    reportProblems(loaded.problems, format);
    return EXIT.badInput;
  }
  reportWarnings(loaded.warnings, format);
  const names = selectEnvironments(loaded.fleet, values.env);

  // Render everything in memory first: an error in any environment writes nothing anywhere.
  const rendered = names.map((name) => renderEnvironment(loaded.fleet, name));
  const results: EnvironmentResult[] = [];
  for (const env of rendered) results.push({ rendered: env, drift: await findDrift(root, env) });

  if (values.check) {
    reportCheck(results, format);
    return results.some((r) => r.drift.length > 0) ? EXIT.gateFailed : EXIT.ok;
  }
  for (const result of results) {
    if (result.drift.length > 0) await writeEnvironment(root, result.rendered);
  }
  reportWrite(results, format);
  return EXIT.ok;
}

function selectEnvironments(fleet: Fleet, requested: string[] | undefined): string[] {
  const known = [...fleet.environments.keys()];
  if (!requested || requested.length === 0) return known;
  refuseUnknownEnvironments(known, requested);
  return [...new Set(requested)].sort();
}

function reportCheck(results: readonly EnvironmentResult[], format: ReportFormat): void {
  const drift = results.flatMap((r) => r.drift);
  if (format === 'json') {
    const environments = results.map((r) => ({ name: r.rendered.name, objects: r.rendered.objectCount, drift: r.drift }));
    process.stdout.write(`${JSON.stringify({ ok: drift.length === 0, environments }, null, 2)}\n`);
    return;
  }
  for (const entry of drift) {
    if (format === 'github') {
      process.stdout.write(
        `${githubAnnotation({ level: 'error', file: entry.file, title: 'rendered manifests out of date', message: `${entry.file} is ${describeDrift(entry)}; run \`npm run render\` and commit the result` })}\n`,
      );
    }
    process.stdout.write(`${entry.status.padEnd(7)} ${entry.file}\n`);
  }
  for (const r of results) {
    const state = r.drift.length === 0 ? 'up to date' : `${r.drift.length} file(s) out of date`;
    process.stdout.write(`${r.rendered.name}: ${state} (${r.rendered.objectCount} objects)\n`);
  }
  if (drift.length > 0)
    process.stdout.write('\nThe committed manifests differ from the inputs; run `npm run render` and commit the result.\n');
}

function describeDrift(entry: DriftEntry): string {
  if (entry.status === 'changed') return 'different from what the inputs render';
  if (entry.status === 'missing') return 'rendered from the inputs but not committed';
  return 'committed but no longer rendered from the inputs';
}

function reportWrite(results: readonly EnvironmentResult[], format: ReportFormat): void {
  if (format === 'json') {
    const environments = results.map((r) => ({
      name: r.rendered.name,
      objects: r.rendered.objectCount,
      files: r.rendered.files.size,
      written: r.drift.length > 0,
      changes: r.drift,
    }));
    process.stdout.write(`${JSON.stringify({ ok: true, environments }, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    const counts = (status: string) => r.drift.filter((d) => d.status === status).length;
    const summary =
      r.drift.length === 0 ? 'unchanged' : `${counts('missing')} added, ${counts('changed')} changed, ${counts('extra')} removed`;
    process.stdout.write(`${r.rendered.name}: ${r.rendered.objectCount} objects, ${summary}\n`);
  }
}

await runCli(USAGE, main);
