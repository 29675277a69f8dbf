import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gateway } from '../apps/gateway/gateway-chart.js';
import { modelServer } from '../apps/model-server/model-server-chart.js';
import { PLATFORM_COMPONENTS, PLATFORM_STAGES } from '../platform/components.js';
import type { ComponentDeclaration } from '../platform/core/component.js';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { FLEET_ROOT, REPO_ROOT } from './helpers/fixture-repo.js';

/*
 * The source explains itself as the render does: dependencies point one way (scripts -> apps ->
 * platform), no folder depends on itself through others, platform/ has a folder per rendered
 * component (and a few shared ones), and each component's declared kinds are what it renders.
 */

/** Folders of platform/ that hold shared helpers, not a rendered component. */
const SHARED_PLATFORM_FOLDERS = ['core', 'gitops', 'identity', 'network', 'schemas', 'spec'];

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(REPO_ROOT, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)));
}

/** Every relative import of the product code, as repository-relative file paths. */
async function importEdges(): Promise<Array<{ from: string; to: string }>> {
  const edges: Array<{ from: string; to: string }> = [];
  for (const file of (await Promise.all(['apps', 'platform', 'scripts'].map(sourceFiles))).flat()) {
    const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = (match[1] ?? match[2])!;
      edges.push({ from: file, to: path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, '.ts') });
    }
  }
  return edges;
}

/** The folder a file belongs to for the dependency rules: apps/<x>, platform/<x>, scripts/lib/<x> or scripts. */
function unit(file: string): string {
  const parts = file.split(path.sep);
  if (parts[0] === 'scripts') return parts[1] === 'lib' && parts.length > 3 ? parts.slice(0, 3).join('/') : 'scripts';
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0]!;
}

const LAYER_RANK: Record<string, number> = { platform: 0, apps: 1, scripts: 2 };

/** Cycles in a directed graph (Tarjan's strongly connected components with more than one node). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

describe('dependencies', () => {
  test('point one way: scripts -> apps -> platform, never back', async () => {
    const back = (await importEdges())
      .filter(({ from, to }) => (LAYER_RANK[from.split(path.sep)[0]!] ?? 9) < (LAYER_RANK[to.split(path.sep)[0]!] ?? 9))
      .map(({ from, to }) => `${from} imports ${to}`);
    expect(back).toEqual([]);
  });

  test('no folder depends on itself through others, and no file does', async () => {
    const edges = await importEdges();
    const graphOf = (key: (file: string) => string) => {
      const graph = new Map<string, Set<string>>();
      for (const { from, to } of edges) {
        const [a, b] = [key(from), key(to)];
        if (a !== b) graph.set(a, (graph.get(a) ?? new Set()).add(b));
      }
      return graph;
    };
    expect(cycles(graphOf(unit))).toEqual([]);
    expect(cycles(graphOf((f) => f))).toEqual([]);
  });

  test('the checks catch what they claim to', () => {
    const graph = new Map([
      ['platform/a', new Set(['platform/b'])],
      ['platform/b', new Set(['platform/c'])],
      ['platform/c', new Set(['platform/a'])],
      ['apps/x', new Set(['platform/a'])],
    ]);
    expect(cycles(graph)).toEqual([['platform/a', 'platform/b', 'platform/c']]);
    expect(unit(path.join('scripts', 'lib', 'render', 'synthesize.ts'))).toBe('scripts/lib/render');
    expect(unit(path.join('platform', 'components.ts'))).toBe('platform');
  });
});

const loaded = await loadFleet(FLEET_ROOT);
if (!loaded.ok) throw new Error('the sample fleet does not load');
const fleet = loaded.fleet;
const rendered = [...fleet.environments.keys()].map((env) => renderEnvironment(fleet, env));

/** Prod as rendered with the features the sample fleet leaves off (a CloudWatch trigger), so their kinds count too. */
function withOptionalFeatures(): ReturnType<typeof renderEnvironment> {
  const prod = fleet.environments.get('prod')!;
  const model = 'llama-3-1-8b-instruct';
  const cloudwatch = {
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: 'batch-jobs' },
    target: 50,
    statistic: 'Average' as const,
  };
  const models = { ...prod.spec.models, [model]: { ...prod.spec.models[model]!, autoscaling: { cloudwatch } } };
  const environments = new Map(fleet.environments).set('prod', { ...prod, spec: { ...prod.spec, models } });
  return renderEnvironment({ ...fleet, environments }, 'prod');
}

describe('platform/ mirrors the render', () => {
  test('one folder per rendered platform component, named as its manifests folder, plus the shared helpers', async () => {
    const folders = (await readdir(path.join(REPO_ROOT, 'platform'), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const components = new Set(
      rendered.flatMap((r) =>
        [...r.files.keys()].filter((f) => f.startsWith('manifests/platform/') && f.split('/').length === 4).map((f) => f.split('/')[2]!),
      ),
    );
    expect(folders.filter((f) => !SHARED_PLATFORM_FOLDERS.includes(f)).sort()).toEqual([...components].sort());
    expect(PLATFORM_COMPONENTS.map((c) => c.name).sort()).toEqual([...components].sort());
  });

  test('every platform component is in the sync order exactly once', () => {
    const names = PLATFORM_STAGES.flat().map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

/**
 * The GitOps engine's own kinds exist before anything syncs: they are nobody's need. Argo CD's
 * by kind: Argo Rollouts shares its API group and arrives with a platform component.
 */
const GITOPS_GROUPS = ['helm.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io'];
const ARGO_CD_KINDS = ['argoproj.io/Application', 'argoproj.io/AppProject', 'argoproj.io/ApplicationSet'];
/** API groups the API server serves itself. */
const BUILT_IN_GROUPS = [
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
];

/** Custom kinds a component's rendered objects use, by component folder, over every environment and optional feature. */
function renderedCustomKinds(layer: 'platform' | 'apps'): Map<string, Set<string>> {
  const kinds = new Map<string, Set<string>>();
  for (const r of [...rendered, withOptionalFeatures()]) {
    for (const [file, text] of r.files) {
      const parts = file.split('/');
      if (parts[0] !== 'manifests' || parts[1] !== layer || parts.length !== 4 || parts[3] === 'kustomization.yaml') continue;
      const apiVersion = /^apiVersion: (\S+)$/m.exec(text)![1]!;
      const kind = /^kind: (\S+)$/m.exec(text)![1]!;
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
      if (BUILT_IN_GROUPS.includes(group) || GITOPS_GROUPS.includes(group) || ARGO_CD_KINDS.includes(`${group}/${kind}`)) continue;
      const component = layer === 'apps' && parts[2]!.startsWith('llm-') ? modelServer.name : parts[2]!;
      kinds.set(component, (kinds.get(component) ?? new Set()).add(`${group}/${kind}`));
    }
  }
  return kinds;
}

const declared = (c: ComponentDeclaration) => c.needs.map((k) => `${k.group}/${k.kind}`).sort();

describe('component declarations', () => {
  test('each component needs exactly the custom kinds its objects use across the sample fleet', () => {
    const platform = renderedCustomKinds('platform');
    for (const component of PLATFORM_COMPONENTS)
      expect(declared(component), component.name).toEqual([...(platform.get(component.name) ?? [])].sort());
    const apps = renderedCustomKinds('apps');
    for (const component of [modelServer, gateway])
      expect(declared(component), component.name).toEqual([...(apps.get(component.name) ?? [])].sort());
  });
});

describe('the chart API', () => {
  test('every optional prop of a Props interface in apps/ and platform/ documents its @default', async () => {
    const missing: string[] = [];
    for (const file of (await Promise.all(['apps', 'platform'].map(sourceFiles))).flat()) {
      const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
      for (const block of text.matchAll(/export interface \w+Props\b[^{]*\{([\s\S]*?)\n\}/g)) {
        // Each member with the doc comment right above it.
        for (const member of block[1]!.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?readonly (\w+)\?:/g)) {
          if (!member[1]?.includes('@default')) missing.push(`${file}: ${member[2]}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('what git tracks', () => {
  test('no symbolic links and nothing that npm ci or npm run tools makes', async () => {
    const { $ } = await import('zx');
    // Mode 120000 is a symbolic link: a link committed from a local setup replaces a real folder
    // on every checkout (it once took node_modules and .tools with it).
    const entries = (await $({ cwd: REPO_ROOT, quiet: true })`git ls-files --stage`).stdout.trim().split('\n');
    expect(entries.filter((line) => line.startsWith('120000 '))).toEqual([]);
    const paths = entries.map((line) => line.split('\t')[1] ?? '');
    expect(paths.filter((p) => /^(node_modules|\.tools|\.cache|\.build)(\/|$)/.test(p))).toEqual([]);
  });
});

describe('the bundle (scripts/launch.mjs)', () => {
  /** Whether Node loads a package's entry for import() as CommonJS. */
  function isCommonJs(specifier: string): boolean {
    const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
    const require = createRequire(path.join(REPO_ROOT, 'package.json'));
    const pkg = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { type?: string; exports?: unknown };
    const resolved = import.meta.resolve(specifier, pathToFileURL(path.join(REPO_ROOT, 'package.json')).href);
    if (resolved.endsWith('.mjs')) return false;
    if (resolved.endsWith('.cjs')) return true;
    return pkg.type !== 'module';
  }

  test('no source reads a named export from import() of a CommonJS package (in a chunk it has only default)', async () => {
    const wrong: string[] = [];
    for (const file of (await Promise.all(['apps', 'platform', 'scripts'].map(sourceFiles))).flat()) {
      const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
      for (const m of text.matchAll(/(\{[^}]*\}\s*=\s*)?\(?\s*await import\(\s*'([^'.][^']*)'\s*\)\s*\)?(\.default)?/g)) {
        if (isCommonJs(m[2]!) && m[3] === undefined) wrong.push(`${file}: import('${m[2]}') without .default`);
      }
    }
    expect(wrong).toEqual([]);
    // The check sees the case it is for.
    expect(isCommonJs('ajv')).toBe(true);
    expect(isCommonJs('zx')).toBe(false);
  });
});

/** How a test would read the fork's own fleet: the repository root joined with its inputs or manifests. */
const LIVE_FLEET_READ =
  /(?:loadFleet|findDrift|fleetAt|fleetOf|renderFleet)\(REPO_ROOT\b|REPO_ROOT,\s*['"`](?:clusters|apps\/models)\b|cwd:\s*REPO_ROOT\b[^\n]*\b(?:render|validate|check|policy|netpol|sync-test|promote|pr-report)\b/;

describe('the suite tests the toolkit, not the fork', () => {
  test('no test reads the repository clusters/ or apps/models/: they render the fleets under test/fixtures/fleets/', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles('test')) {
      if (file === path.join('test', 'architecture.test.ts')) continue;
      const lines = (await readFile(path.join(REPO_ROOT, file), 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (LIVE_FLEET_READ.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
    for (const bad of ['loadFleet(REPO_ROOT)', "path.join(REPO_ROOT, 'clusters/dev/cluster.yaml')", "path.join(REPO_ROOT, 'apps/models')"])
      expect(LIVE_FLEET_READ.test(bad), bad).toBe(true);
    expect(LIVE_FLEET_READ.test("path.join(REPO_ROOT, 'policies/data')")).toBe(false);
  });

  test('every command reads the fleet of the directory it runs in (or --root), never the toolkit checkout it was bundled from', async () => {
    // A command defaulting to TOOL_ROOT ran the repository's fleet when a test or the trial ran
    // it elsewhere; npm runs scripts at the package root, so for users the two are the same.
    const offenders: string[] = [];
    for (const file of (await readdir(path.join(REPO_ROOT, 'scripts'))).filter((f) => f.endsWith('.ts'))) {
      const text = await readFile(path.join(REPO_ROOT, 'scripts', file), 'utf8');
      if (/root\s*\?\?\s*TOOL_ROOT/.test(text)) offenders.push(`scripts/${file}`);
    }
    expect(offenders).toEqual([]);
  });
});
