import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** What a tools module's go.mod says: its Go version, its tools, and the versions it requires. */
export interface GoModule {
  readonly file: string;
  readonly goVersion: string;
  readonly tools: readonly string[];
  readonly requires: ReadonlyMap<string, string>;
}

export class GoModError extends Error {}

/**
 * Reads the directives we rely on from a go.mod (the go command owns the file; this only reads
 * it): `go`, `tool` and `require`, in their one-line and block forms.
 */
export function parseGoMod(text: string, file: string): GoModule {
  let goVersion: string | undefined;
  const tools: string[] = [];
  const requires = new Map<string, string>();
  let block: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    if (block !== undefined) {
      if (line === ')') {
        block = undefined;
        continue;
      }
      directive(block, line.split(/\s+/));
      continue;
    }
    const [verb, ...rest] = line.split(/\s+/);
    if (rest[0] === '(') block = verb;
    else if (verb !== undefined) directive(verb, rest);
  }
  if (goVersion === undefined) throw new GoModError(`${file}: no go directive`);
  return { file, goVersion, tools, requires };

  function directive(verb: string, args: string[]): void {
    if (verb === 'go' && args[0]) goVersion = args[0];
    else if (verb === 'tool' && args[0]) tools.push(args[0]);
    else if (verb === 'require' && args[0] && args[1]) requires.set(args[0], args[1]);
  }
}

export async function readGoMod(dir: string): Promise<GoModule> {
  const file = path.join(dir, 'go.mod');
  return parseGoMod(await readFile(file, 'utf8'), file);
}

/** The version of `module` that the go.mod pins; an error when it pins none. */
export function pinnedVersion(mod: GoModule, module: string): string {
  const version = mod.requires.get(module);
  if (version === undefined) throw new GoModError(`${mod.file}: requires no version of ${module}`);
  return version;
}
