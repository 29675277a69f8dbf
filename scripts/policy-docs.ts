/** npm run policy:docs: writes policies/README.md from the rules' METADATA. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { CatalogueError, loadCatalogue, POLICIES_DIR } from './lib/policy/catalogue.js';
import { policyDocs } from './lib/policy/docs.js';

const USAGE = `Usage: npm run policy:docs -- [--check] [--root DIR]

Writes ${POLICIES_DIR}/README.md (the table of rules, their data and how to add a rule or an
exception) from the METADATA blocks of the rules. --check writes nothing and exits 1 when the file
is stale.
`;

const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), { check: { type: 'boolean' }, root: { type: 'string' } });
  const root = path.resolve(values.root ?? TOOL_ROOT);
  let text: string;
  try {
    text = policyDocs(await loadCatalogue(root));
  } catch (error) {
    if (error instanceof CatalogueError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
  const file = path.join(root, POLICIES_DIR, 'README.md');
  const current = await readFile(file, 'utf8').catch(() => '');
  if (values.check) {
    if (current === text) return EXIT.ok;
    process.stderr.write(`${POLICIES_DIR}/README.md is stale; run npm run policy:docs\n`);
    return EXIT.gateFailed;
  }
  if (current !== text) await writeFile(file, text);
  process.stdout.write(`${current === text ? 'unchanged' : 'wrote'} ${POLICIES_DIR}/README.md\n`);
  return EXIT.ok;
}

await runCli(USAGE, main);
