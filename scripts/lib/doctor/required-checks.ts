import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';

/** Where GitHub reads a repository's workflows. */
export const WORKFLOWS_DIR = '.github/workflows';

/**
 * A gate is a job that runs one of the toolkit's checks (npm run check, npm test, the type check,
 * lint, validate, policy, sync-test, netpol): its failure is what must block a merge. Jobs that
 * list environments or post the report are not gates (the report job runs even when gates fail).
 */
const GATE_COMMAND = /\bnpm\s+(?:test|t|run\s+(?:check|validate|policy|policy:test|sync-test|netpol|lint|typecheck|test))(?![\w:-])/;

/** Events whose workflows report status checks on a pull request. */
const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target', 'merge_group'];

export interface RequiredChecks {
  /** The check names, as GitHub shows them on a pull request: the gate jobs' names. */
  readonly names: readonly string[];
  /** The workflow files they come from, repository-relative. */
  readonly files: readonly string[];
  /** The branches those workflows guard (their pull_request branches filter), when they name any. */
  readonly branches: readonly string[];
  /** Workflow files that do not parse, with why. */
  readonly problems: readonly string[];
}

type Json = Record<string, unknown>;

/**
 * The status checks to make required on the default branch: every gate job of every workflow
 * under `root`'s .github/workflows/ that runs on pull requests, one name per matrix combination.
 * A matrix computed at run time (fromJSON of another job's output) is expanded over
 * `environments`, the fleet's environments, which is what the merge gate's matrix lists.
 */
export async function requiredChecks(root: string, environments: readonly string[]): Promise<RequiredChecks> {
  const dir = path.join(root, WORKFLOWS_DIR);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const names: string[] = [];
  const files: string[] = [];
  const problems: string[] = [];
  const branches: string[] = [];
  for (const entry of entries.filter((e) => /\.ya?ml$/.test(e)).sort()) {
    const file = `${WORKFLOWS_DIR}/${entry}`;
    let doc: Json;
    try {
      doc = (load(await readFile(path.join(dir, entry), 'utf8')) ?? {}) as Json;
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!triggers(doc).some((t) => PULL_REQUEST_EVENTS.includes(t))) continue;
    const before = names.length;
    for (const [id, job] of Object.entries((doc.jobs ?? {}) as Record<string, Json>)) {
      if (isGate(job)) names.push(...checkNames(id, job, environments));
    }
    if (names.length > before) {
      files.push(file);
      branches.push(...guardedBranches(doc));
    }
  }
  return { names: [...new Set(names)], files, branches: [...new Set(branches)], problems };
}

function triggers(doc: Json): string[] {
  // YAML 1.1 readers turn a bare `on` key into true; js-yaml keeps it a string.
  const on = doc.on ?? doc.true;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === 'object' ? Object.keys(on) : [];
}

function guardedBranches(doc: Json): string[] {
  const on = (doc.on ?? doc.true) as Json | undefined;
  const filter = on && typeof on === 'object' && !Array.isArray(on) ? ((on.pull_request ?? {}) as Json).branches : undefined;
  return Array.isArray(filter) ? filter.map(String) : [];
}

function isGate(job: Json): boolean {
  const steps = Array.isArray(job.steps) ? (job.steps as Json[]) : [];
  return steps.some((step) => typeof step.run === 'string' && GATE_COMMAND.test(step.run));
}

const MATRIX_REFERENCE = /\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g;

/**
 * The names GitHub gives a job's check runs: its name (or id) with matrix values filled in, or,
 * when the name does not mention the matrix, followed by the values in parentheses.
 */
function checkNames(id: string, job: Json, environments: readonly string[]): string[] {
  const template = typeof job.name === 'string' ? job.name : id;
  const matrix = (job.strategy as Json | undefined)?.matrix;
  // A whole matrix computed at run time: its axes are the ones the name mentions.
  const entries =
    typeof matrix === 'string'
      ? [...new Set([...template.matchAll(MATRIX_REFERENCE)].map((m) => m[1]!))].map((key) => [key, matrix] as const)
      : Object.entries((matrix ?? {}) as Json);
  const axes = entries
    .filter(([key]) => key !== 'include' && key !== 'exclude')
    .map(([key, values]) => [key, Array.isArray(values) ? values.map(String) : [...environments]] as const);
  let combinations: Array<Record<string, string>> = [{}];
  for (const [key, values] of axes) combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  if (axes.length === 0) return [template];
  return combinations.map((values) =>
    /\$\{\{\s*matrix\./.test(template)
      ? template.replace(MATRIX_REFERENCE, (whole, key: string) => values[key] ?? whole)
      : `${template} (${Object.values(values).join(', ')})`,
  );
}
