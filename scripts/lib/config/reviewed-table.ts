import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { isProblem, parseInputYaml } from './parse-input.js';
import { formatProblem, type ConfigProblem } from './problem.js';
import { zodProblems } from './zod-problems.js';

/*
 * The toolkit's reviewed data tables (the PR report's prices, the planner's throughput): YAML a
 * person reviews, checked by a zod schema, every problem located by file, line and field.
 */

export type TableResult<T> = { ok: true; table: T } | { ok: false; problems: ConfigProblem[] };

/** Checks the text of a table; `file` names it in the problems. */
export function parseReviewedTable<S extends z.ZodType>(text: string, file: string, schema: S): TableResult<z.infer<S>> {
  const parsed = parseInputYaml(text, file);
  if (isProblem(parsed)) return { ok: false, problems: [parsed] };
  const result = schema.safeParse(parsed.value, { reportInput: true });
  if (!result.success) return { ok: false, problems: zodProblems(result.error, schema, file, parsed.lineOf) };
  return { ok: true, table: result.data };
}

/**
 * The table `file` of the repository at `root`; a missing file is a located problem saying what
 * it is for (`purpose`, such as "the report prices GPU capacity from this dated table").
 */
export async function readReviewedTable<S extends z.ZodType>(
  root: string,
  file: string,
  schema: S,
  purpose: string,
): Promise<TableResult<z.infer<S>>> {
  let text: string;
  try {
    text = await readFile(path.join(root, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const message = `not found in ${root}: ${purpose} (copy it from the toolkit and review it)`;
    return { ok: false, problems: [{ file, line: 1, path: [], message }] };
  }
  return parseReviewedTable(text, file, schema);
}

/** A table for callers that hold a reviewed one (tests, the toolkit itself); throws on problems. */
export async function loadReviewedTable<T>(read: Promise<TableResult<T>>): Promise<T> {
  const result = await read;
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.table;
}
