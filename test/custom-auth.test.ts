import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { $ } from 'zx';
import { REPO_ROOT } from './helpers/fixture-repo.js';

/*
 * The gateway's custom_auth.py, run by Python against stand-ins of the two LiteLLM and FastAPI
 * names it imports (Request, UserAPIKeyAuth): which credential it takes from which header.
 */

let dir: string;
const KEY = 'sk-gateway-key-of-team-a';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZWFtLWEifQ.c2lnbmF0dXJl';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'custom-auth-'));
  await mkdir(path.join(dir, 'fastapi'));
  await writeFile(
    path.join(dir, 'fastapi', '__init__.py'),
    'class Request:\n    def __init__(self, headers):\n        self.headers = headers\n',
  );
  await mkdir(path.join(dir, 'litellm', 'proxy'), { recursive: true });
  await writeFile(path.join(dir, 'litellm', '__init__.py'), '');
  await writeFile(path.join(dir, 'litellm', 'proxy', '__init__.py'), '');
  await writeFile(
    path.join(dir, 'litellm', 'proxy', '_types.py'),
    'class UserAPIKeyAuth:\n    def __init__(self, **fields):\n        self.fields = fields\n',
  );
  const digest = createHash('sha256').update(KEY).digest('hex');
  await writeFile(path.join(dir, 'keys.json'), JSON.stringify([{ alias: 'team-a', sha256: digest, rpm_limit: 60, tpm_limit: 100000 }]));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Calls user_api_key_auth(request with `headers`, api_key) and returns its result or error. */
async function authenticate(headers: Record<string, string>, apiKey: string, keyHeader: string | undefined) {
  const script = `
import asyncio, json, sys
sys.path[:0] = [${JSON.stringify(dir)}, ${JSON.stringify(path.join(REPO_ROOT, 'apps/gateway'))}]
from fastapi import Request
import custom_auth
try:
    result = asyncio.run(custom_auth.user_api_key_auth(Request(json.loads(sys.argv[1])), sys.argv[2]))
    print(json.dumps({"ok": result.fields}))
except Exception as error:
    print(json.dumps({"error": str(error)}))
`;
  const env: NodeJS.ProcessEnv = { ...process.env, GATEWAY_API_KEYS_FILE: path.join(dir, 'keys.json'), PYTHONDONTWRITEBYTECODE: '1' };
  if (keyHeader === undefined) delete env.GATEWAY_API_KEY_HEADER;
  else env.GATEWAY_API_KEY_HEADER = keyHeader;
  const result = await $({ env, quiet: true })`python3 -c ${script} ${JSON.stringify(headers)} ${apiKey}`;
  return JSON.parse(result.stdout) as { ok?: Record<string, unknown>; error?: string };
}

describe('custom_auth.py: one credential per hop', () => {
  test('behind the JWT-checking ALB, the key comes from x-litellm-api-key with its limits', async () => {
    // LiteLLM hands over the Authorization bearer (the JWT) as api_key; the key header decides.
    const result = await authenticate({ authorization: `Bearer ${JWT}`, 'x-litellm-api-key': KEY }, JWT, 'x-litellm-api-key');
    expect(result.ok).toMatchObject({ key_alias: 'team-a', rpm_limit: 60, tpm_limit: 100000 });
  });

  test('a "Bearer " prefix in the key header is accepted', async () => {
    const result = await authenticate({ 'x-litellm-api-key': `Bearer ${KEY}` }, JWT, 'x-litellm-api-key');
    expect(result.ok).toMatchObject({ key_alias: 'team-a' });
  });

  test('the JWT in Authorization is never taken for the key, even if it were a listed one', async () => {
    const result = await authenticate({ authorization: `Bearer ${KEY}` }, KEY, 'x-litellm-api-key');
    expect(result.error).toBe('missing API key: send it in the x-litellm-api-key header (Authorization carries the JWT)');
  });

  test('an unknown key is refused', async () => {
    const result = await authenticate({ 'x-litellm-api-key': 'sk-guess' }, JWT, 'x-litellm-api-key');
    expect(result.error).toBe('invalid API key');
  });

  test("without GATEWAY_API_KEY_HEADER the key is LiteLLM's usual one", async () => {
    expect((await authenticate({}, KEY, undefined)).ok).toMatchObject({ key_alias: 'team-a' });
    expect((await authenticate({}, JWT, undefined)).error).toBe('invalid API key');
  });
});
