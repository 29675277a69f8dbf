import path from 'node:path';
import { buildSync } from 'esbuild';
import { packageRoot } from '../../platform/core/package-root.js';

/*
 * The guard as its pod runs it: guard.ts and what it imports (none of it a package) in one ES
 * module for Node.js, no minifying, so the ConfigMap stays readable and a render diff shows what
 * changed. Deterministic: the same sources give the same bytes. esbuild is the launcher's own
 * bundler (scripts/launch.mjs), so every checkout that can render has it.
 */

const ROOT = packageRoot(import.meta.url);

let bundled: string | undefined;

export function guardScript(): string {
  bundled ??= (() => {
    const result = buildSync({
      absWorkingDir: ROOT,
      entryPoints: [path.join(ROOT, 'apps/canary-guard/guard.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      legalComments: 'none',
      charset: 'utf8',
      logLevel: 'silent',
    });
    // esbuild's "// apps/..." comments name each source, relative to the repository.
    return result.outputFiles[0]!.text;
  })();
  return bundled;
}
