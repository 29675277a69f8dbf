import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { engineNamed, type Engine, type EngineName } from './engines.js';
import { pinnedVersion, readGoMod } from './go-module.js';
import { TOOL_ROOT } from '../cli/tool-root.js';

export { TOOL_ROOT };

/** Where `npm run tools` puts the binaries; the variable moves it (tests point it elsewhere). */
export const TOOLS_BIN_VARIABLE = 'TOOLS_BIN_DIR';
export const DEFAULT_TOOLS_BIN = '.tools/bin';

export const toolsBinDir = (env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(TOOL_ROOT, env[TOOLS_BIN_VARIABLE] || DEFAULT_TOOLS_BIN);

export const engineModuleDir = (engine: Engine): string => path.join(TOOL_ROOT, 'tools', engine.name);

/** The version tools/<name>/go.mod pins. */
export async function enginePin(engine: Engine): Promise<string> {
  return pinnedVersion(await readGoMod(engineModuleDir(engine)), engine.module);
}

export type EngineSource = 'tools' | 'variable' | 'path';

export interface LocatedEngine {
  readonly engine: Engine;
  readonly binary: string;
  readonly source: EngineSource;
  /** What the binary says it is ("v1.2.3"), undefined when it would not say. */
  readonly version: string | undefined;
  readonly pinned: string;
}

/**
 * Finds an engine as every command does: .tools/bin/ first (what `npm run tools` built from the
 * pinned module), then the engine's variable ($CONFTEST...), then PATH. Undefined when there is
 * none; a binary of another version is returned, and `describeEngine` says so.
 */
export async function locateEngine(name: EngineName, env: NodeJS.ProcessEnv = process.env): Promise<LocatedEngine | undefined> {
  const engine = engineNamed(name);
  const pinned = await enginePin(engine);
  const candidates: Array<[string, EngineSource]> = [[path.join(toolsBinDir(env), engine.name), 'tools']];
  const configured = env[engine.variable];
  if (configured) candidates.push([path.resolve(configured), 'variable']);
  for (const dir of (env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push([path.join(dir, engine.name), 'path']);
  for (const [binary, source] of candidates) {
    if (!(await isExecutable(binary))) continue;
    return { engine, binary, source, version: await probeVersion(engine, binary), pinned };
  }
  return undefined;
}

/** What the binary reports of its version, or undefined. */
export async function probeVersion(engine: Engine, binary: string): Promise<string | undefined> {
  const result = await $({ nothrow: true, quiet: true, timeout: '20s' })`${binary} ${engine.versionArgs}`;
  return result.exitCode === 0 ? engine.parseVersion(engine.versionOn === 'stderr' ? result.stderr : result.stdout) : undefined;
}

export const isPinned = (located: LocatedEngine): boolean => located.version === located.pinned;

const SOURCE_LABEL: Record<EngineSource, (engine: Engine) => string> = {
  tools: () => 'npm run tools',
  variable: (engine) => `$${engine.variable}`,
  path: () => 'PATH',
};

/** One line for the log: which binary, which version, and whether it is the pinned one. */
export function describeEngine(located: LocatedEngine): string {
  const where = `${path.relative(process.cwd(), located.binary) || located.binary}, from ${SOURCE_LABEL[located.source](located.engine)}`;
  const { name } = located.engine;
  if (isPinned(located)) return `${name} ${located.version} (${where})`;
  const found = located.version === undefined ? 'an unknown version' : located.version;
  return `${name} ${found} (${where}) is NOT the pinned ${located.pinned}; run npm run tools to build the pinned one`;
}

/** Why an engine could not be found, and how to get it. */
export async function missingEngineMessage(name: EngineName): Promise<string> {
  const engine = engineNamed(name);
  const pinned = await enginePin(engine);
  return `${name} not found: run npm run tools (builds ${pinned} into ${DEFAULT_TOOLS_BIN}/ with Go), or set ${engine.variable}=/path/to/${name}, or put ${name} ${pinned} on PATH`;
}

/** In CI a missing engine is a failure, never a skip (GitHub Actions and .ci/run set CI=true). */
export const enginesRequired = (env: NodeJS.ProcessEnv = process.env): boolean => env.CI === 'true' || env.CI === '1';

/** The first executable `name` on PATH, or undefined. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Locates an engine for a command and says on stderr which binary and version it will run. */
export async function announceEngine(name: EngineName, env: NodeJS.ProcessEnv = process.env): Promise<LocatedEngine | undefined> {
  const located = await locateEngine(name, env);
  if (located) process.stderr.write(`${isPinned(located) ? 'using' : 'warning: using'} ${describeEngine(located)}\n`);
  return located;
}
