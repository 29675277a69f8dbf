/**
 * npm run new:env: a new environment's cluster.yaml, made from an existing one with placeholders
 * for everything that must be its own.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { CLUSTER_FILE, CLUSTERS_DIR } from './lib/config/load-fleet.js';
import { environmentFolders } from './lib/config/select-environments.js';
import { formatPath } from './lib/config/problem.js';
import { scaffoldEnvironment } from './lib/scaffold/new-environment.js';
import { writeNewFile } from './lib/scaffold/write-new-file.js';

const USAGE = `Usage: npm run new:env -- NAME --from ENV [--root DIR]

Writes ${CLUSTERS_DIR}/NAME/${CLUSTER_FILE} from ENV's: the same settings (models and versions,
replica bounds, GPU families and limits, gateway, GitOps engine, promotion source), with name set
to NAME and a FILL(...) placeholder for every value that says which AWS resources the
environment is: account, cluster name, DNS zone and hosts, certificate, VPC, subnets, security
group, Karpenter role and queue, EFS, WAF, secrets, JWT audience, async API domain. Until each is
filled in, every command refuses the file and names the placeholders left. Values that two
environments may share on purpose (the VPC and subnets, the zone) can be copied back; the
loader warns about them. Comments of ENV's file are kept: read them for what no longer applies.

  NAME         the new environment: a lowercase DNS label, the folder under ${CLUSTERS_DIR}/
  --from ENV   the environment to start from (required)
  --root DIR   repository root (default: the current directory)

Nothing is written when NAME exists or ENV does not. Exit codes: 0 written, 2 usage.
`;

const ENV_NAME = /^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/;

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), { from: { type: 'string' }, root: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError('expected one NAME: the new environment');
  const name = positionals[0]!;
  if (!ENV_NAME.test(name))
    throw new UsageError(
      `NAME must be a lowercase DNS label of at most 20 characters (letters, digits, "-"), such as "perf", found "${name}"`,
    );
  if (!values.from) throw new UsageError('--from ENV is required: the environment whose settings the new one starts with');
  const root = path.resolve(values.root ?? process.cwd());
  const envs = await environmentFolders(root);
  if (!envs.includes(values.from))
    throw new UsageError(`--from: unknown environment "${values.from}"; expected one of: ${envs.join(', ') || 'none'}`);
  const file = `${CLUSTERS_DIR}/${name}/${CLUSTER_FILE}`;
  if (envs.includes(name) || existsSync(path.join(root, CLUSTERS_DIR, name)))
    throw new UsageError(`${CLUSTERS_DIR}/${name}/ exists already; choose another NAME or edit ${file}`);

  const sourceFile = `${CLUSTERS_DIR}/${values.from}/${CLUSTER_FILE}`;
  const scaffold = scaffoldEnvironment(await readFile(path.join(root, sourceFile), 'utf8'), sourceFile, values.from, name);
  await writeNewFile(path.join(root, file), scaffold.text);
  const internetFacing = (load(scaffold.text) as { ingress?: { scheme?: string } }).ingress?.scheme === 'internet-facing';

  process.stdout.write(`wrote ${file} from ${sourceFile}. Fill in:\n`);
  for (const p of scaffold.placeholders) process.stdout.write(`  ${file}:${p.line}: ${formatPath(p.path)}: ${p.what}\n`);
  process.stdout.write(
    [
      '',
      'Then:',
      `  npm run render -- --env ${name}      # writes ${CLUSTERS_DIR}/${name}/manifests and bootstrap`,
      `  npm run check -- --env ${name}       # every gate`,
      'The policy pack allows only what its reviewed data lists; for a new environment that is usually:',
      `  policies/data/registries.yaml     its account's ECR (the pull-through cache), if the account is new to the fleet`,
      ...(internetFacing
        ? [`  policies/data/network.yaml        ${name} under internet_facing_environments (ingress.scheme is internet-facing)`]
        : []),
      `  policies/data/environments.yaml   ${name} under production, if it is held to production rules`,
      `Bootstrap the cluster from ${CLUSTERS_DIR}/${name}/bootstrap (platform/README.md, "Bootstrap"); if it receives`,
      'promotions, check promotion.from.',
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}

await runCli(USAGE, main);
