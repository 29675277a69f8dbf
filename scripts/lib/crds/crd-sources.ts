import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';

/** The reviewed lock of where every CRD comes from (see the file's own header). */
export const CRD_SOURCES_FILE = 'platform/crd-sources.yaml';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a sha256 in hex' });
const moduleVersion = z.string().regex(/^v\d+\.\d+\.\d+$/, { error: 'expected a module release such as v1.2.3' });
const groupKind = z.string().regex(/^[a-z0-9.-]+\/[A-Z][A-Za-z0-9]*$/, { error: 'expected group/Kind, such as karpenter.sh/NodePool' });

const moduleSource = {
  module: z.string().min(1),
  sum: z.string().regex(/^h1:[A-Za-z0-9+/]+=*$/, { error: 'expected the module h1: sum' }),
  files: z.array(z.strictObject({ path: z.string().min(1), sha256 })).min(1),
};

const missing = z.strictObject({ reason: z.string().min(1), kinds: z.array(groupKind).min(1) });

const chartEntry = z.union([
  z.strictObject({ chart: z.string().min(1), version: z.string().min(1), crds: z.literal('none') }),
  z.strictObject({ chart: z.string().min(1), version: z.string().min(1), crds: z.literal('unused'), reason: z.string().min(1) }),
  z.strictObject({ chart: z.string().min(1), version: z.string().min(1), ...moduleSource, moduleVersion, missing: missing.optional() }),
  z.strictObject({ chart: z.string().min(1), version: z.string().min(1), missing }),
]);

const lockSchema = z.strictObject({
  gitops: z.array(z.strictObject({ engine: z.enum(['argocd', 'flux']), release: moduleVersion, ...moduleSource, version: moduleVersion })),
  cluster: z.array(z.strictObject({ provider: z.literal('eks'), ...moduleSource, version: moduleVersion })),
  charts: z.array(chartEntry),
  /**
   * CRDs a platform component renders itself from a file committed beside it (a project that
   * publishes its CRDs as release manifests, in no chart): the module and file that file must
   * equal, byte for byte.
   */
  manifests: z.array(z.strictObject({ component: z.string().min(1), ...moduleSource, version: moduleVersion })).default([]),
});

export type CrdLock = z.infer<typeof lockSchema>;
export type ChartCrds = CrdLock['charts'][number];

/** A module at a version and the CRD files to take from it. */
export interface ModuleFiles {
  readonly module: string;
  readonly version: string;
  readonly sum: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly sha256: string }>;
}

export class CrdLockError extends Error {}

export async function loadCrdLock(root: string): Promise<CrdLock> {
  const text = await readFile(path.join(root, CRD_SOURCES_FILE), 'utf8');
  const parsed = lockSchema.safeParse(load(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CrdLockError(`${CRD_SOURCES_FILE}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const entry of parsed.data.charts) {
    if (seen.has(entry.chart)) throw new CrdLockError(`${CRD_SOURCES_FILE}: chart ${entry.chart} is listed twice`);
    seen.add(entry.chart);
  }
  return parsed.data;
}

/** Every module the lock takes CRD files from, once each. */
export function lockedModules(lock: CrdLock): ModuleFiles[] {
  const modules: ModuleFiles[] = [
    ...lock.gitops.map((e) => ({ module: e.module, version: e.version, sum: e.sum, files: e.files })),
    ...lock.cluster.map((e) => ({ module: e.module, version: e.version, sum: e.sum, files: e.files })),
    ...lock.charts.flatMap((e) => ('module' in e ? [{ module: e.module, version: e.moduleVersion, sum: e.sum, files: e.files }] : [])),
    ...lock.manifests.map((e) => ({ module: e.module, version: e.version, sum: e.sum, files: e.files })),
  ];
  return modules;
}

/** The kinds of a chart whose CRDs no module here carries (they come from the catalogue schemas). */
export function missingKinds(entry: ChartCrds): string[] {
  return 'missing' in entry && entry.missing ? entry.missing.kinds : [];
}
