/**
 * npm run new:model: a new catalogue entry, made from an existing one with placeholders for
 * everything that is the new model's own.
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { MODELS_DIR } from './lib/config/load-fleet.js';
import { formatPath } from './lib/config/problem.js';
import { scaffoldModel } from './lib/scaffold/new-model.js';
import { writeNewFile } from './lib/scaffold/write-new-file.js';
import { MODEL_NAME_MAX } from '../platform/spec/field-rules.js';

const USAGE = `Usage: npm run new:model -- NAME [--from MODEL] [--served-name NAME] [--source s3://BUCKET/PREFIX]
                                [--version V --digest sha256:HEX] [--root DIR]

Writes ${MODELS_DIR}/NAME.yaml from MODEL's entry: the same engine (image, tag, digest), GPUs,
instance families, parallelism, context length, resources and vLLM flags, to adjust for the new
model; its own served name, parameter count, weights location and first version with its weights
digest come from the flags, or are FILL(...) placeholders that every command refuses, by name,
until they are filled in.

  NAME                 the model: a lowercase DNS label of at most ${MODEL_NAME_MAX} characters
  --from MODEL         the catalogue entry to start from (default: the one with the fewest GPUs)
  --served-name NAME   the name clients send as "model" (the gateway routes on it)
  --source URI         s3://BUCKET/PREFIX of the weights; each version is a sub-prefix
  --version V          the first version (a sub-prefix of --source), with
  --digest D           its weights digest (npm run weights-digest -- DIR prints it)
  --root DIR           repository root (default: the current directory)

Then run it in dev: add it under models: in clusters/dev/cluster.yaml and npm run render. It
reaches the other environments by promotion: npm run promote -- --to staging --model NAME.
Nothing is written when NAME exists or MODEL does not. Exit codes: 0 written, 2 usage.
`;

const MODEL_NAME = new RegExp(`^[a-z]([a-z0-9-]{0,${MODEL_NAME_MAX - 2}}[a-z0-9])?$`);

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(
    process.argv.slice(2),
    {
      from: { type: 'string' },
      'served-name': { type: 'string' },
      source: { type: 'string' },
      version: { type: 'string' },
      digest: { type: 'string' },
      root: { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError('expected one NAME: the new model');
  const name = positionals[0]!;
  if (!MODEL_NAME.test(name))
    throw new UsageError(
      `NAME must be a lowercase DNS label of at most ${MODEL_NAME_MAX} characters (letters, digits, "-"), such as "mistral-7b-instruct", found "${name}"`,
    );
  if ((values.version === undefined) !== (values.digest === undefined))
    throw new UsageError('give --version and --digest together: a version is catalogued with the digest of its weights');
  const root = path.resolve(values.root ?? process.cwd());
  const file = `${MODELS_DIR}/${name}.yaml`;
  if (existsSync(path.join(root, file))) throw new UsageError(`${file} exists already; choose another NAME or edit it`);

  const catalogue = await readCatalogue(root);
  if (catalogue.size === 0) throw new UsageError(`${MODELS_DIR}/ holds no model to start from`);
  const from = values.from ?? fewestGpus(catalogue);
  const fromText = catalogue.get(from);
  if (fromText === undefined) throw new UsageError(`--from: unknown model "${from}"; expected one of: ${[...catalogue.keys()].join(', ')}`);

  const scaffold = scaffoldModel({
    name,
    from,
    fromText,
    servedName: values['served-name'],
    source: values.source,
    version: values.version,
    digest: values.digest,
  });
  await writeNewFile(path.join(root, file), scaffold.text);
  process.stdout.write(`wrote ${file} from ${MODELS_DIR}/${from}.yaml.\n`);
  if (scaffold.placeholders.length > 0) {
    process.stdout.write('Fill in:\n');
    for (const p of scaffold.placeholders) process.stdout.write(`  ${file}:${p.line}: ${formatPath(p.path)}: ${p.what}\n`);
  }
  process.stdout.write(
    [
      '',
      `Check the settings copied from ${from}, then run it in dev (clusters/dev/cluster.yaml, under models:):`,
      `  ${name}:`,
      `    version: ${values.version ?? 'THE-VERSION'}`,
      '    replicas: { min: 1, max: 2 }',
      'and npm run render. Later environments get it by promotion: npm run promote -- --to ENV --model ' + name,
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}

/** Catalogue files by model name. */
async function readCatalogue(root: string): Promise<Map<string, string>> {
  const names = (await readdir(path.join(root, MODELS_DIR)).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out = new Map<string, string>();
  for (const file of names) out.set(file.replace(/\.ya?ml$/, ''), await readFile(path.join(root, MODELS_DIR, file), 'utf8'));
  return out;
}

function fewestGpus(catalogue: ReadonlyMap<string, string>): string {
  const gpus = (text: string) => Number((load(text) as { gpu?: { count?: unknown } } | null)?.gpu?.count) || Infinity;
  return [...catalogue].sort(([a, x], [b, y]) => gpus(x) - gpus(y) || (a < b ? -1 : 1))[0]![0];
}

await runCli(USAGE, main);
