import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { $ } from 'zx';
import { CACHE_FILL_SCRIPT } from '../apps/model-server/cache-fill.js';
import { weightsDigest } from '../scripts/lib/weights/digest.js';
import { REPO_ROOT, runScript } from './helpers/fixture-repo.js';

/*
 * The cache fill's script, run by a real POSIX shell against a stand-in `aws` that "syncs" from a
 * local folder laid out as s3://<bucket>/<key>: it must publish only weights whose digest is the
 * catalogue's, and refuse a cache folder whose weights differ.
 */

let dir: string;
let bucket: string;
let cache: string;
let awsLog: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cache-fill-'));
  bucket = path.join(dir, 's3');
  cache = path.join(dir, 'model-cache');
  awsLog = path.join(dir, 'aws.log');
  await mkdir(path.join(dir, 'bin'));
  await mkdir(cache);
  // aws s3 sync s3://b/k/ DEST ...: copies $S3_ROOT/b/k/ into DEST, as sync does into a new folder.
  await writeFile(
    path.join(dir, 'bin', 'aws'),
    `#!/bin/sh\necho "$*" >> "${awsLog}"\ncat "$AWS_CONFIG_FILE" > "${awsLog}.config"\nsrc="${bucket}/\${3#s3://}"\nmkdir -p "$4"\n[ -d "$src" ] && cp -R "$src". "$4"/\nexit 0\n`,
  );
  await chmod(path.join(dir, 'bin', 'aws'), 0o755);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Uploads a version's files to the stand-in bucket. */
async function upload(version: string, files: Record<string, string>): Promise<string> {
  const root = path.join(bucket, 'weights/model', version);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

/** dash (Debian's /bin/sh) and bash (Amazon Linux's, in the aws-cli image). */
let shell = '/bin/sh';
async function fill(version: string, digest: string, extra: Record<string, string> = {}) {
  const result = await $({
    nothrow: true,
    quiet: true,
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      MODEL_SOURCE: `s3://weights/model/${version}/`,
      CACHE_DIR: path.join(cache, version),
      MODEL_DIGEST: digest,
      HOSTNAME: 'llm-abc-123',
      TMPDIR: dir,
      ...extra,
    },
  })`${shell} -c ${CACHE_FILL_SCRIPT}`;
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

const WEIGHTS = {
  'config.json': '{"architectures": ["LlamaForCausalLM"]}\n',
  'model-00001-of-00003.safetensors': 'a'.repeat(5000),
  'model-00002-of-00003.safetensors': 'b'.repeat(4000),
  'model-00003-of-00003.safetensors': 'c'.repeat(3000),
  'tokenizer config.json': '{}\n',
  '.hidden/notes': 'x\n',
  'original/params.json': '{"dim": 4096}\n',
};

describe.each(['/bin/sh', 'bash'])('the cache fill under %s', (which) => {
  beforeEach(() => {
    shell = which;
  });

  test('publishes a copy whose digest is the catalogue one, computed the same way npm run weights-digest does', async () => {
    const source = await upload('v1', WEIGHTS);
    const { digest, files } = await weightsDigest(source);
    expect(files).toBe(7);
    const first = await fill('v1', digest);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('model-cache: copying s3://weights/model/v1/');
    expect(await readFile(path.join(cache, 'v1', '.complete'), 'utf8')).toBe(digest);
    expect((await weightsDigest(path.join(cache, 'v1'))).digest).toBe(digest);
    // Nothing half-copied stays beside it.
    expect(await readdir(cache)).toEqual(['v1']);

    // The copy runs with the CRT transfer client (parallel ranged GETs).
    expect(await readFile(`${awsLog}.config`, 'utf8')).toBe('[default]\ns3 =\n  preferred_transfer_client = crt\n');

    const again = await fill('v1', digest);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`is present with digest ${digest}, nothing to copy`);
    expect((await readFile(awsLog, 'utf8')).trim().split('\n')).toHaveLength(1);

    const cli = await runScript('weights-digest', [source], REPO_ROOT);
    expect(cli.stdout).toBe(`${digest}\n`);
    expect(cli.stderr).toBe('7 files, 12059 bytes\n');
  });

  test('hashing more files at once (HASH_JOBS, one per CPU) gives the same digest', async () => {
    const source = await upload('v2', WEIGHTS);
    const { digest } = await weightsDigest(source);
    const result = await fill('v2', digest, { HASH_JOBS: '3' });
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(await readFile(path.join(cache, 'v2', '.complete'), 'utf8')).toBe(digest);
  });

  test('refuses weights that are not the catalogue ones, and publishes nothing', async () => {
    await upload('v1', WEIGHTS);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const result = await fill('v1', wrong);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /the weights under s3:\/\/weights\/model\/v1\/ have digest sha256:[0-9a-f]{64}, but the catalogue says sha256:0{64}: refusing/,
    );
    expect(await readdir(cache)).toEqual([]);
  });

  test('refuses to serve a cached version whose published digest differs (re-uploaded under the same version)', async () => {
    const source = await upload('v1', WEIGHTS);
    const { digest } = await weightsDigest(source);
    expect((await fill('v1', digest)).code).toBe(0);
    await writeFile(path.join(source, 'model-00003-of-00003.safetensors'), 'd'.repeat(3000));
    const reuploaded = (await weightsDigest(source)).digest;
    const result = await fill('v1', reuploaded);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `holds weights with digest ${digest}, but the catalogue says ${reuploaded} for this version: refusing to serve it`,
    );
    expect(await readFile(path.join(cache, 'v1', 'model-00003-of-00003.safetensors'), 'utf8')).toBe('c'.repeat(3000));
  });

  test('checks a folder published before digests once, and keeps refusing one that differs', async () => {
    const source = await upload('v1', WEIGHTS);
    const { digest } = await weightsDigest(source);
    await $({ quiet: true })`cp -R ${source} ${path.join(cache, 'v1')}`;
    await writeFile(path.join(cache, 'v1', '.complete'), '');
    const checked = await fill('v1', digest);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('has no digest yet; checking it once');
    expect(await readFile(path.join(cache, 'v1', '.complete'), 'utf8')).toBe(digest);

    await $({ quiet: true })`cp -R ${source} ${path.join(cache, 'v2')}`;
    await writeFile(path.join(cache, 'v2', '.complete'), '');
    await writeFile(path.join(cache, 'v2', 'config.json'), '{}');
    const refused = await fill('v2', digest);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to serve it');
    expect(existsSync(path.join(dir, 'aws.log'))).toBe(false);
  });

  test('says the version is not uploaded when the prefix is empty', async () => {
    const result = await fill('v9', `sha256:${'1'.repeat(64)}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing under s3://weights/model/v9/; is the version uploaded?');
    expect(await readdir(cache)).toEqual([]);
  });
});

describe('npm run weights-digest', () => {
  test('refuses a missing or empty folder with exit 2', async () => {
    expect(await runScript('weights-digest', [path.join(dir, 'nope')], REPO_ROOT)).toMatchObject({ code: 2 });
    await mkdir(path.join(dir, 'empty'));
    const empty = await runScript('weights-digest', [path.join(dir, 'empty')], REPO_ROOT);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no files: expected the downloaded weights of one version');
  });
});
