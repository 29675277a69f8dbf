import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A schema document, or the knowledge that this location has none for the resource. */
export type SchemaText = { readonly found: true; readonly text: string } | { readonly found: false };

const HTTP_TIMEOUT_MS = 30_000;

export function isRemote(location: string): boolean {
  return /^https?:\/\//.test(location);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads a schema from a local path or an http(s) URL. "Not found" (a missing file, HTTP 404)
 * lets the caller try the next location; any other failure is an error, because a registry
 * that is down must not silently downgrade validation. Remote schemas are cached on disk under
 * `cacheDir`, so repeated runs (and CI with a restored cache) work offline.
 */
export async function readSchema(location: string, cacheDir: string | undefined): Promise<SchemaText> {
  if (!isRemote(location)) return readLocal(location.startsWith('file://') ? fileURLToPath(location) : location);

  const cached = cacheDir === undefined ? undefined : path.join(cacheDir, 'http', `${sha256(location)}.json`);
  if (cached) {
    const hit = await readLocal(cached);
    if (hit.found) return hit;
  }
  let response: Response;
  try {
    response = await fetch(location, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (error) {
    throw new Error(`could not download schema ${location}: ${(error as Error).message}`, { cause: error });
  }
  if (response.status === 404) return { found: false };
  if (!response.ok) throw new Error(`could not download schema ${location}: HTTP ${response.status}`);
  const text = await response.text();
  if (cached) await writeAtomically(cached, text);
  return { found: true, text };
}

async function readLocal(file: string): Promise<SchemaText> {
  try {
    return { found: true, text: await readFile(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { found: false };
    throw error;
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}
