/**
 * npm run schemas:vendor: copy the JSON schema of every custom resource kind the fleet renders
 * (with either GitOps engine) or the policy samples use into platform/schemas/crds/, from
 * kubeconform-format locations, so that strict CRD validation works offline in any clone. Core
 * Kubernetes kinds are not vendored: the built-in validators cover them.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, loadAll } from 'js-yaml';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { loadCatalogue } from './lib/policy/catalogue.js';
import { loadFleet } from './lib/config/load-fleet.js';
import type { Fleet } from './lib/config/fleet.js';
import { renderEnvironment } from './lib/render/render-environment.js';
import { isCoreKubernetesKind } from './lib/validate/builtin-schemas.js';
import { LOCATIONS_VARIABLE } from './lib/validate/locations-variable.js';
import { resourceSignature, type ResourceSignature } from './lib/validate/resource-signature.js';
import { expandLocation, parseLocation, parseLocationList } from './lib/validate/schema-location.js';
import { readSchema } from './lib/validate/schema-store.js';
import { VENDORED_SCHEMAS_DIR } from './lib/validate/vendored-schemas.js';
import { byCodeUnit } from '../platform/core/compare.js';
import { crdJsonSchemas, type KindSchema } from './lib/schemas/crd-json-schema.js';
import { kroInstanceSchema } from './lib/schemas/kro-instance-schema.js';
import { CRD_SOURCES_FILE, loadCrdLock, lockedModules } from './lib/crds/crd-sources.js';
import { cachedCrdFile, isCached } from './lib/crds/fetch-crds.js';
import { TOOL_ROOT } from './lib/cli/tool-root.js';

const USAGE = `Usage: npm run schemas:vendor -- [--schema-location TEMPLATE ...] [--crd FILE ...] [--root DIR]

Writes the schema of every custom resource kind the fleet renders (Argo CD and Flux variants)
or the policy samples (policies/<topic>/<rule>/samples) use into
${VENDORED_SCHEMAS_DIR}/<group>/<kind>_<version>.json, and removes schemas no longer used. Each
comes from, in order:
  1. the graph, for the instances of the ResourceGraphDefinitions the fleet renders (kro);
  2. the CRDs ${CRD_SOURCES_FILE} locks (npm run tools fetches them), converted strictly;
  3. schema locations (kubeconform templates: flags, then $${LOCATIONS_VARIABLE}), e.g.
     https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json
     or --crd files (upstream CustomResourceDefinitions);
  4. the schema already vendored, kept when nothing above has the kind (the lock says why).
`;

/**
 * One pass over the fleet rendered with both engines: the custom resource kinds it uses, and the
 * kro ResourceGraphDefinitions among them (each defines a kind of its own).
 */
export async function renderedCustomResources(fleet: Fleet): Promise<{ kinds: ResourceSignature[]; graphs: unknown[] }> {
  const kinds = new Map<string, ResourceSignature>();
  const graphs = new Map<string, unknown>();
  for (const [name, located] of fleet.environments) {
    for (const engine of ['argocd', 'flux'] as const) {
      const spec = { ...located.spec, gitops: { ...located.spec.gitops, engine } };
      const variant: Fleet = { ...fleet, environments: new Map([...fleet.environments, [name, { ...located, spec }]]) };
      for (const text of renderEnvironment(variant, name).files.values()) {
        const document = load(text);
        const signature = resourceSignature(document);
        if (!signature || signature.group === 'kustomize.config.k8s.io') continue;
        kinds.set(`${signature.group}/${signature.version}/${signature.kind}`, signature);
        if (signature.apiVersion === 'kro.run/v1alpha1' && signature.kind === 'ResourceGraphDefinition')
          graphs.set(signature.name, document);
      }
    }
  }
  const custom: ResourceSignature[] = [];
  for (const signature of kinds.values()) if (!(await isCoreKubernetesKind(signature))) custom.push(signature);
  return { kinds: custom.sort((a, b) => byCodeUnit(`${a.group}/${a.kind}`, `${b.group}/${b.kind}`)), graphs: [...graphs.values()] };
}

/** Custom resource kinds rendered by the fleet with both engines. */
export async function renderedCustomKinds(fleet: Fleet): Promise<ResourceSignature[]> {
  return (await renderedCustomResources(fleet)).kinds;
}

/** Custom resource kinds the policy samples use (they must validate offline too). */
export async function sampleCustomKinds(root: string): Promise<ResourceSignature[]> {
  const kinds = new Map<string, ResourceSignature>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.yaml')) {
        for (const document of loadAll(await readFile(full, 'utf8'))) {
          const signature = resourceSignature(document);
          if (signature && !(await isCoreKubernetesKind(signature)))
            kinds.set(`${signature.group}/${signature.version}/${signature.kind}`, signature);
        }
      }
    }
  };
  for (const rule of await loadCatalogue(root)) await walk(path.join(root, rule.samplesDir));
  return [...kinds.values()].sort((a, b) => byCodeUnit(`${a.group}/${a.kind}`, `${b.group}/${b.kind}`));
}

export function vendoredFile(root: string, signature: Pick<ResourceSignature, 'group' | 'kind' | 'version'>): string {
  return path.join(root, VENDORED_SCHEMAS_DIR, signature.group, `${signature.kind.toLowerCase()}_${signature.version}.json`);
}

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    'schema-location': { type: 'string', multiple: true },
    crd: { type: 'string', multiple: true },
    root: { type: 'string' },
  });
  const root = path.resolve(values.root ?? process.cwd());
  const locations = [...(values['schema-location'] ?? []).map(parseLocation), ...parseLocationList(process.env[LOCATIONS_VARIABLE])];
  const loaded = await loadFleet(root);
  if (!loaded.ok) throw new UsageError('the inputs do not load; run npm run render for the problems');

  const wanted = new Set<string>();
  const signatures = new Map<string, ResourceSignature>();
  const rendered = await renderedCustomResources(loaded.fleet);
  for (const signature of [...rendered.kinds, ...(await sampleCustomKinds(root))]) {
    signatures.set(`${signature.group}/${signature.version}/${signature.kind}`, signature);
  }
  const local = new Map<string, KindSchema>();
  const remember = (schema: KindSchema) => local.set(`${schema.group}/${schema.version}/${schema.kind}`, schema);
  for (const file of values.crd ?? []) {
    for (const document of loadAll(await readFile(path.resolve(file), 'utf8'))) crdJsonSchemas(document, file).forEach(remember);
  }
  // The CRDs of the exact controller releases we run.
  const locked = new Map<string, KindSchema>();
  for (const source of lockedModules(await loadCrdLock(TOOL_ROOT))) {
    if (!(await isCached(source)))
      throw new UsageError(`the CRDs of ${source.module}@${source.version} are not fetched: run npm run tools`);
    for (const file of source.files) {
      const cached = cachedCrdFile(source.module, source.version, file.path);
      for (const document of loadAll(await readFile(cached, 'utf8'))) {
        for (const schema of crdJsonSchemas(document, `${source.module}@${source.version}/${file.path}`))
          locked.set(`${schema.group}/${schema.version}/${schema.kind}`, schema);
      }
    }
  }
  // Generated schemas win: a graph's instances are whatever the graph rendered here says.
  const generated = new Set<string>();
  for (const graph of rendered.graphs) {
    const schema = kroInstanceSchema(graph);
    remember(schema);
    generated.add(`${schema.group}/${schema.version}/${schema.kind}`);
  }
  for (const signature of signatures.values()) {
    const key = `${signature.group}/${signature.version}/${signature.kind}`;
    let text: string | undefined = generated.has(key)
      ? JSON.stringify(local.get(key)!.schema)
      : locked.has(key)
        ? JSON.stringify(locked.get(key)!.schema)
        : undefined;
    for (const template of text === undefined ? locations : []) {
      const found = await readSchema(expandLocation(template, signature, '1.32.0', true), undefined);
      if (found.found) {
        text = found.text;
        break;
      }
    }
    if (text === undefined && local.has(key)) text = JSON.stringify(local.get(key)!.schema);
    const file = vendoredFile(root, signature);
    if (text === undefined) {
      // Converted once from an upstream CRD (--crd): keep it rather than fail without the file.
      const kept = await readFile(file, 'utf8').catch(() => undefined);
      if (kept === undefined)
        throw new UsageError(
          `neither ${CRD_SOURCES_FILE}, a location nor a --crd file has a schema for ${signature.apiVersion}/${signature.kind}`,
        );
      wanted.add(file);
      process.stdout.write(`kept ${path.relative(root, file)} (no locked CRD, location or --crd file has it)\n`);
      continue;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    wanted.add(file);
    process.stdout.write(`vendored ${path.relative(root, file)}\n`);
  }
  // Drop schemas of kinds the fleet no longer renders.
  const dir = path.join(root, VENDORED_SCHEMAS_DIR);
  for (const group of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(path.join(dir, group)).catch(() => [] as string[])) {
      const file = path.join(dir, group, name);
      if (name.endsWith('.json') && !wanted.has(file)) {
        await rm(file);
        process.stdout.write(`removed ${path.relative(root, file)}\n`);
      }
    }
  }
  return EXIT.ok;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runCli(USAGE, main);
