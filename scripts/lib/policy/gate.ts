import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLUSTERS_DIR } from '../config/load-fleet.js';
import type { Fleet } from '../config/fleet.js';
import { environmentFiles } from '../validate/collect-inputs.js';
import { parseManifestFile } from '../validate/manifest-documents.js';
import { resourceSignature } from '../validate/resource-signature.js';
import type { PolicyRule } from './catalogue.js';
import { runConftest, type ConftestRun } from './conftest.js';
import { EXCEPTIONS_FILE, type PolicyException } from './exceptions.js';
import { ConftestOutputError, parseConftestJson, toFindings, type Locate, type PolicyFinding } from './findings.js';
import { appsDir, baselineVersions, modulePackages, planPasses, policyModules, writeEnvironmentData } from './passes.js';
import { exceptionProblems, type PolicyReport } from './report.js';
import { mapConcurrent } from '../process/map-concurrent.js';

export interface GateOptions {
  readonly root: string;
  readonly conftest: string;
  readonly fleet: Fleet;
  readonly environments: readonly string[];
  readonly rules: readonly PolicyRule[];
  readonly exceptions: readonly PolicyException[];
  /** Git revision whose model versions count as already deployed (PRM-001). */
  readonly baseRevision: string;
  readonly today: Date;
  /** Called before each conftest run, for progress output. */
  readonly onPass?: (env: string, pass: string, files: number) => void;
}

/** conftest could not evaluate the policies (compile error, bad data, crash): not a verdict. */
export class PolicyLoadError extends Error {}

/** Runs every pass over every selected environment and merges the results into one report. */
export async function runPolicyGate(options: GateOptions): Promise<PolicyReport> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'llm-policy-'));
  try {
    // Plan every environment's passes first, then run them concurrently (one conftest per CPU:
    // each evaluates every rule for every file, and the objects pass dominates); the findings
    // are merged in plan order, so the report does not depend on which run finished first.
    const policyFiles = await policyModules(options.root);
    const packages = await modulePackages(options.root, policyFiles);
    const jobs: Array<{ env: string; pass: ReturnType<typeof planPasses>[number]; locate: Locate }> = [];
    for (const env of options.environments) {
      const rendered = (await environmentFiles(options.root, env)).map((f) => f.file);
      const source = options.fleet.environments.get(env)?.spec.promotion?.from;
      const sourceFiles = source
        ? (await environmentFiles(options.root, source)).map((f) => f.file).filter((f) => f.startsWith(`${appsDir(source)}/`))
        : undefined;
      const dataDir = path.join(scratch, env);
      await writeEnvironmentData(dataDir, env, await baselineVersions(options.root, options.baseRevision, env));
      const locate = await locator(options.root, env, rendered);
      const passes = planPasses({
        env,
        rules: options.rules,
        renderedFiles: rendered,
        environmentDataDir: dataDir,
        policyFiles,
        modulePackages: packages,
        ...(sourceFiles ? { promotionSourceFiles: sourceFiles } : {}),
      });
      for (const pass of passes) jobs.push({ env, pass, locate });
    }
    const runs = await mapConcurrent(jobs, ({ env, pass }) => {
      options.onPass?.(env, pass.name, pass.files.length);
      return runConftest(options.conftest, pass.args, options.root);
    });
    const findings: PolicyFinding[] = jobs.flatMap(({ env, pass, locate }, i) =>
      toFindings(resultsOf(runs[i]!, `${env} ${pass.name}`), { env, pass: pass.name, locate }),
    );
    return {
      environments: options.environments,
      rules: options.rules,
      findings,
      exceptionProblems: exceptionProblems(options.exceptions, findings, options.environments, options.today, EXCEPTIONS_FILE),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** conftest exits 0 (pass) or 1 (failures) with a JSON report; anything else is a load error. */
export function resultsOf(run: ConftestRun, what: string) {
  if (run.exitCode !== 0 && run.exitCode !== 1) {
    throw new PolicyLoadError(
      `conftest failed on the ${what} pass (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim() || 'no output'}`,
    );
  }
  try {
    return parseConftestJson(run.stdout);
  } catch (error) {
    if (error instanceof ConftestOutputError) {
      throw new PolicyLoadError(`conftest failed on the ${what} pass: ${run.stderr.trim() || error.message}`);
    }
    throw error;
  }
}

/** Finds the file and line of an object of the environment from its kind, namespace and name. */
async function locator(root: string, env: string, files: readonly string[]): Promise<Locate> {
  const index = new Map<string, { file: string; line: number }>();
  for (const file of files) {
    const parsed = parseManifestFile(file, await readFile(path.join(root, file), 'utf8'));
    for (const document of parsed.documents) {
      const signature = resourceSignature(document.value);
      if (signature) index.set(key(signature.kind, signature.namespace ?? '', signature.name), { file, line: document.line });
    }
  }
  const config = `${CLUSTERS_DIR}/${env}/cluster.yaml`;
  return (filename, kind, namespace, name) => {
    if (kind === 'ClusterConfig') return { file: config };
    const found = index.get(key(kind, namespace, name));
    if (found) return found;
    return { file: filename === 'Combined' ? `${CLUSTERS_DIR}/${env}/` : filename };
  };
}

function key(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}
