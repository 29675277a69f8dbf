import { beforeAll, describe, expect, test } from 'vitest';
import { load } from 'js-yaml';
import path from 'node:path';
import { $ } from 'zx';
import { PLATFORM_STAGES } from '../platform/components.js';
import { kedaAddon } from '../platform/keda/keda.js';
import { AddonChart } from '../platform/core/helm-addon.js';
import { application } from '../platform/core/argocd-objects.js';
import { loadFleet } from '../scripts/lib/config/load-fleet.js';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { renderEnvironment } from '../scripts/lib/render/render-environment.js';
import { writeEnvironment } from '../scripts/lib/render/write-environment.js';
import { App } from 'cdk8s';
import { FLEET_ROOT, makeFixtureRepo, runScript, useEngine, type FixtureRepo } from './helpers/fixture-repo.js';
import { MIRROR_LOCATIONS } from './helpers/schema-mirror.js';

type Json = Record<string, any>;

interface Rendered {
  readonly env: string;
  readonly engine: 'argocd' | 'flux';
  /** Parsed objects by path relative to clusters/<env>/ (kustomization.yaml files included). */
  readonly files: Map<string, Json>;
}

/** The repository's own fleet, loaded once. */
let repoFleet: Fleet;
beforeAll(async () => {
  repoFleet = await fleetOf(FLEET_ROOT);
});

async function fleetOf(root: string): Promise<Fleet> {
  const loaded = await loadFleet(root);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.fleet;
}

function renderAll(fleet: Fleet): Rendered[] {
  return [...fleet.environments.keys()].map((env) => {
    const rendered = renderEnvironment(fleet, env);
    const files = new Map([...rendered.files].map(([file, text]) => [file, load(text) as Json]));
    return { env, engine: fleet.environments.get(env)!.spec.gitops.engine, files };
  });
}

/** Folders of the render that hold objects: manifests/<layer>/<component>. */
function componentFolders(r: Rendered): string[] {
  return [
    ...new Set([...r.files.keys()].filter((f) => /^manifests\/[^/]+\/[^/]+\//.test(f)).map((f) => f.split('/').slice(0, 3).join('/'))),
  ].sort();
}

function objects(r: Rendered, kind: string): Json[] {
  return [...r.files.entries()].filter(([file, o]) => !file.endsWith('kustomization.yaml') && o.kind === kind).map(([, o]) => o);
}

/** A throwaway repository whose every environment uses `engine`. */
async function withEngine(engine: 'argocd' | 'flux'): Promise<{ repo: FixtureRepo; fleet: Fleet }> {
  const repo = await makeFixtureRepo();
  await useEngine(repo, engine);
  return { repo, fleet: await fleetOf(repo.root) };
}

describe('GitOps wiring', () => {
  test('Argo CD: one Application per component folder, each path an existing folder, plus the bootstrap root', async () => {
    for (const r of renderAll(repoFleet)) {
      expect(r.engine).toBe('argocd');
      const applications = objects(r, 'Application').filter((a) => a.spec.source.path !== undefined);
      const folders = componentFolders(r);
      const owners = new Map<string, string[]>();
      for (const app of applications) {
        const prefix = `clusters/${r.env}/`;
        expect(app.spec.source.path.startsWith(prefix), app.metadata.name).toBe(true);
        const folder = app.spec.source.path.slice(prefix.length);
        expect(folder === 'bootstrap' || folders.includes(folder), `${app.metadata.name} -> ${folder}`).toBe(true);
        owners.set(folder, [...(owners.get(folder) ?? []), app.metadata.name]);
      }
      for (const folder of folders) expect(owners.get(folder), `${r.env}: owners of ${folder}`).toHaveLength(1);
      expect(owners.get('bootstrap')).toEqual([`${r.env}-bootstrap`]);
    }
  });

  test('Argo CD Applications sync automatically, prune, self-heal, retry, never create namespaces, and carry the resources finalizer', async () => {
    for (const r of renderAll(repoFleet)) {
      for (const app of objects(r, 'Application')) {
        expect(app.metadata.namespace).toBe('argocd');
        expect(app.spec.project, 'never the default project').toBe(r.env);
        expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
        expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=false');
        expect(app.spec.syncPolicy.retry).toMatchObject({
          limit: expect.any(Number),
          backoff: { duration: expect.any(String), factor: 2, maxDuration: expect.any(String) },
        });
        expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
        expect(app.spec.destination.server).toBe('https://kubernetes.default.svc');
      }
    }
  });

  test('ordering: the project first, platform components (CRDs and controllers) before apps', async () => {
    for (const r of renderAll(repoFleet)) {
      const wave = (o: Json) => Number(o.metadata.annotations['argocd.argoproj.io/sync-wave']);
      const project = objects(r, 'AppProject')[0]!;
      const componentApps = objects(r, 'Application').filter((a) => a.metadata.labels?.['eks-llm-gitops.io/layer']);
      const platform = componentApps.filter((a) => a.metadata.labels['eks-llm-gitops.io/layer'] === 'platform');
      const apps = componentApps.filter((a) => a.metadata.labels['eks-llm-gitops.io/layer'] === 'apps');
      expect(platform.length).toBeGreaterThan(0);
      expect(apps.length).toBeGreaterThan(0);
      expect(Math.max(...platform.map(wave))).toBeLessThan(Math.min(...apps.map(wave)));
      expect(wave(project)).toBeLessThan(Math.min(...platform.map(wave)));
      // Platform Applications sync stage by stage, as platform/components.ts lists them.
      const waveOf = (component: string) => wave(platform.find((a) => a.metadata.name === `${r.env}-platform-${component}`)!);
      const stageWaves = PLATFORM_STAGES.map((stage) => [...new Set(stage.map((c) => waveOf(c.name)))]);
      for (const waves of stageWaves) expect(waves).toHaveLength(1);
      const ordered = stageWaves.map((w) => w[0]!);
      expect(ordered).toEqual([...ordered].sort((x, y) => x - y));
      expect(new Set(ordered).size).toBe(ordered.length);
    }
  });

  test('every environment tracks its protected branch by name; prod never tracks HEAD', async () => {
    const fleet = repoFleet;
    for (const r of renderAll(fleet)) {
      const revision = fleet.environments.get(r.env)!.spec.gitops.revision;
      expect(revision).not.toBe('HEAD');
      for (const app of objects(r, 'Application')) {
        if (app.spec.source.chart) continue; // a Helm chart at its exact version
        expect(app.spec.source.targetRevision, `${r.env} ${app.metadata.name}`).toBe(revision);
      }
    }
    expect(fleet.environments.get('prod')!.spec.gitops.revision).toBe('main');
  });

  test('the AppProject allows exactly the namespaces the environment renders or installs into, and its cluster-scoped kinds', async () => {
    for (const r of renderAll(repoFleet)) {
      const project = objects(r, 'AppProject')[0]!;
      const rendered = new Set<string>(['argocd']); // Applications live there
      for (const [file, o] of r.files) {
        if (file.endsWith('kustomization.yaml')) continue;
        if (o.metadata.namespace) rendered.add(o.metadata.namespace);
        if (o.kind === 'Namespace') rendered.add(o.metadata.name);
        if (o.kind === 'Application' && o.spec.source.chart) rendered.add(o.spec.destination.namespace);
      }
      // Charts that bind into kube-system (aggregated APIs) or live there (Karpenter, LBC, EFS CSI).
      rendered.add('kube-system');
      const destinations = project.spec.destinations.map((d: Json) => d.namespace).sort();
      expect(destinations).toEqual([...rendered].sort());
      expect(project.spec.destinations.every((d: Json) => d.server === 'https://kubernetes.default.svc')).toBe(true);

      const allowed = new Set(project.spec.clusterResourceWhitelist.map((k: Json) => `${k.group}/${k.kind}`));
      for (const [file, o] of r.files) {
        if (file.endsWith('kustomization.yaml') || o.metadata.namespace) continue;
        const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
        expect(allowed.has(`${group}/${o.kind}`), `${o.kind} must be allowed`).toBe(true);
      }
      expect(allowed.has('/*')).toBe(false);
      const chartRepos = objects(r, 'Application')
        .filter((a) => a.spec.source.chart)
        .map((a) => a.spec.source.repoURL);
      expect(project.spec.sourceRepos).toEqual([...new Set(['https://github.com/acme/llm-fleet.git', ...chartRepos])].sort());
    }
  });

  test('switching an environment to Flux renders Flux objects and no Argo CD objects, and back', async ({ onTestFinished }) => {
    const { repo, fleet } = await withEngine('flux');
    onTestFinished(() => repo.dispose());
    for (const r of renderAll(fleet)) {
      const kinds = new Set([...r.files.values()].map((o) => `${o.apiVersion}/${o.kind}`));
      expect([...kinds].filter((k) => k.startsWith('argoproj.io/'))).toEqual([]);
      expect(kinds).toContain('source.toolkit.fluxcd.io/v1/GitRepository');
      expect(kinds).toContain('helm.toolkit.fluxcd.io/v2/HelmRelease');

      const git = objects(r, 'GitRepository')[0]!;
      expect(git.spec.ref).toEqual({ branch: 'main' });
      const units = objects(r, 'Kustomization').filter((k) => k.apiVersion.startsWith('kustomize.toolkit.fluxcd.io'));
      const byName = new Map(units.map((k) => [k.metadata.name as string, k]));
      for (const unit of units) {
        expect(unit.spec).toMatchObject({ prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: r.env } });
        const folder = unit.spec.path.replace(`./clusters/${r.env}/`, '');
        expect(r.files.has(`${folder}/kustomization.yaml`), `${unit.metadata.name} -> ${folder}`).toBe(true);
        for (const dependency of unit.spec.dependsOn ?? [])
          expect(byName.has(dependency.name), `${unit.metadata.name} depends on ${dependency.name}`).toBe(true);
      }
      // One Kustomization per component folder (and per phase sub-folder): nothing is reconciled twice or never.
      const reconciled = units
        .map((k) => k.spec.path.replace(`./clusters/${r.env}/`, ''))
        .filter((f: string) => f.startsWith('manifests/'));
      const folders = [
        ...new Set(
          [...r.files.keys()].filter((f) => /^manifests\/[a-z]+\/.+\/kustomization\.yaml$/.test(f)).map((f) => path.posix.dirname(f)),
        ),
      ];
      expect(reconciled.sort()).toEqual(folders.sort());
      // The platform syncs stage by stage: external-dns only after every component of the stage before it.
      expect(byName.get(`${r.env}-platform-external-dns`)!.spec.dependsOn).toEqual(
        ['argo-rollouts', 'istio', 'keda'].map((c) => ({ name: `${r.env}-platform-${c}` })),
      );
      // Karpenter's NodePools sync in a Kustomization of their own, after the chart that defines their kind.
      expect(byName.get(`${r.env}-platform-karpenter-custom-resources`)!.spec.dependsOn).toEqual([{ name: `${r.env}-platform-karpenter` }]);
      expect([...r.files.keys()].filter((f) => f.startsWith('manifests/platform/karpenter/custom-resources/nodepool-'))).not.toEqual([]);
      // A model server's security group and its namespace come first, then the server.
      const model = units.find((k) => /-apps-llm-.*-prerequisites$/.test(k.metadata.name))!;
      expect(byName.get(model.metadata.name.replace(/-prerequisites$/, ''))!.spec.dependsOn).toContainEqual({ name: model.metadata.name });
    }
    const back = await withEngine('argocd');
    onTestFinished(() => back.repo.dispose());
    for (const r of renderAll(back.fleet)) {
      expect([...r.files.values()].filter((o) => String(o.apiVersion).includes('toolkit.fluxcd.io'))).toEqual([]);
      expect(objects(r, 'AppProject')).toHaveLength(1);
    }
  });

  test('kubectl kustomize builds every component, layer and bootstrap folder (both engines)', async ({ onTestFinished, skip }) => {
    const kubectl = await $({ nothrow: true, quiet: true })`command -v kubectl`;
    if (kubectl.exitCode !== 0) {
      process.stderr.write('note: skipped kubectl kustomize checks: kubectl is not on PATH\n');
      skip();
    }
    const { repo, fleet } = await withEngine('flux');
    onTestFinished(() => repo.dispose());
    for (const env of fleet.environments.keys()) await writeEnvironment(repo.root, renderEnvironment(fleet, env));
    for (const root of [FLEET_ROOT, repo.root]) {
      const folders = (await $({ quiet: true, cwd: root })`find clusters -name kustomization.yaml`).stdout
        .trim()
        .split('\n')
        .map(path.dirname);
      expect(folders.length).toBeGreaterThan(10);
      for (const folder of folders) {
        const built = await $({ nothrow: true, quiet: true, cwd: root })`kubectl kustomize ${folder}`;
        expect(built.exitCode, `${root}/${folder}: ${built.stderr}`).toBe(0);
      }
    }
    // One kubectl per folder, about 300 of them over two engines' renders.
  }, 180_000);
});

describe('both engines render objects that validate', () => {
  for (const engine of ['argocd', 'flux'] as const) {
    test(`${engine}: every rendered file of every environment is valid (strict mirror when configured, else built-in)`, async ({
      onTestFinished,
    }) => {
      const { repo, fleet } = await withEngine(engine);
      onTestFinished(() => repo.dispose());
      for (const env of fleet.environments.keys()) await writeEnvironment(repo.root, renderEnvironment(fleet, env));
      const result = await runScript('validate', ['--format', 'json'], repo.root, { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS });
      const report = JSON.parse(result.stdout) as { resources: unknown[]; summary: { valid: number; invalid: number; errors: number } };
      expect(report.resources).toEqual([]);
      expect(result.code).toBe(0);
      expect(report.summary.valid).toBeGreaterThan(50);
    });
  }
});

describe('the Helm add-on abstraction', () => {
  test('refuses a chart version range and a non-https repository', () => {
    const env = repoFleet.environments.get('dev')!.spec;
    const keda = kedaAddon(env);
    const gitops = { engine: 'argocd' as const, project: 'dev' };
    expect(
      () => new AddonChart(new App(), 'keda', { gitops, addons: [{ ...keda, chart: { ...keda.chart, version: '^2.21.0' } }] }),
    ).toThrow('is not an exact version');
    expect(
      () =>
        new AddonChart(new App(), 'keda', {
          gitops,
          addons: [{ ...keda, chart: { ...keda.chart, repository: 'http://kedacore.github.io/charts' } }],
        }),
    ).toThrow('must be an https:// or oci:// URL');
  });

  test('renders KEDA for Argo CD as an Application with a pinned Helm source and inline values', () => {
    const r = renderAll(repoFleet)[0]!;
    const keda = r.files.get('manifests/platform/keda/application-keda.yaml')!;
    expect(keda.spec.source).toMatchObject({
      repoURL: 'https://kedacore.github.io/charts',
      chart: 'keda',
      targetRevision: '2.21.0',
      helm: { releaseName: 'keda' },
    });
    expect(keda.spec.source.helm.valuesObject.securityContext.operator).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // KEDA's CRDs are too large for client-side apply.
    expect(keda.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(r.files.get('manifests/platform/keda/namespace-keda.yaml')!.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
  });

  test('an OCI chart (Karpenter) gets an Argo CD repository entry marked OCI, without credentials; Flux uses an OCI HelmRepository', async ({
    onTestFinished,
  }) => {
    for (const r of renderAll(repoFleet)) {
      const karpenter = r.files.get('manifests/platform/karpenter/application-karpenter.yaml')!;
      expect(karpenter.spec.source.repoURL).toBe('public.ecr.aws/karpenter');
      const secret = r.files.get('bootstrap/root/secret-helm-oci-public-ecr-aws-karpenter.yaml')!;
      expect(secret.metadata.labels['argocd.argoproj.io/secret-type']).toBe('repository');
      expect(Object.keys(secret.stringData).sort()).toEqual(['enableOCI', 'name', 'type', 'url']);
      expect(secret.stringData).toMatchObject({ enableOCI: 'true', type: 'helm', url: 'public.ecr.aws/karpenter' });
    }
    const { repo, fleet } = await withEngine('flux');
    onTestFinished(() => repo.dispose());
    const flux = renderAll(fleet)[0]!;
    expect(flux.files.get('manifests/platform/karpenter/helmrepository-karpenter-charts.yaml')!.spec).toMatchObject({
      type: 'oci',
      url: 'oci://public.ecr.aws/karpenter',
    });
    expect([...flux.files.keys()].filter((f) => (f.split('/').pop() ?? '').startsWith('secret-'))).toEqual([]);
  });

  test('typed Argo CD objects are validated against the CRD schema before they are rendered', () => {
    expect(() =>
      application({
        name: 'x',
        project: 'dev',
        source: { repoURL: 'https://example.com/r.git', targetRevision: 7 as unknown as string, path: 'p' },
        syncWave: 0,
        serverSideApply: false,
      }),
    ).toThrow(/targetRevision/);
  });
});
