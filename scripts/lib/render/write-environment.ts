import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLUSTERS_DIR } from '../config/load-fleet.js';
import { FILE_OPERATIONS_IN_FLIGHT, mapConcurrent } from '../process/map-concurrent.js';
import { RENDERED_DIRS, type RenderedEnvironment } from './render-environment.js';

/** Prefix of the staging folders a render creates inside clusters/<env>/ (git-ignored). */
export const STAGING_PREFIX = '.render-';

/** File writing, replaceable so tests can make a write fail halfway. */
export interface WriteIo {
  writeFile(file: string, text: string): Promise<void>;
}

const nodeIo: WriteIo = { writeFile: (file, text) => writeFile(file, text, 'utf8') };

/**
 * Replaces an environment's rendered folders with `rendered`, atomically per folder: the files
 * are written to a staging folder next to them (same filesystem), and only when every file is
 * written is each folder swapped in with two renames. A failure before the swap leaves the
 * previous files untouched; files the render no longer produces disappear with the old folder.
 */
export async function writeEnvironment(root: string, rendered: RenderedEnvironment, io: WriteIo = nodeIo): Promise<void> {
  const envDir = path.join(root, CLUSTERS_DIR, rendered.name);
  await removeStaleStaging(envDir);
  const staging = await mkdtemp(path.join(envDir, `${STAGING_PREFIX}${process.pid}-`));
  try {
    const files = [...rendered.files];
    const dirs = [...new Set(files.map(([file]) => path.dirname(path.join(staging, file))))].sort();
    for (const dir of dirs) await mkdir(dir, { recursive: true });
    await mapConcurrent(files, ([file, text]) => io.writeFile(path.join(staging, file), text), FILE_OPERATIONS_IN_FLIGHT);
    for (const dir of RENDERED_DIRS) await swapIn(envDir, staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Moves `staging/dir` to `envDir/dir`, parking the previous one in staging (deleted with it). */
async function swapIn(envDir: string, staging: string, dir: string): Promise<void> {
  const current = path.join(envDir, dir);
  const next = path.join(staging, dir);
  const parked = path.join(staging, `previous-${dir}`);
  const hadCurrent = await renameIfExists(current, parked);
  try {
    await mkdir(next, { recursive: true });
    await rename(next, current);
  } catch (error) {
    if (hadCurrent) await rename(parked, current);
    throw error;
  }
}

async function renameIfExists(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Staging folders left by a render that was killed (its process is gone); never part of the
 * output. A concurrent render's folder is left alone.
 */
async function removeStaleStaging(envDir: string): Promise<void> {
  for (const entry of await readdir(envDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(entry.name.slice(STAGING_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && isRunning(pid)) continue;
    await rm(path.join(envDir, entry.name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
