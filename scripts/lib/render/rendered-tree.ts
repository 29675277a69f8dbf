import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Every file under `dir`, by path relative to `base` with forward slashes. Missing `dir` is an
 * empty tree (an environment rendered for the first time).
 */
export async function readTree(base: string, dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
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
      else files.set(child, await readFile(path.join(base, child), 'utf8'));
    }
  };
  await walk(dir);
  return files;
}
