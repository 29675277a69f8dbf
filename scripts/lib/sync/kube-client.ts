import { Agent, request } from 'node:https';
import type { ApiServerEndpoint } from './api-server.js';

/** A Kubernetes object as read from a manifest. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** What the API server answered to a request that failed: its status and its own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A kind the API server does not serve (yet): what kubectl and Argo CD say "no matches for kind". */
export class UnknownKindError extends Error {}

export interface ApplyOptions {
  /** Validate and admit, persist nothing (kubectl's --dry-run=server). */
  readonly dryRun?: boolean;
  /** The field manager, as the GitOps engine would apply. */
  readonly fieldManager: string;
}

/**
 * The few REST calls the replay needs, on one keep-alive connection: discovery (which kinds the
 * API server serves, and their resource names) and server-side apply with strict field
 * validation, as kubectl apply --server-side does. @kubernetes/client-node's object API cannot
 * ask for fieldValidation=Strict, without which unknown fields are only warnings.
 */
export class KubeClient {
  private readonly agent: Agent;
  private readonly groupVersions = new Map<string, ApiResource[] | null>();

  constructor(private readonly endpoint: ApiServerEndpoint) {
    this.agent = new Agent({ ca: endpoint.caPem, keepAlive: true, maxSockets: 4 });
  }

  close(): void {
    this.agent.destroy();
  }

  async call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; json: unknown }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.endpoint.server}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.endpoint.token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': contentType }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => {
            let json: unknown = text;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              // A plain-text answer (404 page not found): keep the text.
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Forget what discovery said (after CRDs were installed, a group may serve more kinds). */
  refreshDiscovery(): void {
    this.groupVersions.clear();
  }

  private async resourcesOf(apiVersion: string): Promise<ApiResource[] | null> {
    if (!this.groupVersions.has(apiVersion)) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const answer = await this.call('GET', path);
      const list =
        answer.status === 200
          ? ((answer.json as { resources?: ApiResource[] }).resources ?? []).filter((r) => !r.name.includes('/'))
          : null;
      this.groupVersions.set(apiVersion, list);
    }
    return this.groupVersions.get(apiVersion)!;
  }

  /** The API server's resource for a kind, or undefined when it serves no such kind. */
  async resource(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    return (await this.resourcesOf(apiVersion))?.find((r) => r.kind === kind);
  }

  /** The REST path of an object (its collection when `named` is false). */
  async pathOf(object: KubeObject, named = true): Promise<string> {
    const resource = await this.resource(object.apiVersion, object.kind);
    if (!resource) throw new UnknownKindError(`no matches for kind "${object.kind}" in version "${object.apiVersion}"`);
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(object.metadata.namespace ?? 'default')}` : '';
    return `${base}${scope}/${resource.name}${named ? `/${encodeURIComponent(object.metadata.name)}` : ''}`;
  }

  /** Server-side apply, forcing ownership as the GitOps engine does; throws ApiError with the server's message. */
  async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const query = new URLSearchParams({ fieldManager: options.fieldManager, force: 'true', fieldValidation: 'Strict' });
    if (options.dryRun) query.set('dryRun', 'All');
    const answer = await this.call(
      'PATCH',
      `${await this.pathOf(object)}?${query}`,
      JSON.stringify(object),
      'application/apply-patch+yaml',
    );
    if (answer.status >= 200 && answer.status < 300) return answer.json as KubeObject;
    throw statusError(answer.status, answer.json);
  }

  /**
   * Installs CRDs as a chart or an operator would, and waits until the API server serves their
   * kinds (Established), as objects of those kinds can only be applied then.
   */
  async installCrds(crds: readonly KubeObject[], fieldManager: string, timeoutMs = 30_000): Promise<void> {
    for (const crd of crds) await this.apply(crd, { fieldManager });
    const deadline = performance.now() + timeoutMs;
    for (const crd of crds) {
      for (;;) {
        const current = (await this.get(crd)) as
          { status?: { conditions?: Array<{ type: string; status: string; message?: string }> } } | undefined;
        const conditions = current?.status?.conditions ?? [];
        if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
        const refused = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
        if (refused) throw new ApiError(409, 'NamesNotAccepted', `CRD ${crd.metadata.name}: ${refused.message ?? 'names not accepted'}`);
        if (performance.now() > deadline)
          throw new ApiError(504, 'Timeout', `CRD ${crd.metadata.name} was not Established after ${timeoutMs / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    // Established is not yet discoverable: a new group's /apis/<group>/<version> follows a moment later.
    for (const crd of crds) {
      const spec = crd.spec as { group: string; names: { kind: string }; versions: Array<{ name: string; served: boolean }> };
      for (const version of spec.versions.filter((v) => v.served)) {
        for (;;) {
          this.refreshDiscovery();
          if (await this.resource(`${spec.group}/${version.name}`, spec.names.kind)) break;
          if (performance.now() > deadline)
            throw new ApiError(
              504,
              'Timeout',
              `CRD ${crd.metadata.name} is Established but ${spec.group}/${version.name} ${spec.names.kind} is not discoverable after ${timeoutMs / 1000} s`,
            );
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
    }
    this.refreshDiscovery();
  }

  async get(object: KubeObject): Promise<KubeObject | undefined> {
    const answer = await this.call('GET', await this.pathOf(object));
    if (answer.status === 404) return undefined;
    if (answer.status === 200) return answer.json as KubeObject;
    throw statusError(answer.status, answer.json);
  }
}

function statusError(status: number, json: unknown): ApiError {
  if (typeof json === 'object' && json !== null && 'message' in json) {
    const s = json as { message: string; reason?: string };
    return new ApiError(status, s.reason ?? '', s.message);
  }
  return new ApiError(status, '', typeof json === 'string' && json !== '' ? json.trim() : `HTTP ${status}`);
}
