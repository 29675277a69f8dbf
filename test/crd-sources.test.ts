import { describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load, loadAll } from 'js-yaml';
import { PLATFORM_COMPONENTS } from '../platform/components.js';
import { loadCrdLock, lockedModules, missingKinds, type ChartCrds } from '../scripts/lib/crds/crd-sources.js';
import { cachedCrdFile, isCached } from '../scripts/lib/crds/fetch-crds.js';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { crdJsonSchemas } from '../scripts/lib/schemas/crd-json-schema.js';
import { enginesRequired } from '../scripts/lib/tools/locate-engine.js';
import { VENDORED_SCHEMAS_DIR } from '../scripts/lib/validate/vendored-schemas.js';
import { FLEET_ROOT, REPO_ROOT } from './helpers/fixture-repo.js';

/*
 * platform/crd-sources.yaml says where every CRD comes from. It must move with the charts, cover
 * what the components declare they install, and be what the vendored schemas are made from.
 */

const lock = await loadCrdLock(REPO_ROOT);
const loaded = await loadFleet(FLEET_ROOT);
if (!loaded.ok) throw new Error('the sample fleet does not load');

/** The fleet with a model that needs EFA, so that every chart a component can install renders. */
function withEfa(fleet: Fleet): Fleet {
  const models = new Map([...fleet.models].map(([name, m]) => [name, { ...m, spec: { ...m.spec, gpu: { ...m.spec.gpu, efa: true } } }]));
  return { ...fleet, models };
}

/** Every Helm chart (name, version) the fleet renders, with either engine. */
function renderedCharts(fleet: Fleet): Map<string, string> {
  const charts = new Map<string, string>();
  for (const [name, env] of fleet.environments) {
    for (const engine of ['argocd', 'flux'] as const) {
      const variant: Fleet = {
        ...fleet,
        environments: new Map([...fleet.environments, [name, { ...env, spec: { ...env.spec, gitops: { ...env.spec.gitops, engine } } }]]),
      };
      for (const text of renderEnvironment(variant, name).files.values()) {
        const doc = load(text) as {
          kind?: string;
          spec?: { source?: { chart?: string; targetRevision?: string }; chart?: { spec?: { chart?: string; version?: string } } };
        };
        const chart = doc.kind === 'Application' ? doc.spec?.source : undefined;
        if (chart?.chart) charts.set(chart.chart, chart.targetRevision!);
        const release = doc.kind === 'HelmRelease' ? doc.spec?.chart?.spec : undefined;
        if (release?.chart) charts.set(release.chart, release.version!);
      }
    }
  }
  return charts;
}

const charts = renderedCharts(withEfa(loaded.fleet));
const fetched = (await Promise.all(lockedModules(lock).map(isCached))).every(Boolean);
if (!fetched && enginesRequired()) throw new Error('CI=true and the locked CRDs are not fetched: run npm run tools');
const cacheSkip = fetched ? '' : 'the locked CRDs are not fetched (npm run tools)';

/** The kinds ("group/Kind") a lock entry's CRD files define. */
async function kindsOf(entry: ChartCrds): Promise<string[]> {
  if (!('module' in entry)) return [];
  const kinds: string[] = [];
  for (const file of entry.files) {
    for (const doc of loadAll(await readFile(cachedCrdFile(entry.module, entry.moduleVersion, file.path), 'utf8')) as Array<{
      spec?: { group: string; names: { kind: string } };
    }>) {
      if (doc?.spec) kinds.push(`${doc.spec.group}/${doc.spec.names.kind}`);
    }
  }
  return kinds;
}

describe('platform/crd-sources.yaml', () => {
  test('has an entry for every chart the fleet renders, at its exact version, and none for a chart nothing installs', () => {
    const locked = new Map(lock.charts.map((e) => [e.chart, e.version]));
    expect(Object.fromEntries([...charts].sort())).toEqual(Object.fromEntries([...locked].sort()));
  });

  test.skipIf(!fetched)(
    `covers every custom kind the components declare they install, from the chart's module or as a kind it names${cacheSkip ? ` — skipped: ${cacheSkip}` : ''}`,
    async () => {
      const covered = new Set<string>();
      for (const entry of lock.charts) for (const kind of [...(await kindsOf(entry)), ...missingKinds(entry)]) covered.add(kind);
      // kro's instances: the CRD comes from the graph, not from a chart.
      const fromGraphs = new Set(['kro.run/PodSecurityGroup']);
      const declared = PLATFORM_COMPONENTS.flatMap((c) => c.installs.map((k) => `${k.group}/${k.kind}`)).filter((k) => !fromGraphs.has(k));
      const uncovered = declared.filter((k) => !covered.has(k));
      // Kinds a chart installs that nothing renders need no source (KEDA's ScaledJob, for one).
      const rendered = new Set(PLATFORM_COMPONENTS.flatMap((c) => c.needs.map((k) => `${k.group}/${k.kind}`)));
      expect(uncovered.filter((k) => rendered.has(k))).toEqual([]);
    },
  );

  test.skipIf(!fetched)(
    `the vendored schema of every kind a locked CRD defines is that CRD, converted${cacheSkip ? ` — skipped: ${cacheSkip}` : ''}`,
    async () => {
      const stale: string[] = [];
      let compared = 0;
      for (const source of lockedModules(lock)) {
        for (const file of source.files) {
          for (const doc of loadAll(await readFile(cachedCrdFile(source.module, source.version, file.path), 'utf8'))) {
            for (const schema of crdJsonSchemas(doc, file.path)) {
              const vendored = path.join(
                REPO_ROOT,
                VENDORED_SCHEMAS_DIR,
                schema.group,
                `${schema.kind.toLowerCase()}_${schema.version}.json`,
              );
              const text = await readFile(vendored, 'utf8').catch(() => undefined);
              if (text === undefined) continue; // a kind nothing renders
              compared += 1;
              if (JSON.stringify(JSON.parse(text)) !== JSON.stringify(schema.schema))
                stale.push(`${path.relative(REPO_ROOT, vendored)} is not ${source.module}@${source.version} ${file.path}`);
            }
          }
        }
      }
      expect(stale, 'run npm run schemas:vendor').toEqual([]);
      expect(compared).toBeGreaterThanOrEqual(12);
    },
  );
});
