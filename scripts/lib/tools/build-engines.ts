import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { byCodeUnit } from '../../../platform/core/compare.js';
import path from 'node:path';
import { $ } from 'zx';
import type { Engine } from './engines.js';
import { engineModuleDir, enginePin, probeVersion } from './locate-engine.js';

/**
 * What a built binary was built from. When the stamp beside a binary still matches (same go.mod
 * and go.sum, same Go, same flags, the binary untouched since), `npm run tools` does not rebuild.
 */
interface Stamp {
  readonly version: string;
  readonly go: string;
  readonly modules: string;
  readonly ldflags: string;
  /** Build tags, comma-separated ("" for none; stamps written before tags existed have none). */
  readonly tags?: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface BuildResult {
  readonly engine: Engine;
  readonly version: string;
  readonly binary: string;
  readonly built: boolean;
  readonly seconds: number;
}

export class BuildError extends Error {}

const stampFile = (bin: string, engine: Engine) => path.join(bin, `.${engine.name}.stamp.json`);

/** The Go version that builds a module (go.mod's go line may make the go command switch). */
async function goVersionFor(go: string, dir: string): Promise<string> {
  const result = await $({ quiet: true, nothrow: true, cwd: dir })`${go} env GOVERSION`;
  if (result.exitCode !== 0) throw new BuildError(`${go} env GOVERSION failed in ${dir}:\n${result.stderr}`);
  return result.stdout.trim();
}

async function wanted(go: string, engine: Engine): Promise<Omit<Stamp, 'size' | 'mtimeMs'>> {
  const dir = engineModuleDir(engine);
  const version = await enginePin(engine);
  // go.mod and go.sum, then the sources of a wrapper main in the folder (in name order).
  const hash = createHash('sha256')
    .update(await readFile(path.join(dir, 'go.mod')))
    .update('\0')
    .update(await readFile(path.join(dir, 'go.sum')));
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.go')).sort(byCodeUnit))
    hash.update(`\0${file}\0`).update(await readFile(path.join(dir, file)));
  const modules = hash.digest('hex');
  return { version, go: await goVersionFor(go, dir), modules, ldflags: ldflagsOf(engine, version), tags: (engine.tags ?? []).join(',') };
}

const ldflagsOf = (engine: Engine, version: string) => ['-s', '-w', ...engine.ldflags(version)].join(' ');

/** True when the binary in `bin` was built from exactly what the module pins now. */
async function isCurrent(bin: string, engine: Engine, want: Omit<Stamp, 'size' | 'mtimeMs'>): Promise<boolean> {
  try {
    const stamp = JSON.parse(await readFile(stampFile(bin, engine), 'utf8')) as Stamp;
    const info = await stat(path.join(bin, engine.name));
    return (
      stamp.version === want.version &&
      stamp.go === want.go &&
      stamp.modules === want.modules &&
      stamp.ldflags === want.ldflags &&
      (stamp.tags ?? '') === want.tags &&
      stamp.size === info.size &&
      stamp.mtimeMs === info.mtimeMs
    );
  } catch {
    return false;
  }
}

/** Whether each engine's binary is current, without building anything. */
export async function engineStatus(
  go: string,
  bin: string,
  engines: readonly Engine[],
): Promise<Array<{ engine: Engine; version: string; current: boolean }>> {
  return Promise.all(
    engines.map(async (engine) => {
      const want = await wanted(go, engine);
      return { engine, version: want.version, current: await isCurrent(bin, engine, want) };
    }),
  );
}

/**
 * Builds one engine from its tools module into `bin`, unless it is current (or `force`). The
 * binary is written beside its final name and renamed over it, so an interrupted build never
 * leaves a half-written tool; the new binary must report the pinned version.
 */
export async function buildEngine(go: string, bin: string, engine: Engine, force: boolean): Promise<BuildResult> {
  const started = performance.now();
  const want = await wanted(go, engine);
  const binary = path.join(bin, engine.name);
  const done = (built: boolean): BuildResult => ({
    engine,
    version: want.version,
    binary,
    built,
    seconds: (performance.now() - started) / 1000,
  });
  if (!force && (await isCurrent(bin, engine, want))) return done(false);

  await mkdir(bin, { recursive: true });
  const partial = path.join(bin, `.${engine.name}.partial-${process.pid}`);
  try {
    // -mod=readonly: go.sum is the lock; a build never edits it or resolves anything new.
    // CGO_ENABLED=0: static binaries, as the projects' own releases are.
    const result = await $({
      quiet: true,
      nothrow: true,
      cwd: engineModuleDir(engine),
      env: { ...process.env, CGO_ENABLED: '0' },
    })`${go} build -trimpath -mod=readonly -tags=${want.tags ?? ''} -ldflags ${want.ldflags} -o ${partial} ${engine.pkg}`;
    if (result.exitCode !== 0) throw new BuildError(`go build of ${engine.name} ${want.version} failed:\n${result.stderr.trim()}`);
    const reported = await probeVersion(engine, partial);
    if (reported !== want.version)
      throw new BuildError(
        `${engine.name} built from ${want.version} reports ${reported ?? 'no version'}; check its ldflags in scripts/lib/tools/engines.ts`,
      );
    await rename(partial, binary);
    const info = await stat(binary);
    await writeFile(
      stampFile(bin, engine),
      `${JSON.stringify({ ...want, size: info.size, mtimeMs: info.mtimeMs } satisfies Stamp, null, 2)}\n`,
    );
    return done(true);
  } finally {
    await rm(partial, { force: true });
  }
}
