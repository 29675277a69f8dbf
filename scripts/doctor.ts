/**
 * npm run doctor: whether this machine and checkout are ready for the toolkit, one line per
 * thing with ok, warn or fail: Node.js, Go and the pinned engines, the locked CRDs, the schema
 * locations, git's origin, GITHUB_TOKEN, and the status checks branch protection must require.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { redact } from './lib/cli/redact.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { CLUSTER_FILE, CLUSTERS_DIR } from './lib/config/load-fleet.js';
import {
  crdFindings,
  findGo,
  goFinding,
  nodeFinding,
  originFinding,
  schemaFindings,
  tokenFinding,
  toolFindings,
  type Finding,
} from './lib/doctor/checks.js';
import { requiredChecks, WORKFLOWS_DIR } from './lib/doctor/required-checks.js';

const USAGE = `Usage: npm run doctor -- [--root DIR] [--format text|json]

Says, one line each with ok, warn or fail, whether this machine and checkout are ready:
  node          this Node.js against package.json's engines range
  go            the Go that npm run tools builds the engines with
  <engine>      each pinned engine in .tools/bin/ ($TOOLS_BIN_DIR): present and built from the
                module tools/<engine>/ pins (the npm run tools -- --check test)
  crds          each module of platform/crd-sources.yaml, fetched into .tools/crds/
  schemas       the schema locations validate uses: the vendored CRD schemas, then
                $VALIDATE_SCHEMA_LOCATIONS; whether each local folder exists
  origin        where git's origin points (credentials in the URL shown as ***)
  GITHUB_TOKEN  whether it is set (never any of its value)
  required checks  the gate jobs of the workflows under .github/workflows/ that run on pull
                requests: the status checks to make required in branch protection (a matrix
                computed at run time is expanded over the environments, clusters/*/cluster.yaml)

  --root DIR     the checkout whose origin, workflows and environments are read (default: the
                 current directory); the tools are this toolkit's
  --format       text (default) or json

Exit codes: 0 nothing failed (warnings do not fail), 1 something failed, 2 usage.
`;

const FORMATS = ['text', 'json'] as const;

async function main(): Promise<number> {
  const { values } = parseFlags(process.argv.slice(2), { root: { type: 'string' }, format: { type: 'string' } });
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, found "${format}"`);
  const root = path.resolve(values.root ?? process.cwd());
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) throw new UsageError(`--root ${root} is not a folder`);
  const env = process.env;

  const go = await findGo(env);
  const checks = await requiredChecks(root, await environmentsOr(root, '<env>'));
  const findings: Finding[] = [
    await nodeFinding(),
    await goFinding(go),
    ...(await toolFindings(go, env)),
    ...(await crdFindings()),
    ...(await schemaFindings(env, root)),
    await originFinding(root),
    tokenFinding(env),
    ...checks.problems.map((problem): Finding => ({ check: 'required checks', status: 'fail', detail: problem })),
    checks.names.length > 0
      ? { check: 'required checks', status: 'ok', detail: `${checks.names.join(', ')} (the gate jobs of ${checks.files.join(', ')})` }
      : {
          check: 'required checks',
          status: 'warn',
          detail: `no workflow under ${WORKFLOWS_DIR}/ runs a gate (npm run check, npm test, ...) on pull requests: nothing blocks a merge`,
        },
  ];
  const failed = findings.some((f) => f.status === 'fail');
  // A last guard: whatever a tool or a URL printed, the token never reaches the output.
  const safe = (text: string) => redact(text, env.GITHUB_TOKEN ?? '');

  if (format === 'json') {
    process.stdout.write(safe(`${JSON.stringify({ ok: !failed, findings, requiredChecks: checks.names }, null, 2)}\n`));
    return failed ? EXIT.gateFailed : EXIT.ok;
  }
  const lines = findings.map((f) => `${f.status.padEnd(4)} ${f.check}: ${f.detail}`);
  if (checks.names.length > 0) {
    const branches = checks.branches.length > 0 ? checks.branches.join(', ') : 'the default branch';
    lines.push('', `Branch protection on ${branches}: require these status checks (and branches to be up to date):`);
    lines.push(...checks.names.map((name) => `  ${name}`));
  }
  const count = (status: Finding['status']) => findings.filter((f) => f.status === status).length;
  lines.push('', `${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail`);
  process.stdout.write(safe(`${lines.join('\n')}\n`));
  return failed ? EXIT.gateFailed : EXIT.ok;
}

/** The environments of the fleet at `root` (folders of clusters/ with a cluster.yaml), in name order. */
async function environmentsOr(root: string, placeholder: string): Promise<string[]> {
  const names = await readdir(path.join(root, CLUSTERS_DIR)).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names.sort()) {
    const file = await stat(path.join(root, CLUSTERS_DIR, name, CLUSTER_FILE)).catch(() => undefined);
    if (file?.isFile()) found.push(name);
  }
  return found.length > 0 ? found : [placeholder];
}

await runCli(USAGE, main);
