/**
 * npm run trial: the scripted new-user run. In a temporary copy of this repository, grow the
 * fleet the way the READMEs say (a new model, a new environment from new:env, a version bump),
 * try promotion in the sandbox, then run the gates and the tests: a fork's own changes must not
 * break its CI.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli } from './lib/cli/run-cli.js';
import { TOOL_ROOT } from './lib/cli/tool-root.js';
import { fillListedPlaceholders, PERF_ENVIRONMENT } from './lib/trial/perf-environment.js';
import { weightsDigest } from './lib/weights/digest.js';
import { FILE_OPERATIONS_IN_FLIGHT, mapConcurrent } from './lib/process/map-concurrent.js';

const USAGE = `Usage: npm run trial -- [--full] [--keep] [--gate-results FILE]

The scripted new-user run, in a temporary copy of this repository (its tracked and untracked
files, not the ignored ones; node_modules and .tools linked):

  1. npm run new:model -- mistral-7b-instruct ... (weights digest from npm run weights-digest),
     fill in its parameter count, run it in dev
  2. npm run new:env -- perf --from staging, fill in every placeholder
  3. bump llama-3-1-8b-instruct in dev to a new catalogued version
  4. npm run render, commit
  5. npm run sandbox (promote and pr-report against a local remote and GitHub stand-in)
  6. npm run check -- --require-engines (every gate over the grown fleet)
  7. the tests: the files that read a fleet (default), or all of npm test (--full)

  --full                run the whole npm test in the copy (minutes)
  --keep                keep the copy and print where it is
  --gate-results FILE   write each gate's outcome in step 6 as JSON (npm run check's --gate-results)

Needs npm run tools (the gates' engines) and the schema locations npm run check uses.
Exit codes: 0 every step passed, 1 a step failed (its output is shown), 2 usage.
`;

/** Test files that read a fleet or the fleet's names: what broke in forks before they used fixtures. */
const FLEET_TESTS = [
  'test/config-errors.test.ts',
  'test/model-server.test.ts',
  'test/gateway.test.ts',
  'test/gitops.test.ts',
  'test/architecture.test.ts',
  'test/scaffolds.test.ts',
];

const MODEL = 'mistral-7b-instruct';
const BUMPED = 'llama-3-1-8b-instruct';

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), {
    full: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'gate-results': { type: 'string' },
  });
  const gateResults = values['gate-results'] === undefined ? [] : ['--gate-results', path.resolve(values['gate-results'])];
  const dir = await mkdtemp(path.join(tmpdir(), 'trial-'));
  const work = path.join(dir, 'fork');
  let failed = false;
  try {
    await copyRepository(TOOL_ROOT, work);
    const started = Date.now();
    const step = async (shown: string, run: () => Promise<{ code: number; output: string }>): Promise<boolean> => {
      const t0 = Date.now();
      const { code, output } = await run();
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${shown} (${seconds} s)\n`);
      if (code !== 0) {
        failed = true;
        process.stdout.write(`${output.trimEnd().replace(/^/gm, '     ')}\n`);
      }
      return code === 0;
    };
    // The copy's own launcher, as its user runs it: it bundles the copy's scripts.
    const launcher = path.join(work, 'scripts', 'launch.mjs');
    const command = async (name: string, args: string[], env: Record<string, string> = {}) => {
      const result = await $({
        cwd: work,
        nothrow: true,
        quiet: true,
        env: { ...process.env, ...env },
      })`${process.execPath} ${launcher} ${name} ${args}`;
      return { code: result.exitCode ?? 1, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
    };
    const edit = async (file: string, change: (text: string) => string) =>
      writeFile(path.join(work, file), change(await readFile(path.join(work, file), 'utf8')));
    /** A person's edit: one replacement that must find its place (the files moved on otherwise). */
    const replace = (pattern: RegExp, by: string) => (text: string) => {
      if (!pattern.test(text)) throw new Error(`trial: nothing matches ${pattern} any more; update scripts/trial.ts`);
      return text.replace(pattern, by);
    };

    // 1. A new model, with the digest of its (stand-in) weights, run in dev.
    const weights = path.join(dir, 'weights');
    await mkdir(weights);
    await writeFile(path.join(weights, 'config.json'), '{"architectures": ["MistralForCausalLM"]}\n');
    await writeFile(path.join(weights, 'model.safetensors'), 'weights\n');
    const digest = (await weightsDigest(weights)).digest;
    const modelFlags = [
      MODEL,
      '--served-name',
      'mistralai/Mistral-7B-Instruct-v0.3',
      '--source',
      's3://acme-llm-weights-us-west-2/mistralai/Mistral-7B-Instruct-v0.3',
    ];
    const modelOk = await step(`npm run new:model -- ${MODEL} ...`, () =>
      command('new-model', [...modelFlags, '--version', 'v2026.12.0', '--digest', digest]),
    );
    if (modelOk) {
      await edit(`apps/models/${MODEL}.yaml`, replace(/^parametersBillions: .*$/m, 'parametersBillions: 7'));
      await edit(
        'clusters/dev/cluster.yaml',
        replace(/^models:\n/m, `models:\n  ${MODEL}:\n    version: v2026.12.0\n    replicas:\n      min: 1\n      max: 2\n`),
      );
    }

    // 2. A new environment from staging, every placeholder filled in.
    let listing = '';
    const envOk = await step('npm run new:env -- perf --from staging', async () => {
      const result = await command('new-env', ['perf', '--from', 'staging']);
      listing = result.stdout;
      return result;
    });
    if (envOk) {
      await edit('clusters/perf/cluster.yaml', (t) => fillListedPlaceholders(t, listing, PERF_ENVIRONMENT));
      // The reviewed policy data new:env names: perf's account's ECR, and perf's public ingress.
      const account = PERF_ENVIRONMENT['aws.accountId']!;
      await edit('policies/data/registries.yaml', replace(/- '\^\((\d{12}(?:\|\d{12})*)\)\\\.dkr/, `- '^($1|${account})\\.dkr`));
      await edit(
        'policies/data/network.yaml',
        replace(/internet_facing_environments: \[([^\]]*)\]/, 'internet_facing_environments: [$1, perf]'),
      );
    }

    // 3. A version bump in dev: catalogued with its digest first.
    await edit(`apps/models/${BUMPED}.yaml`, replace(/^versions:\n/m, `versions:\n  v2026.12.7:\n    digest: ${digest}\n`));
    await edit('clusters/dev/cluster.yaml', replace(new RegExp(`(  ${BUMPED}:\\n    version: )\\S+`), '$1v2026.12.7'));

    // 4. Render and commit, as the PR would.
    await step('npm run render', () => command('render', []));
    await $({ cwd: work, quiet: true })`git add -A`;
    await $({ cwd: work, quiet: true })`git -c user.name=trial -c user.email=trial@example.com commit -q -m ${'grow the fleet'}`;

    // 5-7. Promotion in the sandbox, the gates, the tests.
    await step('npm run sandbox', async () => {
      const result = await command('sandbox', []);
      const opened = /promote\/staging\/llama-3-1-8b-instruct/.test(result.stdout);
      return {
        code: result.code === 0 && opened ? 0 : 1,
        output: opened ? result.output : `no PR promoting ${BUMPED} to staging:\n${result.output}`,
      };
    });
    await step('npm run check -- --require-engines', async () => {
      const result = await command('check', ['--require-engines', ...gateResults]);
      // The gates must have judged the copy's fleet, the new environment included.
      const covered =
        /^perf \((argocd|flux)\): replays clean/m.test(result.output) &&
        /conftest: perf objects/.test(result.output) &&
        /^perf: \d+ flows that must be allowed, \d+ that must be denied: all as required$/m.test(result.output) &&
        /^policy gate passed: \d+ rules over dev, perf, prod, staging; 0 failure\(s\)/m.test(result.output);
      return {
        code: result.code === 0 && covered ? 0 : 1,
        output: covered ? result.output : `the gates did not cover perf:\n${result.output}`,
      };
    });
    // Not the trial's own test inside the trial: it would copy the copy.
    const tests = values.full ? ['npm', 'test', '--', '--exclude', 'test/trial.test.ts'] : ['npx', 'vitest', 'run', ...FLEET_TESTS];
    await step(tests.join(' '), async () => {
      const result = await $({ cwd: work, nothrow: true, quiet: true })`${tests}`;
      return { code: result.exitCode ?? 1, output: `${result.stdout}${result.stderr}`.slice(-6000) };
    });
    process.stdout.write(`${failed ? 'trial FAILED' : 'trial passed'} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    return failed ? EXIT.gateFailed : EXIT.ok;
  } finally {
    if (values.keep) process.stdout.write(`kept: ${work}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** The repository's tracked and untracked (not ignored) files, and links to what npm ci and npm run tools made. */
async function copyRepository(from: string, to: string): Promise<void> {
  const listed = (await $({ cwd: from, quiet: true })`git ls-files -z --cached --others --exclude-standard`).stdout;
  const files = listed.split('\0').filter((f) => f !== '' && existsSync(path.join(from, f)));
  await mapConcurrent(
    files,
    async (file) => {
      await mkdir(path.dirname(path.join(to, file)), { recursive: true });
      await cp(path.join(from, file), path.join(to, file), { verbatimSymlinks: true });
    },
    FILE_OPERATIONS_IN_FLIGHT,
  );
  for (const made of ['node_modules', '.tools'])
    if (existsSync(path.join(from, made))) await symlink(path.join(from, made), path.join(to, made));
  await $({
    cwd: to,
    quiet: true,
  })`git init -q -b main && git add -A && git -c user.name=trial -c user.email=trial@example.com commit -q -m ${'the fork'}`;
}

await runCli(USAGE, main);
