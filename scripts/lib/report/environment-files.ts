import { $ } from 'zx';
import { CLUSTERS_DIR } from '../config/load-fleet.js';
import { environmentFiles, VALIDATED_DIRS } from '../validate/collect-inputs.js';

/** An environment's rendered files (paths relative to clusters/<env>/) in the working tree. */
export async function workingTreeFiles(root: string, env: string): Promise<Map<string, string>> {
  const prefix = `${CLUSTERS_DIR}/${env}/`;
  const files = new Map<string, string>();
  for (const input of await environmentFiles(root, env)) files.set(input.file.slice(prefix.length), input.text);
  return files;
}

/**
 * An environment's rendered files at a git revision, read with one `git cat-file --batch`
 * (hundreds of files per environment; one process, not one per file). Empty when the
 * environment did not exist then.
 */
export async function revisionFiles(root: string, revision: string, env: string): Promise<Map<string, string>> {
  const prefix = `${CLUSTERS_DIR}/${env}/`;
  const listed = await $({
    cwd: root,
    quiet: true,
    nothrow: true,
  })`git ls-tree -r ${revision} -- ${VALIDATED_DIRS.map((d) => `${prefix}${d}`)}`;
  if (listed.exitCode !== 0) throw new Error(`git ls-tree ${revision}: ${listed.stderr.trim()}`);
  const blobs: Array<{ sha: string; file: string }> = [];
  for (const line of listed.stdout.split('\n')) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.+)$/.exec(line);
    if (match && /\.ya?ml$/.test(match[2]!)) blobs.push({ sha: match[1]!, file: match[2]!.slice(prefix.length) });
  }
  const files = new Map<string, string>();
  if (blobs.length === 0) return files;
  const batch = await $({ cwd: root, quiet: true, input: `${blobs.map((b) => b.sha).join('\n')}\n` })`git cat-file --batch`;
  const out = Buffer.from(batch.stdout, 'utf8');
  let offset = 0;
  for (const blob of blobs) {
    const headerEnd = out.indexOf(0x0a, offset);
    const size = Number(out.subarray(offset, headerEnd).toString('utf8').split(' ')[2]);
    files.set(blob.file, out.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8'));
    offset = headerEnd + 1 + size + 1;
  }
  return files;
}
