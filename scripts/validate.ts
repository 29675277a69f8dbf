/**
 * npm run validate: strict, offline schema validation of rendered manifests (or any files),
 * kubeconform-compatible in flags and output, with file-absolute line numbers.
 */
import path from 'node:path';
import { text as readStdin } from 'node:stream/consumers';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { parseManifestFile, type ManifestFile } from './lib/validate/manifest-documents.js';
import {
  collectPaths,
  environmentFiles,
  environmentKubernetesVersion,
  environmentOf,
  type InputFile,
} from './lib/validate/collect-inputs.js';
import { runKubeconform } from './lib/validate/kubeconform-engine.js';
import { announceEngine, missingEngineMessage } from './lib/tools/locate-engine.js';
import { formatReport, VALIDATE_FORMATS, type ValidateFormat } from './lib/validate/reports.js';
import { normalizeKubernetesVersion, parseLocation, parseLocationList } from './lib/validate/schema-location.js';
import { ResourceValidator, type ResourceResult } from './lib/validate/validate-resources.js';
import { LOCATIONS_VARIABLE } from './lib/validate/locations-variable.js';
import { CACHE_VARIABLE, validateCacheDir } from './lib/validate/cache-dir.js';
import { withVendoredLocation } from './lib/validate/vendored-schemas.js';
import { CLUSTERS_DIR } from './lib/config/load-fleet.js';
import { environmentFolders, refuseUnknownEnvironments } from './lib/config/select-environments.js';
import { mapConcurrent } from './lib/process/map-concurrent.js';

/** Kubernetes version for files outside any environment, when --kubernetes-version is not given. */
const DEFAULT_KUBERNETES_VERSION = '1.32.0';

const USAGE = `Usage: npm run validate -- [options] [FILE|FOLDER|- ...]

Validates Kubernetes objects against the schemas of their cluster's Kubernetes version and of the
CRDs they use, strictly (an unknown field is an error). Without paths: every environment's
rendered folders (clusters/<env>/manifests and bootstrap).

  --env NAME                   validate this environment's rendered folders (repeatable)
  --format F                   text (default), json, junit, tap or github
  --schema-location TEMPLATE   kubeconform-style location, tried in order (repeatable); then
                               $${LOCATIONS_VARIABLE} (comma-separated), then the CRD schemas
                               vendored in platform/schemas/crds; "default" is kubeconform's
                               public registry
  --kubernetes-version X.Y.Z   override the version (default: the environment's cluster.yaml;
                               ${DEFAULT_KUBERNETES_VERSION} for files outside an environment)
  --skip KIND,...              skip these kinds (or apiVersion/Kind)
  --reject KIND,...            fail on these kinds
  --ignore-missing-schemas     skip objects without a schema instead of failing
  --no-builtin                 do not fall back to the validators shipped in npm packages
  --no-strict                  allow fields the schema does not know
  --ignore-filename-pattern RE skip files whose path matches (repeatable)
  --engine native|kubeconform  validate with this tool or with the kubeconform binary (from
                               .tools/bin, $KUBECONFORM or PATH; npm run tools builds it)
  --cache DIR                  where downloaded schemas and compiled validators are kept
                               (default: $${CACHE_VARIABLE}, else .cache/validate under the
                               repository root; entries are content-addressed, safe to share)
  --summary                    print a summary line
  --verbose                    also list valid and skipped objects
  --root DIR                   repository root (default: the current directory)
  -h, --help                   show this help

Exit codes: 0 all valid, 1 invalid objects or errors, 2 usage.
`;

function list(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

interface Group {
  /** The group's files, read when the group is validated (one group's texts in memory at a time). */
  readonly inputs: () => Promise<InputFile[]>;
  readonly kubernetesVersion: string;
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(
    process.argv.slice(2),
    {
      env: { type: 'string', multiple: true },
      format: { type: 'string' },
      'schema-location': { type: 'string', multiple: true },
      'kubernetes-version': { type: 'string' },
      skip: { type: 'string', multiple: true },
      reject: { type: 'string', multiple: true },
      'ignore-missing-schemas': { type: 'boolean', default: false },
      'no-builtin': { type: 'boolean', default: false },
      'no-strict': { type: 'boolean', default: false },
      'ignore-filename-pattern': { type: 'string', multiple: true },
      engine: { type: 'string' },
      cache: { type: 'string' },
      summary: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      root: { type: 'string' },
    },
    true,
  );
  const format = (values.format ?? 'text') as ValidateFormat;
  if (!VALIDATE_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${VALIDATE_FORMATS.join(', ')}, found "${values.format}"`);
  const engine = values.engine ?? 'native';
  if (engine !== 'native' && engine !== 'kubeconform') throw new UsageError(`--engine must be native or kubeconform, found "${engine}"`);
  const root = path.resolve(values.root ?? process.cwd());
  const versionOverride = values['kubernetes-version'] === undefined ? undefined : normalizeKubernetesVersion(values['kubernetes-version']);
  const ignore = (values['ignore-filename-pattern'] ?? []).map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch {
      throw new UsageError(`--ignore-filename-pattern "${pattern}" is not a valid regular expression`);
    }
  });
  const options = {
    locations: withVendoredLocation([
      ...(values['schema-location'] ?? []).map(parseLocation),
      ...parseLocationList(process.env[LOCATIONS_VARIABLE]),
    ]),
    strict: !values['no-strict'],
    skip: list(values.skip),
    reject: list(values.reject),
    ignoreMissingSchemas: values['ignore-missing-schemas'],
    builtin: !values['no-builtin'],
    cacheDir: validateCacheDir(root, values.cache),
  };

  const groups = await inputGroups(root, values.env, positionals, ignore, versionOverride);
  const results: ResourceResult[] = [];
  if (engine === 'kubeconform') {
    const located = await announceEngine('kubeconform');
    if (!located) throw new UsageError(`--engine kubeconform: ${await missingEngineMessage('kubeconform')}`);
    const binary = located.binary;
    // One kubeconform per group (each group has its Kubernetes version), side by side; the report
    // keeps the groups' order.
    const perGroup = await mapConcurrent(groups, async (group) => {
      const files = (await group.inputs()).map((i) => parseManifestFile(i.file, i.text));
      return runKubeconform(binary, options, group.kubernetesVersion, files, root);
    });
    results.push(...perGroup.flat());
  } else {
    const validator = new ResourceValidator({ ...options, skip: new Set(options.skip), reject: new Set(options.reject) });
    for (const group of groups) {
      const files: ManifestFile[] = (await group.inputs()).map((i) => parseManifestFile(i.file, i.text));
      results.push(...(await validator.validateGroup({ files, kubernetesVersion: group.kubernetesVersion })));
    }
  }

  const scope = positionals.length > 0 ? undefined : plural(groups.length, 'environment');
  process.stdout.write(formatReport(results, format, { verbose: values.verbose, summary: values.summary, scope }));
  return results.some((r) => r.status === 'invalid' || r.status === 'error') ? EXIT.gateFailed : EXIT.ok;
}

/**
 * What to validate, grouped by environment (duplicates are looked for within a group, and each
 * group has one Kubernetes version).
 */
async function inputGroups(
  root: string,
  envs: string[] | undefined,
  paths: string[],
  ignore: RegExp[],
  versionOverride: string | undefined,
): Promise<Group[]> {
  const versionOf = async (env: string | undefined): Promise<string> => {
    if (versionOverride) return versionOverride;
    if (env === undefined) return DEFAULT_KUBERNETES_VERSION;
    const version = await environmentKubernetesVersion(root, env);
    if (version === undefined)
      throw new UsageError(`cannot read aws.kubernetesVersion from ${CLUSTERS_DIR}/${env}/cluster.yaml; pass --kubernetes-version`);
    return normalizeKubernetesVersion(version);
  };

  if (paths.length > 0) {
    if (envs && envs.length > 0) throw new UsageError('give either --env or paths, not both');
    const inputs = await collectPaths(root, paths, ignore, () => readStdin(process.stdin));
    const byEnv = new Map<string | undefined, InputFile[]>();
    for (const input of inputs) {
      const env = environmentOf(input.file);
      byEnv.set(env, [...(byEnv.get(env) ?? []), input]);
    }
    const groups: Group[] = [];
    for (const [env, files] of byEnv) groups.push({ inputs: () => Promise.resolve(files), kubernetesVersion: await versionOf(env) });
    return groups;
  }

  const known = await environmentFolders(root);
  const selected = envs && envs.length > 0 ? [...new Set(envs)].sort() : known;
  refuseUnknownEnvironments(known, selected);
  const groups: Group[] = [];
  for (const env of selected) {
    groups.push({
      inputs: async () => (await environmentFiles(root, env)).filter((f) => !ignore.some((re) => re.test(f.file))),
      kubernetesVersion: await versionOf(env),
    });
  }
  return groups;
}

await runCli(USAGE, main);
