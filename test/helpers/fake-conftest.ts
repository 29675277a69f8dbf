import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { engineNamed } from '../../scripts/lib/tools/engines.js';
import { enginePin, TOOLS_BIN_VARIABLE } from '../../scripts/lib/tools/locate-engine.js';

/** What the fake answers for one pass: conftest's exit code, stdout and stderr. */
export interface FakeAnswer {
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

export type FakePass = 'objects' | 'combined' | 'config' | 'promotion' | 'verify';

/** One call the fake received: its arguments and the data.llm document it was given. */
export interface FakeCall {
  readonly pass: FakePass;
  readonly args: string[];
  readonly llm?: unknown;
}

/**
 * A stand-in for the conftest binary: an executable that classifies each call into a pass by
 * its flags (as the runner builds them), records it, and answers with canned output in
 * conftest's documented --output json shape.
 */
export interface FakeConftest {
  readonly binary: string;
  calls(): Promise<FakeCall[]>;
  dispose(): Promise<void>;
}

const SCRIPT = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
if (args[0] === '--version') {
  process.stdout.write('Conftest: ' + process.env.FAKE_CONFTEST_VERSION + '\\nOPA: 0.0.0\\n');
  process.exit(0);
}
const answers = JSON.parse(fs.readFileSync(process.env.FAKE_CONFTEST_ANSWERS, 'utf8'));
const pass = args[0] === 'verify' ? 'verify'
  : args.includes('--combine') && args.some((a) => a.endsWith('cluster.yaml')) ? 'promotion'
  : args.includes('--combine') ? 'combined'
  : args.some((a) => a.endsWith('cluster.yaml')) ? 'config' : 'objects';
const dataDirs = args.flatMap((a, i) => (args[i - 1] === '--data' ? [a] : []));
let llm;
for (const dir of dataDirs) {
  const file = path.join(dir, 'llm.json');
  if (fs.existsSync(file)) llm = JSON.parse(fs.readFileSync(file, 'utf8'));
}
fs.appendFileSync(process.env.FAKE_CONFTEST_LOG, JSON.stringify({ pass, args, llm }) + '\\n');
const answer = answers[pass] || { stdout: '[]' };
if (answer.stdout) process.stdout.write(answer.stdout);
if (answer.stderr) process.stderr.write(answer.stderr);
process.exit(answer.exitCode || 0);
`;

/**
 * The fake, found through $CONFTEST (with an empty tools folder, so that a built conftest does not
 * win); it reports `version` ("0.71.1") when asked.
 */
export async function makeFakeConftest(
  answers: Partial<Record<FakePass, FakeAnswer>>,
  version?: string,
): Promise<FakeConftest & { env: Record<string, string> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fake-conftest-'));
  const binary = path.join(dir, 'conftest');
  const log = path.join(dir, 'calls.jsonl');
  const answersFile = path.join(dir, 'answers.json');
  await writeFile(binary, SCRIPT);
  await chmod(binary, 0o755);
  await writeFile(answersFile, JSON.stringify(answers));
  await writeFile(log, '');
  return {
    binary,
    env: {
      [TOOLS_BIN_VARIABLE]: path.join(dir, 'no-tools'),
      CONFTEST: binary,
      FAKE_CONFTEST_VERSION: version ?? (await enginePin(engineNamed('conftest'))).slice(1),
      FAKE_CONFTEST_ANSWERS: answersFile,
      FAKE_CONFTEST_LOG: log,
    },
    async calls() {
      const text = await readFile(log, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FakeCall);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
