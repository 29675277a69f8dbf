import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { byCodeUnit } from '../../../platform/core/compare.js';

/**
 * Gate outcomes the workflow's jobs record (one JSON file per job, from the steps' outcomes:
 * success, failure, cancelled or skipped) for the report job to read.
 */
const gateFileSchema = z.strictObject({
  /** An environment name, or "repository" for gates over the whole repository (tests). */
  scope: z.string().min(1),
  /** GitHub's step outcomes; anything else (a step that never ran leaves it empty) shows as is. */
  results: z.array(z.strictObject({ name: z.string().min(1), outcome: z.string() })),
});

export type GateFile = z.infer<typeof gateFileSchema>;

/**
 * Every *.json gate file under `dir` (recursively: one artifact folder per job). A folder that
 * does not exist holds no results (no job got as far as recording them).
 */
export async function readGateFiles(dir: string): Promise<GateFile[]> {
  const files: GateFile[] = [];
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) return files;
  const walk = async (current: string): Promise<void> => {
    for (const entry of (await readdir(current, { withFileTypes: true })).sort((a, b) => byCodeUnit(a.name, b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.json')) {
        const parsed = gateFileSchema.safeParse(JSON.parse(await readFile(full, 'utf8')));
        if (!parsed.success) throw new Error(`${full}: not a gate result file: ${parsed.error.issues[0]?.message}`);
        files.push(parsed.data);
      }
    }
  };
  await walk(dir);
  return files;
}
