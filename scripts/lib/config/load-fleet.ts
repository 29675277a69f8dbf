import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { parseInputYaml, isProblem } from './parse-input.js';
import { clusterSchema, type ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import { modelSchema, type ModelSpec } from '../../../apps/models/model-spec.js';
import { sortProblems, type ConfigProblem } from './problem.js';
import { zodProblems } from './zod-problems.js';
import { crossCheckFleet } from './cross-checks.js';
import { crossCheckEnvironments } from './cross-environment.js';
import { findPlaceholders } from './placeholders.js';
import type { Fleet, Located } from './fleet.js';

/** Where the inputs live, relative to the repository root. */
export const CLUSTERS_DIR = 'clusters';
export const MODELS_DIR = 'apps/models';
export const CLUSTER_FILE = 'cluster.yaml';

/** A loaded fleet carries warnings: things allowed but worth a look (shared network inputs). */
export type LoadResult = { ok: true; fleet: Fleet; warnings: ConfigProblem[] } | { ok: false; problems: ConfigProblem[] };

/**
 * Loads `clusters/<env>/cluster.yaml` and `apps/models/*.yaml` under `root` and reports every
 * problem at once: syntax, schema and cross-file checks.
 */
export async function loadFleet(root: string): Promise<LoadResult> {
  const problems: ConfigProblem[] = [];

  // Names of inputs that exist but failed their own checks: other files may still refer to them,
  // and saying "unknown model" about a model whose file has a typo would send people astray.
  const unchecked = { models: new Set<string>(), environments: new Set<string>() };

  const models = new Map<string, Located<ModelSpec>>();
  for (const file of await listYamlFiles(root, MODELS_DIR, problems)) {
    const stem = path.posix.basename(file).replace(/\.ya?ml$/, '');
    const loaded = await loadFile(root, file, modelSchema, problems);
    if (!loaded) {
      unchecked.models.add(stem);
      continue;
    }
    if (loaded.spec.name !== stem) {
      problems.push({
        file,
        line: loaded.lineOf(['name']),
        path: ['name'],
        message: `expected the file name "${stem}", found "${loaded.spec.name}" (one file per model, named after it)`,
      });
      unchecked.models.add(stem);
      continue;
    }
    const earlier = models.get(loaded.spec.name);
    if (earlier) {
      problems.push({
        file,
        line: loaded.lineOf(['name']),
        path: ['name'],
        message: `duplicate model name "${loaded.spec.name}", already defined in ${earlier.file}`,
      });
      continue;
    }
    models.set(loaded.spec.name, loaded);
  }

  const environments = new Map<string, Located<ClusterSpec>>();
  for (const dir of await listEnvironmentDirs(root, problems)) {
    const file = `${CLUSTERS_DIR}/${dir}/${CLUSTER_FILE}`;
    const text = await readText(root, file);
    if (text === undefined) {
      problems.push({
        file,
        path: [],
        message: `missing: every folder under ${CLUSTERS_DIR}/ is an environment and needs a ${CLUSTER_FILE}`,
      });
      unchecked.environments.add(dir);
      continue;
    }
    const loaded = checkText(text, file, clusterSchema, problems);
    if (!loaded) {
      unchecked.environments.add(dir);
      continue;
    }
    if (loaded.spec.name !== dir) {
      problems.push({
        file,
        line: loaded.lineOf(['name']),
        path: ['name'],
        message: `expected "${dir}", the name of the folder this file is in, found "${loaded.spec.name}"`,
      });
      unchecked.environments.add(dir);
      continue;
    }
    environments.set(dir, loaded);
  }

  problems.push(...crossCheckFleet({ models, environments }, unchecked));
  const { errors, warnings } = crossCheckEnvironments({ models, environments });
  problems.push(...errors);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, fleet: { models, environments }, warnings: sortProblems(warnings) };
}

async function loadFile<T>(root: string, file: string, schema: z.ZodType<T>, problems: ConfigProblem[]): Promise<Located<T> | undefined> {
  const text = await readText(root, file);
  if (text === undefined) {
    problems.push({ file, path: [], message: 'could not be read' });
    return undefined;
  }
  return checkText(text, file, schema, problems);
}

function checkText<T>(text: string, file: string, schema: z.ZodType<T>, problems: ConfigProblem[]): Located<T> | undefined {
  const parsed = parseInputYaml(text, file);
  if (isProblem(parsed)) {
    problems.push(parsed);
    return undefined;
  }
  const unfilled = findPlaceholders(parsed.value);
  if (unfilled.length > 0) {
    for (const { path, what } of unfilled)
      problems.push({
        file,
        line: parsed.lineOf(path),
        path,
        message: `not filled in: expected ${what}, found the placeholder new:env or new:model left`,
      });
    return undefined;
  }
  const result = schema.safeParse(parsed.value, { reportInput: true });
  if (!result.success) {
    problems.push(...zodProblems(result.error, schema, file, parsed.lineOf));
    return undefined;
  }
  return { spec: result.data, file, lineOf: parsed.lineOf };
}

async function readText(root: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(root, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function listYamlFiles(root: string, dir: string, problems: ConfigProblem[]): Promise<string[]> {
  const entries = await readDirectory(root, dir);
  if (!entries) {
    problems.push({ file: `${dir}/`, path: [], message: 'missing: the model catalogue folder must exist (one YAML file per model)' });
    return [];
  }
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => `${dir}/${e.name}`)
    .sort();
}

async function listEnvironmentDirs(root: string, problems: ConfigProblem[]): Promise<string[]> {
  const entries = await readDirectory(root, CLUSTERS_DIR);
  const dirs = (entries ?? [])
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (dirs.length === 0) {
    problems.push({ file: `${CLUSTERS_DIR}/`, path: [], message: `expected at least one environment folder with a ${CLUSTER_FILE}` });
  }
  return dirs;
}

async function readDirectory(root: string, dir: string) {
  try {
    return await readdir(path.join(root, dir), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
