/**
 * npm run tools: builds the engines the gates wrap (conftest, opa, kubeconform, actionlint) from
 * their pinned Go modules in tools/<name>/ into .tools/bin/. Idempotent: a binary built from the
 * same go.mod, go.sum, Go version and flags is kept.
 */
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { BuildError, buildEngine, engineStatus } from './lib/tools/build-engines.js';
import { ENGINES } from './lib/tools/engines.js';
import { readGoMod } from './lib/tools/go-module.js';
import { CRD_SOURCES_FILE, loadCrdLock, lockedModules } from './lib/crds/crd-sources.js';
import { CrdFetchError, fetchModuleCrds, isCached } from './lib/crds/fetch-crds.js';
import {
  describeEngine,
  engineModuleDir,
  findOnPath,
  locateEngine,
  TOOL_ROOT,
  toolsBinDir,
  TOOLS_BIN_VARIABLE,
  type LocatedEngine,
} from './lib/tools/locate-engine.js';
import type { EngineName } from './lib/tools/engines.js';

/** The name that selects the locked CRDs, beside the engines' names. */
const CRDS = 'crds';

const NAME_WIDTH = Math.max(...ENGINES.map((e) => e.name.length)) + 1;

const USAGE = `Usage: npm run tools -- [NAME ...] [--check] [--force]

Builds the gate engines from source at the versions pinned in tools/<name>/go.mod (and go.sum)
into .tools/bin/ ($${TOOLS_BIN_VARIABLE} moves it), and fetches the CRDs ${CRD_SOURCES_FILE} locks
into .tools/crds/ through the Go module proxy. Every command that runs an engine looks in
.tools/bin/ first, then in the engine's variable, then on PATH.

${ENGINES.map((e) => `  ${e.name.padEnd(NAME_WIDTH)} ${e.purpose}`).join('\n')}
  ${CRDS.padEnd(NAME_WIDTH)} the locked CRDs (npm run sync-test, schemas:vendor)

  NAME      build or fetch only these (default: all)
  --check   build nothing; exit 1 when a binary is missing or not built from the pinned module
  --force   rebuild even when current

Needs Go ($GO, else go on PATH), at least the version in the modules' go lines. Exit 0 when
every tool is current, 1 when a build failed (or --check found one stale), 2 without Go or on
usage errors.
`;

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), { check: { type: 'boolean' }, force: { type: 'boolean' } }, true);
  const names: string[] = positionals;
  const known = [...ENGINES.map((e) => e.name), CRDS];
  for (const name of names) if (!known.includes(name)) throw new UsageError(`unknown tool "${name}"; expected one of: ${known.join(', ')}`);
  const engines = names.length === 0 ? ENGINES : ENGINES.filter((e) => names.includes(e.name));
  const crds = names.length === 0 || names.includes(CRDS) ? lockedModules(await loadCrdLock(TOOL_ROOT)) : [];
  const bin = toolsBinDir();

  const go = process.env.GO || (await findOnPath('go'));
  if (!go) {
    process.stderr.write(await noGoMessage(engines.map((e) => e.name as EngineName)));
    return EXIT.badInput;
  }

  if (values.check) {
    let stale = 0;
    for (const { engine, version, current } of await engineStatus(go, bin, engines)) {
      process.stdout.write(`${engine.name} ${version}: ${current ? 'current' : 'NOT built from the pinned module (run npm run tools)'}\n`);
      if (!current) stale += 1;
    }
    for (const source of crds) {
      const current = await isCached(source);
      process.stdout.write(`crds ${source.module}@${source.version}: ${current ? 'current' : 'NOT fetched (run npm run tools)'}\n`);
      if (!current) stale += 1;
    }
    return stale === 0 ? EXIT.ok : EXIT.gateFailed;
  }

  let failed = 0;
  for (const engine of engines) {
    try {
      const result = await buildEngine(go, bin, engine, values.force ?? false);
      const where = path.relative(process.cwd(), result.binary) || result.binary;
      process.stdout.write(
        `${engine.name} ${result.version} ${result.built ? `built in ${result.seconds.toFixed(1)} s` : 'current'} (${where})\n`,
      );
    } catch (error) {
      if (!(error instanceof BuildError)) throw error;
      process.stderr.write(`error: ${error.message}\n`);
      failed += 1;
    }
  }
  for (const source of crds) {
    try {
      const fetched = await fetchModuleCrds(go, source);
      process.stdout.write(
        `crds ${source.module}@${source.version} ${fetched ? 'fetched' : 'current'} (${source.files.length} file${source.files.length === 1 ? '' : 's'})\n`,
      );
    } catch (error) {
      if (!(error instanceof CrdFetchError)) throw error;
      process.stderr.write(`error: ${error.message}\n`);
      failed += 1;
    }
  }
  return failed === 0 ? EXIT.ok : EXIT.gateFailed;
}

/** Without Go: what to install, and which engines the gates will use anyway. */
async function noGoMessage(names: EngineName[]): Promise<string> {
  const goLines = await Promise.all(ENGINES.map(async (e) => (await readGoMod(engineModuleDir(e))).goVersion));
  const newest = goLines.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1);
  const found = (await Promise.all(names.map((name) => locateEngine(name)))).filter((l): l is LocatedEngine => l !== undefined);
  const lines = [
    `error: Go not found ($GO, or go on PATH): install Go ${newest} or newer (https://go.dev/doc/install, or your package manager) and rerun npm run tools.`,
    found.length > 0
      ? 'Until then the gates use the engines they find:'
      : 'No engine is installed either: the policy and kubeconform gates will report that they did not run.',
    ...found.map((l) => `  ${describeEngine(l)}`),
  ];
  return `${lines.join('\n')}\n`;
}

await runCli(USAGE, main);
