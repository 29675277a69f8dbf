import { access, constants, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { redactUrlCredentials } from '../cli/redact.js';
import { TOOL_ROOT } from '../cli/tool-root.js';
import { loadCrdLock, lockedModules } from '../crds/crd-sources.js';
import { isCached } from '../crds/fetch-crds.js';
import { BuildError, engineStatus } from '../tools/build-engines.js';
import { ENGINES, type Engine, type EngineName } from '../tools/engines.js';
import { readGoMod } from '../tools/go-module.js';
import {
  describeEngine,
  engineModuleDir,
  enginePin,
  findOnPath,
  isPinned,
  locateEngine,
  probeVersion,
  toolsBinDir,
} from '../tools/locate-engine.js';
import { LOCATIONS_VARIABLE } from '../validate/locations-variable.js';
import { DEFAULT_LOCATION_KEYWORD, parseLocation, parseLocationList } from '../validate/schema-location.js';
import { VENDORED_SCHEMAS_DIR, vendoredLocation, withVendoredLocation } from '../validate/vendored-schemas.js';
import { satisfiesRange } from './node-range.js';
import { validateCacheDir } from '../validate/cache-dir.js';

export type Status = 'ok' | 'warn' | 'fail';

/** One line of the doctor's report: what was looked at, how it stands, and what to do. */
export interface Finding {
  readonly check: string;
  readonly status: Status;
  readonly detail: string;
}

const finding = (check: string, status: Status, detail: string): Finding => ({ check, status, detail });

/** This Node.js against the engines range of the toolkit's package.json. */
export async function nodeFinding(version = process.version): Promise<Finding> {
  const manifest = JSON.parse(await readFile(path.join(TOOL_ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const range = manifest.engines?.node;
  if (range === undefined) return finding('node', 'warn', `${version}; package.json declares no engines.node range to check it against`);
  const satisfied = satisfiesRange(version, range);
  if (satisfied === undefined) return finding('node', 'warn', `${version}; cannot read package.json's engines.node range "${range}"`);
  return satisfied
    ? finding('node', 'ok', `${version} satisfies "${range}" (package.json engines)`)
    : finding('node', 'fail', `${version} does not satisfy "${range}" (package.json engines): install a Node.js that does`);
}

/** The Go command npm run tools builds with, as tools.ts finds it ($GO, else PATH). */
export async function findGo(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return env.GO || (await findOnPath('go', env));
}

/** Whether there is a Go to build the engines with, and the newest go line of their modules. */
export async function goFinding(go: string | undefined): Promise<Finding> {
  const lines = await Promise.all(ENGINES.map(async (e) => (await readGoMod(engineModuleDir(e))).goVersion));
  const newest = lines.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? '';
  if (!go) return finding('go', 'warn', `not found ($GO, or go on PATH): npm run tools needs Go ${newest} or newer to build the engines`);
  const result = await $({ quiet: true, nothrow: true, cwd: TOOL_ROOT, timeout: '60s' })`${go} env GOVERSION`;
  if (result.exitCode !== 0) return finding('go', 'fail', `${go} env GOVERSION failed: ${result.stderr.trim().split('\n')[0]}`);
  const version = result.stdout.trim();
  const older = version.replace(/^go/, '').localeCompare(newest, 'en', { numeric: true }) < 0;
  return older
    ? finding(
        'go',
        'warn',
        `${version} (${go}) is older than the engines' modules ask for (go ${newest}): the go command fetches that toolchain, or fails offline`,
      )
    : finding('go', 'ok', `${version} (${go}); the engines' modules ask for go ${newest}`);
}

/**
 * Each engine in .tools/bin/ ($TOOLS_BIN_DIR): present, and built from the module tools/<name>/
 * pins (npm run tools --check's test: the build stamp, which needs Go). Without Go only the
 * version the binary reports is compared with the pin.
 */
export async function toolFindings(go: string | undefined, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  const bin = toolsBinDir(env);
  const shown = path.relative(process.cwd(), bin) || bin;
  const present = await Promise.all(ENGINES.map((engine) => isExecutable(path.join(bin, engine.name))));
  let current: Map<Engine, boolean> | undefined;
  let statusProblem: string | undefined;
  if (go) {
    try {
      const statuses = await engineStatus(
        go,
        bin,
        ENGINES.filter((_, i) => present[i]),
      );
      current = new Map(statuses.map((s) => [s.engine, s.current]));
    } catch (error) {
      if (!(error instanceof BuildError)) throw error;
      statusProblem = error.message.split('\n')[0];
    }
  }
  return Promise.all(
    ENGINES.map(async (engine, i): Promise<Finding> => {
      const pin = await enginePin(engine);
      const check = `${engine.name} ${pin}`;
      const binary = path.join(shown, engine.name);
      if (!present[i]) {
        const elsewhere = await locateEngine(engine.name as EngineName, env);
        if (elsewhere && isPinned(elsewhere))
          return finding(
            check,
            'warn',
            `not in ${shown}/; the gates use ${describeEngine(elsewhere)} meanwhile; npm run tools builds it there`,
          );
        const also = elsewhere ? `; found ${describeEngine(elsewhere)}` : '';
        return finding(check, 'fail', `not in ${shown}/: run npm run tools (builds it from tools/${engine.name} with Go)${also}`);
      }
      if (current) {
        return current.get(engine)
          ? finding(check, 'ok', `current (${binary})`)
          : finding(check, 'fail', `${binary} is NOT built from the pinned module: run npm run tools`);
      }
      const reported = await probeVersion(engine, path.join(bin, engine.name));
      if (reported !== pin)
        return finding(check, 'fail', `${binary} reports ${reported ?? 'no version'}, not the pinned ${pin}: run npm run tools`);
      const why = statusProblem ?? 'Go is not found';
      return finding(check, 'warn', `${binary} reports the pinned version; ${why}, so its build from tools/${engine.name} is not checked`);
    }),
  );
}

/** The CRDs platform/crd-sources.yaml locks, fetched into .tools/crds/ by npm run tools. */
export async function crdFindings(): Promise<Finding[]> {
  const modules = lockedModules(await loadCrdLock(TOOL_ROOT));
  return Promise.all(
    modules.map(async (source) =>
      (await isCached(source))
        ? finding(
            `crds ${source.module}@${source.version}`,
            'ok',
            `current (${source.files.length} file${source.files.length === 1 ? '' : 's'})`,
          )
        : finding(`crds ${source.module}@${source.version}`, 'fail', 'NOT fetched into .tools/crds/: run npm run tools'),
    ),
  );
}

/**
 * The schema locations validate and its gates use without flags, resolved by the same code:
 * $VALIDATE_SCHEMA_LOCATIONS after the vendored CRD schemas. Local folders must exist.
 */
export async function schemaFindings(env: NodeJS.ProcessEnv, cwd: string): Promise<Finding[]> {
  let explicit: string[];
  try {
    explicit = parseLocationList(env[LOCATIONS_VARIABLE]);
  } catch (error) {
    return [finding('schemas', 'fail', `$${LOCATIONS_VARIABLE}: ${(error as Error).message}`)];
  }
  const findings: Finding[] = [];
  if (explicit.length === 0)
    findings.push(
      finding(
        'schemas',
        'warn',
        `$${LOCATIONS_VARIABLE} is not set: validate checks core kinds with its built-in validators and CRDs with the vendored schemas, and the kubeconform gate of npm run check does NOT run (scripts/README.md, Validation)`,
      ),
    );
  const locations = withVendoredLocation(explicit);
  if (locations.length === explicit.length)
    findings.push(
      finding('schemas', 'fail', `the vendored CRD schemas (${VENDORED_SCHEMAS_DIR}/) are missing: npm run schemas:vendor writes them`),
    );
  const registry = parseLocation(DEFAULT_LOCATION_KEYWORD);
  for (const location of locations) {
    if (location === vendoredLocation()) {
      findings.push(finding('schemas', 'ok', `the vendored CRD schemas (${VENDORED_SCHEMAS_DIR}/), tried first`));
    } else if (/^https?:\/\//i.test(location)) {
      const what = location === registry ? `${DEFAULT_LOCATION_KEYWORD} (kubeconform's registry)` : redactUrlCredentials(location);
      findings.push(
        finding(
          'schemas',
          'ok',
          `${what}: remote, downloads cached in ${path.relative(cwd, validateCacheDir(cwd, undefined, env)) || '.'}/`,
        ),
      );
    } else {
      const folder = path.resolve(cwd, localFolder(location));
      const isDir = await stat(folder).then(
        (s) => s.isDirectory(),
        () => false,
      );
      findings.push(
        isDir
          ? finding('schemas', 'ok', `${location}: the local folder ${folder} exists`)
          : finding('schemas', 'fail', `${location}: the local folder ${folder} does NOT exist`),
      );
    }
  }
  return findings;
}

/** The fixed folder a local location's files are under: its path up to the first variable. */
function localFolder(location: string): string {
  const fixed = location.includes('{{') ? location.slice(0, location.indexOf('{{')) : location;
  return fixed.endsWith('/') ? fixed : path.dirname(fixed);
}

/** Where `origin` points (credentials redacted): promote fetches the base branch and pushes there. */
export async function originFinding(root: string): Promise<Finding> {
  const git = async (args: string[]) => $({ cwd: root, quiet: true, nothrow: true })`git ${args}`;
  const inside = await git(['rev-parse', '--is-inside-work-tree']).catch(() => undefined);
  if (!inside || inside.exitCode !== 0 || inside.stdout.trim() !== 'true')
    return finding('origin', 'warn', `${root} is not a git checkout: promote runs in one, with origin pointing at the repository`);
  const remote = await git(['remote', 'get-url', 'origin']);
  if (remote.exitCode !== 0)
    return finding('origin', 'warn', 'no remote named origin: promote fetches the base branch from origin and pushes its branches there');
  const url = remote.stdout.trim();
  const shown = redactUrlCredentials(url);
  return shown === url
    ? finding('origin', 'ok', url)
    : finding(
        'origin',
        'warn',
        `${shown}: the URL holds credentials (shown as ***), stored in .git/config; a credential helper keeps them out of it`,
      );
}

/** Whether GITHUB_TOKEN is set; never any of its value. */
export function tokenFinding(env: NodeJS.ProcessEnv): Finding {
  return env.GITHUB_TOKEN
    ? finding('GITHUB_TOKEN', 'ok', 'set (its value is never printed)')
    : finding('GITHUB_TOKEN', 'warn', 'not set: promote (except --dry-run) and pr-report --output comment need it; the workflows pass one');
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}
