import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { mapConcurrent } from '../process/map-concurrent.js';

/** The cache fill's marker file at the top of a version's folder: not part of the weights. */
const MARKER = '.complete';

/**
 * The digest of a model version's weights, as the cache fill computes it on the cluster
 * (apps/model-server/cache-fill.ts): each file's sha256 in `sha256sum`'s format
 * (`<hex>  <relative path>`), one line per file sorted bytewise by path, then the sha256 of that
 * manifest. `sha256:<hex>`.
 */
export async function weightsDigest(dir: string): Promise<{ digest: string; files: number; bytes: number }> {
  const files = (await listFiles(dir, '')).filter((f) => f !== MARKER).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (files.length === 0) throw new Error(`${dir}: no files: expected the downloaded weights of one version`);
  const hashed = await mapConcurrent(files, async (file) => ({ file, ...(await fileSha256(path.join(dir, file))) }), 4);
  const manifest = hashed.map(({ file, hex }) => `${hex}  ${file}\n`).join('');
  const bytes = hashed.reduce((sum, h) => sum + h.bytes, 0);
  return { digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`, files: files.length, bytes };
}

async function listFiles(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path.join(dir, relative))).isDirectory());
    if (isDir) out.push(...(await listFiles(dir, relative)));
    else out.push(relative);
  }
  return out;
}

/** A file's sha256 and size, from one read. */
function fileSha256(file: string): Promise<{ hex: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    createReadStream(file)
      .on('data', (chunk) => {
        hash.update(chunk);
        bytes += chunk.length;
      })
      .on('error', reject)
      .on('end', () => resolve({ hex: hash.digest('hex'), bytes }));
  });
}
