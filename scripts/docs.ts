/**
 * npm run docs: writes policies/README.md from the rules' METADATA, and rewrites the generated
 * blocks of every README (facts that come from the code, such as the sync order).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { GeneratedBlockError, refreshBlocks } from './lib/docs/generated-blocks.js';
import { packFacts, syncOrderTable } from './lib/docs/generators.js';
import { CatalogueError, loadCatalogue, POLICIES_DIR } from './lib/policy/catalogue.js';
import { policyDocs } from './lib/policy/docs.js';

const USAGE = `Usage: npm run docs -- [--check] [--root DIR]

Writes ${POLICIES_DIR}/README.md (the rules, their data, how to add a rule or an exception) from
the rules' METADATA, and the generated blocks of every README.md (the sync order, the counts the
root README states) from the code. --check writes nothing and exits 1 when a file is stale.
`;

/** Every README.md of the repository but the rendered and installed trees. */
async function readmes(root: string): Promise<string[]> {
  const skip = new Set(['node_modules', '.git', '.tools', '.cache', 'manifests', 'bootstrap']);
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
      const child = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory() && !skip.has(entry.name)) await walk(child);
      else if (entry.isFile() && entry.name === 'README.md') found.push(child);
    }
  };
  await walk('');
  return found.sort();
}

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), { check: { type: 'boolean' }, root: { type: 'string' } });
  const root = path.resolve(values.root ?? process.cwd());
  const wanted = new Map<string, string>();
  try {
    const rules = await loadCatalogue(root);
    const policiesReadme = `${POLICIES_DIR}/README.md`;
    wanted.set(policiesReadme, policyDocs(rules));
    const generators = { 'sync-order': syncOrderTable, facts: () => packFacts(rules) };
    for (const file of await readmes(root)) {
      if (file === policiesReadme) continue;
      wanted.set(file, refreshBlocks(await readFile(path.join(root, file), 'utf8'), file, generators));
    }
  } catch (error) {
    if (error instanceof CatalogueError || error instanceof GeneratedBlockError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
  let stale = 0;
  for (const [file, text] of wanted) {
    const current = await readFile(path.join(root, file), 'utf8').catch(() => '');
    if (current === text) continue;
    stale += 1;
    if (values.check) process.stderr.write(`${file} is stale; run npm run docs\n`);
    else {
      await writeFile(path.join(root, file), text);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  if (!values.check && stale === 0) process.stdout.write('every README is current\n');
  return values.check && stale > 0 ? EXIT.gateFailed : EXIT.ok;
}

await runCli(USAGE, main);
