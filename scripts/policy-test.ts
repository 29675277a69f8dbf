/** npm run policy:test: the Rego unit tests of the policy pack (conftest verify). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { POLICIES_DIR, POLICY_DATA_DIR } from './lib/policy/catalogue.js';
import { CONFTEST_INSTALL_HINT, findConftest, runConftest } from './lib/policy/conftest.js';

const USAGE = `Usage: npm run policy:test -- [--root DIR]

Runs conftest verify over ${POLICIES_DIR}/ (every *_test.rego) with the data in ${POLICY_DATA_DIR}/.
Exit 0 when every test passes, 1 when one fails, 2 when conftest is missing or a policy does not
compile.
`;

const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), { root: { type: 'string' } });
  const root = path.resolve(values.root ?? TOOL_ROOT);
  const conftest = await findConftest();
  if (!conftest) {
    process.stderr.write(`policy tests NOT run: conftest not found; ${CONFTEST_INSTALL_HINT}\n`);
    return EXIT.badInput;
  }
  const run = await runConftest(conftest, ['verify', '--policy', POLICIES_DIR, '--data', POLICY_DATA_DIR, '--no-color'], root);
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  // verify exits 1 for failed tests; a compile error also exits non-zero, with no test summary.
  if (run.exitCode === 0) return EXIT.ok;
  return /\d+ tests?, \d+ passed/.test(run.stdout) ? EXIT.gateFailed : EXIT.badInput;
}

await runCli(USAGE, main);
