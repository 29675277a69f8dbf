import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FILE_OPERATIONS_IN_FLIGHT, mapConcurrent } from '../process/map-concurrent.js';

/**
 * Every file under `dir`, by path relative to `base` with forward slashes. Missing `dir` is an
 * empty tree (an environment rendered for the first time).
 */
export async function readTree(base: string, dir: string): Promise<Map<string, string>> {
  const paths: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(base, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else paths.push(child);
    }
  };
  await walk(dir);
  // The map keeps the walk's order.
  const texts = await mapConcurrent(paths, (file) => readFile(path.join(base, file), 'utf8'), FILE_OPERATIONS_IN_FLIGHT);
  return new Map(paths.map((file, i) => [file, texts[i]!]));
}
