import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';

/*
 * The guard's calls to the Kubernetes API (GET and JSON Patch), as a pod makes them: the API
 * server from KUBERNETES_SERVICE_HOST and _PORT, the service account's token (read on each call:
 * the kubelet rotates it) and the cluster's CA from the token's directory.
 */

export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface KubeApi {
  get(apiPath: string): Promise<unknown>;
  jsonPatch(apiPath: string, operations: readonly unknown[]): Promise<unknown>;
}

export function inClusterApi(env: NodeJS.ProcessEnv, tokenDir: string, timeoutMs: number): KubeApi {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: the guard runs in a pod (or is given the API server by it)');
  const ca = readFileSync(path.join(tokenDir, 'ca.crt'));
  const call = (method: string, apiPath: string, body?: string, contentType?: string) =>
    new Promise<unknown>((resolve, reject) => {
      const token = readFileSync(path.join(tokenDir, 'token'), 'utf8').trim();
      const req = request(
        {
          hostname: host,
          port,
          path: apiPath,
          method,
          ca,
          timeout: timeoutMs,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              let message = text.slice(0, 300);
              try {
                message = (JSON.parse(text) as { message?: string }).message ?? message;
              } catch {
                // not a Status object: keep the text
              }
              reject(new KubeApiError(`${method} ${apiPath}: HTTP ${status}: ${message}`, status));
              return;
            }
            resolve(JSON.parse(text));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath}: no answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  return {
    get: (apiPath) => call('GET', apiPath),
    jsonPatch: (apiPath, operations) => call('PATCH', apiPath, JSON.stringify(operations), 'application/json-patch+json'),
  };
}
