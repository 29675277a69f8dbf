/**
 * npm run policy: the conftest policy pack (policies/) over the rendered environments, their
 * cluster.yaml files and their promotions, merged into one report.
 */
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { loadSelectedFleet } from './lib/config/select-environments.js';
import { reportProblems } from './lib/config/report-problems.js';
import { CatalogueError, loadCatalogue } from './lib/policy/catalogue.js';
import { CONFTEST_MISSING } from './lib/policy/conftest.js';
import { loadExceptions } from './lib/policy/exceptions.js';
import { PolicyLoadError, runPolicyGate } from './lib/policy/gate.js';
import { formatPolicyReport, POLICY_FORMATS, reportFailed, type PolicyFormat } from './lib/policy/report.js';
import { announceEngine, missingEngineMessage } from './lib/tools/locate-engine.js';
import { pullRequestBase } from './lib/cli/base-revision.js';

const USAGE = `Usage: npm run policy -- [--env NAME ...] [--format text|json|github|junit] [--base REV] [--root DIR]

Runs the conftest policy pack in policies/ over each environment: every rendered document (the
object rules), all of them together (--combine, the cross-object rules), its cluster.yaml (the
config rules), and its promotion from the source environment (the promotion rules). Findings that a reviewed exception in
policies/data/exceptions.yaml covers are reported as excepted; an expired exception, or one
that matches nothing, fails the gate.

  --env NAME     check only this environment (repeatable; default: all)
  --format F     text (default), json, github (annotations + text) or junit
  --base REV     git revision whose model versions count as deployed (default:
                 origin/$GITHUB_BASE_REF in a pull request, else HEAD)
  --root DIR     repository root (default: the current directory)

conftest comes from .tools/bin/ (npm run tools), else $CONFTEST, else PATH. Exit 0 when every
rule passes, 1 on any failure or exception problem, 2 when conftest is missing, a policy does not
load, or the inputs are bad.
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    env: { type: 'string', multiple: true },
    format: { type: 'string' },
    base: { type: 'string' },
    root: { type: 'string' },
  });
  const format = (values.format ?? 'text') as PolicyFormat;
  if (!POLICY_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${POLICY_FORMATS.join(', ')}, found "${values.format}"`);
  const root = path.resolve(values.root ?? process.cwd());

  let rules;
  try {
    rules = await loadCatalogue(root);
  } catch (error) {
    if (error instanceof CatalogueError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
  const loaded = await loadSelectedFleet(root, values.env, format === 'junit' ? 'text' : format);
  if (!loaded) return EXIT.badInput;
  const { fleet, environments } = loaded;
  const known = [...fleet.environments.keys()];

  const today = new Date();
  const { exceptions, problems } = await loadExceptions(root, {
    policyIds: new Set(rules.map((r) => r.id)),
    environments: new Set(known),
    today,
  });
  if (problems.length > 0) {
    reportProblems(problems, format === 'junit' ? 'text' : format);
    return EXIT.badInput;
  }

  const conftest = await announceEngine('conftest');
  if (!conftest) {
    process.stderr.write(`${CONFTEST_MISSING}: ${await missingEngineMessage('conftest')}\n`);
    return EXIT.badInput;
  }

  const baseRevision = values.base ?? pullRequestBase() ?? 'HEAD';
  try {
    const report = await runPolicyGate({
      root,
      conftest: conftest.binary,
      fleet: fleet,
      environments,
      rules,
      exceptions,
      baseRevision,
      today,
      onPass: (env, pass, files) => {
        if (format === 'text' || format === 'github')
          process.stderr.write(`conftest: ${env} ${pass} (${files} file${files === 1 ? '' : 's'})\n`);
      },
    });
    process.stdout.write(formatPolicyReport(report, format));
    return reportFailed(report) ? EXIT.gateFailed : EXIT.ok;
  } catch (error) {
    if (error instanceof PolicyLoadError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}

await runCli(USAGE, main);
