import { load } from 'js-yaml';
import type { Git } from './git.js';

/** The version of a model in an environment's cluster.yaml at one commit of the base branch. */
export interface VersionRecord {
  readonly commit: string;
  /** When the commit landed on the base branch (committer date of the first-parent commit). */
  readonly time: Date;
  readonly version: string | undefined;
  /** A multi-node model's canary in progress at that commit (models.<model>.canary). */
  readonly canary?: { readonly version: string; readonly weight: number } | undefined;
}

/**
 * The model's version in `file` at every commit of the base branch that changed the file,
 * oldest first. First-parent history: a merged PR counts from its merge commit, i.e. from when
 * the version reached the branch the cluster tracks, not from when it was written.
 */
export async function versionHistory(git: Git, ref: string, file: string, model: string): Promise<VersionRecord[]> {
  const log = await git.run(['log', '--first-parent', '--format=%H %cI', ref, '--', file]);
  const records: VersionRecord[] = [];
  for (const line of log
    .split('\n')
    .filter((l) => l !== '')
    .reverse()) {
    const [commit, time] = line.split(' ') as [string, string];
    records.push({ commit, time: new Date(time), ...entryIn(await git.show(commit, file), model) });
  }
  return records;
}

function entryIn(text: string | undefined, model: string): Pick<VersionRecord, 'version' | 'canary'> {
  if (text === undefined) return { version: undefined };
  try {
    const entry = (
      load(text) as { models?: Record<string, { version?: unknown; canary?: { version?: unknown; weight?: unknown } }> } | null
    )?.models?.[model];
    const version = typeof entry?.version === 'string' ? entry.version : undefined;
    const canary = entry?.canary;
    return typeof canary?.version === 'string' && typeof canary.weight === 'number'
      ? { version, canary: { version: canary.version, weight: canary.weight } }
      : { version };
  } catch {
    return { version: undefined }; // a commit with broken YAML never ran anywhere
  }
}

/** A continuous stretch of history during which the model had one version. */
export interface VersionRun {
  readonly version: string;
  /** The commit that set the version at the start of the stretch. */
  readonly since: VersionRecord;
  /** When another version replaced it; undefined while it is still current. */
  readonly until: Date | undefined;
}

/** The most recent stretch in which the model ran `version`, or undefined if it never did. */
export function lastRun(history: readonly VersionRecord[], version: string): VersionRun | undefined {
  let run: VersionRun | undefined;
  let current: VersionRecord | undefined;
  for (const record of history) {
    if (record.version === version && current?.version !== version) run = { version, since: record, until: undefined };
    if (record.version !== version && current?.version === version && run) run = { ...run, until: record.time };
    current = record;
  }
  return run;
}

/** How long a run has lasted by `now` (or lasted, if it ended). */
export function runDuration(run: VersionRun, now: Date): number {
  return (run.until ?? now).getTime() - run.since.time.getTime();
}

/** "3h 05m" */
export function formatDuration(milliseconds: number): string {
  const minutes = Math.max(0, Math.floor(milliseconds / 60_000));
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
}
