import { mkdtempSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ENGINES, type EngineName } from '../../scripts/lib/tools/engines.js';
import {
  enginesRequired,
  locateEngine,
  missingEngineMessage,
  TOOLS_BIN_VARIABLE,
  type LocatedEngine,
} from '../../scripts/lib/tools/locate-engine.js';

/**
 * The engine a test runs, as the commands find it. In CI (CI=true, which .ci/run sets) a missing
 * engine fails the test file at once, with what to do; elsewhere the caller may skip, saying why.
 */
export async function engineForTests(name: EngineName): Promise<{ located: LocatedEngine | undefined; skipReason: string }> {
  const located = await locateEngine(name);
  if (located) return { located, skipReason: '' };
  const message = await missingEngineMessage(name);
  if (enginesRequired()) throw new Error(`CI=true and ${message}`);
  process.stderr.write(`note: tests that run ${name} are skipped: ${message}\n`);
  return { located: undefined, skipReason: message };
}

/** An empty folder to stand for .tools/bin/ when a test wants no built engine. */
const EMPTY_TOOLS = mkdtempSync(path.join(tmpdir(), 'no-tools-'));

/**
 * Environment variables under which no engine can be found: an empty tools folder, no engine
 * variables, and PATH without any folder that holds an engine (git and node stay reachable).
 */
export async function withoutEngines(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  const dirs: string[] = [];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const holds = await Promise.all(
      ENGINES.map((e) =>
        access(path.join(dir, e.name)).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!holds.some(Boolean)) dirs.push(dir);
  }
  return {
    [TOOLS_BIN_VARIABLE]: EMPTY_TOOLS,
    PATH: dirs.join(path.delimiter),
    ...Object.fromEntries(ENGINES.map((e) => [e.variable, ''])),
  };
}
