import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a new input file whole or not at all: into a scratch file beside it, then one rename
 * (`wx` on the scratch name: two scaffolds racing do not interleave). Refuses to replace a file.
 */
export async function writeNewFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const scratch = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(scratch, text, { flag: 'wx' });
  try {
    await rename(scratch, file);
  } catch (error) {
    await rm(scratch, { force: true });
    throw error;
  }
}
