/**
 * npm run weights-digest: the digest of one model version's weights, for the catalogue's
 * `versions.<version>.digest`; the cache fill checks the copy it makes against it.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from './lib/cli/exit-codes.js';
import { parseFlags, runCli, UsageError } from './lib/cli/run-cli.js';
import { weightsDigest } from './lib/weights/digest.js';

const USAGE = `Usage: npm run weights-digest -- DIR

Prints the digest of the weights in DIR, a local copy of one version's folder (for example
aws s3 sync s3://BUCKET/PREFIX/VERSION/ DIR), as "sha256:<hex>", and how many files and bytes
it covers. Put it in apps/models/<model>.yaml:

  versions:
    VERSION:
      digest: sha256:...

The digest is the sha256 of a manifest: one "<sha256>  <path>" line per file (paths relative
to DIR, sorted bytewise; the cache fill's .complete marker left out), exactly what the model
server's cache fill computes on the cluster before it serves a copy (apps/model-server/cache-fill.ts).

Exit codes: 0 printed, 2 usage or DIR missing or empty.
`;

async function main(): Promise<number> {
  const { positionals } = parseFlags(process.argv.slice(2), {}, true);
  if (positionals.length !== 1) throw new UsageError('expected one folder: the downloaded weights of one version');
  const dir = path.resolve(positionals[0]!);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${positionals[0]}: not a folder`);
  try {
    const { digest, files, bytes } = await weightsDigest(dir);
    process.stdout.write(`${digest}\n`);
    process.stderr.write(`${files} files, ${bytes} bytes\n`);
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.badInput;
  }
}

await runCli(USAGE, main);
