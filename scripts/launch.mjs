// Runs one of the toolkit's commands (scripts/<name>.ts) from a bundle instead of transpiling
// TypeScript at run time: `node scripts/launch.mjs <name> [args...]` is what every npm script runs.
//
// The bundle (esbuild, every entry in scripts/*.ts, shared code split into chunks) lives in
// .build/<fingerprint>/, where the fingerprint hashes everything it is built from: the files
// under scripts/, apps/ and platform/, package-lock.json (so node_modules) and this file (the
// build options). A source edit therefore gives a new folder, built on the next run (about a
// second) and never a stale bundle. Builds go to a scratch folder renamed into place, so
// concurrent runs (the test suite starts many) either build the same folder or use it; none
// sees half a bundle. Plain JavaScript: it is what starts before any TypeScript can run.
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['scripts', 'apps', 'platform'];
const OUT = '.build';
/** Other bundles are removed once unused this long (a running command may still load chunks). */
const KEEP_MS = 60 * 60 * 1000;

/** Every file the bundle is built from, repository-relative and sorted. */
async function sourceFiles(root) {
  const files = [];
  for (const dir of SOURCE_DIRS) {
    const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isFile()) files.push(path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The bundle's name: a hash of its sources, the lockfile and this launcher. */
export async function fingerprint(root = ROOT) {
  const hash = createHash('sha256');
  hash.update(await readFile(fileURLToPath(import.meta.url)));
  // Read side by side (every command pays for this), hashed in the files' order.
  const files = ['package-lock.json', ...(await sourceFiles(root))];
  const texts = await Promise.all(files.map((file) => readFile(path.join(root, file)).catch(() => Buffer.alloc(0))));
  files.forEach((file, i) => {
    hash.update(`\0${file}\0${texts[i].length}\0`);
    hash.update(texts[i]);
  });
  return hash.digest('hex').slice(0, 16);
}

/** The entry points: every command in scripts/ (scripts/*.ts). */
async function entryPoints(root) {
  const names = (await readdir(path.join(root, 'scripts'))).filter((f) => f.endsWith('.ts'));
  return names.sort().map((f) => path.join(root, 'scripts', f));
}

async function build(root, dir) {
  const { build: esbuild } = await import('esbuild');
  const scratch = path.join(root, OUT, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await esbuild({
      absWorkingDir: root,
      entryPoints: await entryPoints(root),
      outdir: scratch,
      // Packages too: resolving and reading node_modules' files costs each command about a
      // second. One difference from Node: import() of a CommonJS package split into a chunk has
      // only its default export (module.exports), so the sources read named exports from it.
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      // Bundled CommonJS packages call require(); ESM has none, so each file gets one.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'error',
      legalComments: 'none',
      // The render bundles the canary guard with esbuild itself (apps/canary-guard/bundle.ts): its
      // native service cannot be bundled.
      external: ['esbuild'],
    });
    await writeFile(path.join(scratch, 'fingerprint'), `${path.basename(dir)}\n`);
    try {
      await rename(scratch, dir);
    } catch (error) {
      // Another run finished the same bundle first: use it.
      if (!['ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Removes bundles of other fingerprints that nothing used for KEEP_MS, and stale scratch folders. */
async function prune(root, keep) {
  const entries = await readdir(path.join(root, OUT)).catch(() => []);
  const now = Date.now();
  for (const name of entries) {
    if (name === keep) continue;
    const dir = path.join(root, OUT, name);
    const info = (await stat(path.join(dir, 'fingerprint')).catch(() => undefined)) ?? (await stat(dir).catch(() => undefined));
    if (info && now - info.mtimeMs > KEEP_MS) await rm(dir, { recursive: true, force: true });
  }
}

/** The folder of the current bundle, built first when the sources changed since the last one. */
export async function ensureBundle(root = ROOT) {
  const id = await fingerprint(root);
  const dir = path.join(root, OUT, id);
  const marker = path.join(dir, 'fingerprint');
  const ready = await stat(marker).then(
    () => true,
    () => false,
  );
  // Each use refreshes the marker's time, which prune() keys on (best effort: a read-only
  // checkout still runs its bundle).
  if (ready) await utimes(marker, new Date(), new Date()).catch(() => undefined);
  else {
    await mkdir(path.join(root, OUT), { recursive: true });
    await build(root, dir);
    await prune(root, id);
  }
  return dir;
}

async function main() {
  const [name, ...args] = process.argv.slice(2);
  if (name === '--build') {
    process.stdout.write(`${path.relative(ROOT, await ensureBundle())}\n`);
    return;
  }
  if (!name || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    process.stderr.write('Usage: node scripts/launch.mjs <command> [args...]   (a file scripts/<command>.ts)\n');
    process.stderr.write('       node scripts/launch.mjs --build   (builds the bundle, prints its folder)\n');
    process.exit(2);
  }
  let dir;
  try {
    dir = await ensureBundle();
  } catch (error) {
    // esbuild has printed what it could not compile, with file and line.
    process.stderr.write(`could not build the commands' bundle (scripts/launch.mjs): ${error.message}\n`);
    process.exit(1);
  }
  const entry = path.join(dir, `${name}.mjs`);
  if (!(await stat(entry).catch(() => undefined))) {
    process.stderr.write(`no command "${name}": there is no scripts/${name}.ts\n`);
    process.exit(2);
  }
  // The command sees itself as the program, as it would when run directly.
  process.argv = [process.argv[0], entry, ...args];
  await import(pathToFileURL(entry).href);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
