/**
 * npm run policy:test: the policy pack's own checks: its Rego unit tests (conftest verify), OPA's
 * strict compile (unused imports, arguments and variables; shadowed names) and OPA's formatting.
 */
import path from 'node:path';
import { $ } from 'zx';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { POLICIES_DIR, POLICY_DATA_DIR } from './lib/policy/catalogue.js';
import { runConftest } from './lib/policy/conftest.js';
import { announceEngine, missingEngineMessage } from './lib/tools/locate-engine.js';

const USAGE = `Usage: npm run policy:test -- [--root DIR]

Checks the policy pack in ${POLICIES_DIR}/:
  1. conftest verify: every *_test.rego, with the data in ${POLICY_DATA_DIR}/
  2. opa check --strict: the pack compiles with no unused import, argument or variable
  3. opa fmt --list: every file is formatted as opa fmt writes it (fix: opa fmt -w ${POLICIES_DIR})
conftest and opa come from .tools/bin/ (npm run tools), else $CONFTEST / $OPA, else PATH.
Exit 0 when all pass, 1 when a test or check fails, 2 when an engine is missing or a policy does
not compile.
`;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), { root: { type: 'string' } });
  const root = path.resolve(values.root ?? process.cwd());
  const conftest = await announceEngine('conftest');
  const opa = await announceEngine('opa');
  if (!conftest || !opa) {
    for (const [name, found] of [
      ['conftest', conftest],
      ['opa', opa],
    ] as const) {
      if (!found) process.stderr.write(`policy tests NOT run: ${await missingEngineMessage(name)}\n`);
    }
    return EXIT.badInput;
  }

  const verify = await runConftest(conftest.binary, ['verify', '--policy', POLICIES_DIR, '--data', POLICY_DATA_DIR, '--no-color'], root);
  process.stdout.write(verify.stdout);
  process.stderr.write(verify.stderr);
  // verify exits 1 for failed tests; a compile error also exits non-zero, with no test summary.
  if (verify.exitCode !== 0 && !/\d+ tests?, \d+ passed/.test(verify.stdout)) return EXIT.badInput;
  let worst: number = verify.exitCode === 0 ? EXIT.ok : EXIT.gateFailed;

  const check = await $({ cwd: root, nothrow: true, quiet: true })`${opa.binary} check --strict ${POLICIES_DIR}`;
  if (check.exitCode === 0) process.stdout.write('opa check --strict: ok\n');
  else {
    process.stdout.write(`opa check --strict: failed\n${check.stderr}${check.stdout}`);
    worst = EXIT.gateFailed;
  }

  const format = await $({ cwd: root, nothrow: true, quiet: true })`${opa.binary} fmt --list ${POLICIES_DIR}`;
  const unformatted = format.stdout.split('\n').filter(Boolean);
  if (format.exitCode !== 0) {
    process.stdout.write(`opa fmt: failed\n${format.stderr}`);
    worst = EXIT.gateFailed;
  } else if (unformatted.length > 0) {
    process.stdout.write(`opa fmt: not formatted (run opa fmt -w ${POLICIES_DIR}):\n${unformatted.map((f) => `  ${f}\n`).join('')}`);
    worst = EXIT.gateFailed;
  } else process.stdout.write('opa fmt: ok\n');
  return worst;
}

await runCli(USAGE, main);
