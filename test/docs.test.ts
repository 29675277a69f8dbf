import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { blockNames, GeneratedBlockError, refreshBlocks } from '../scripts/lib/docs/generated-blocks.js';
import { REPO_ROOT, runScript } from './helpers/fixture-repo.js';

/*
 * A README per folder, as the Flux example has: each says what its folder holds, the facts that
 * come from the code are generated into them (and checked), and every link resolves.
 */

const FOLDER_READMES = [
  'README.md',
  'apps/models/README.md',
  'apps/model-server/README.md',
  'apps/gateway/README.md',
  'clusters/README.md',
  'platform/README.md',
  'policies/README.md',
  'scripts/README.md',
  'tools/README.md',
  '.github/README.md',
];

const read = (file: string) => readFile(path.join(REPO_ROOT, file), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation but hyphens dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

async function anchorsOf(file: string): Promise<Set<string>> {
  const text = await read(file);
  const inCode = text
    .split(/^```/m)
    .filter((_, i) => i % 2 === 0)
    .join('\n');
  return new Set([...inCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

describe('the READMEs', () => {
  test('every folder the layout names has one', () => {
    for (const file of FOLDER_READMES) expect(existsSync(path.join(REPO_ROOT, file)), file).toBe(true);
  });

  test('the root README is a one-page entry that links every other README', async () => {
    const root = await read('README.md');
    expect(root.split('\n').length).toBeLessThan(200);
    for (const file of FOLDER_READMES.slice(1)) expect(root, file).toContain(`](${file})`);
  });

  test('every relative link resolves to a file, and every anchor to a heading in it', async () => {
    const broken: string[] = [];
    for (const file of FOLDER_READMES) {
      const text = await read(file);
      const prose = text
        .split(/^```/m)
        .filter((_, i) => i % 2 === 0)
        .join('\n');
      for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        const [pathPart, anchor] = target!.split('#') as [string, string | undefined];
        const linked = pathPart === '' ? file : path.normalize(path.join(path.dirname(file), pathPart));
        if (!existsSync(path.join(REPO_ROOT, linked))) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor && linked.endsWith('.md') && !(await anchorsOf(linked)).has(anchor))
          broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('the facts that come from the code are current: npm run docs -- --check', async () => {
    const result = await runScript('docs', ['--check'], REPO_ROOT);
    expect(result.code, result.stderr).toBe(0);
    expect(blockNames(await read('README.md'))).toEqual(['facts']);
    expect(blockNames(await read('clusters/README.md'))).toEqual(['sync-order']);
  });

  test('npm run docs -- --check fails on a stale block, and npm run docs rewrites it', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'docs-'));
    try {
      await cp(path.join(REPO_ROOT, 'policies'), path.join(root, 'policies'), { recursive: true });
      await cp(path.join(REPO_ROOT, 'README.md'), path.join(root, 'README.md'));
      const stale = (await read('README.md')).replace(/\d+ policy rules/, '40 policy rules');
      await writeFile(path.join(root, 'README.md'), stale);
      const check = await runScript('docs', ['--check', '--root', root], REPO_ROOT);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain('README.md is stale; run npm run docs');
      expect(await readFile(path.join(root, 'README.md'), 'utf8')).toBe(stale);
      const fix = await runScript('docs', ['--root', root], REPO_ROOT);
      expect(fix.code, fix.stderr).toBe(0);
      expect(await readFile(path.join(root, 'README.md'), 'utf8')).toBe(await read('README.md'));
      expect((await readdir(root)).sort()).toEqual(['README.md', 'policies']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('an unknown generated block is an error naming the file', () => {
    const text = '<!-- BEGIN generated:nope (npm run docs) -->\nx\n<!-- END generated:nope -->\n';
    expect(() => refreshBlocks(text, 'X.md', { facts: () => '' })).toThrow(GeneratedBlockError);
    expect(() => refreshBlocks(text, 'X.md', { facts: () => '' })).toThrow('X.md: unknown generated block "nope"; known: facts');
  });
});
