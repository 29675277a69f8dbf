import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A stand-in for GitHub: a local server that answers the GitHub REST endpoints promote and
 * pr-report call, in the shapes GitHub documents (pulls list/create/update, issue labels, issue
 * comments with Link-header pagination), keeps the pull requests and comments it was told about,
 * and records every request. It accepts one token and one repository, and nothing leaves the
 * machine. `npm run sandbox` runs the real commands against it; the tests script faults per
 * method and path: a status, body and headers in place of the answer, a delay, or "succeed on
 * the server, then fail" (the change is made and the answer lost, as when a proxy times out);
 * hooks run before a request is handled (to move a branch mid-run, or hold requests until a
 * concurrent run catches up).
 */

export interface StandInPull {
  number: number;
  state: 'open' | 'closed';
  merged_at: string | null;
  title: string;
  body: string;
  head: { ref: string; label: string };
  base: { ref: string };
  html_url: string;
  labels: Array<{ name: string }>;
}

export interface StandInComment {
  id: number;
  issue_number: number;
  body: string;
  user: { login: string; type: 'User' | 'Bot' };
  html_url: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly authorization: string | undefined;
}

export interface Fault {
  readonly method: string;
  readonly path: RegExp;
  /** Answer with this status (and body, headers) instead; omitted: the real answer, delayed. */
  readonly status?: number;
  readonly body?: unknown;
  /** Headers, or a function giving them when the request arrives (a rate-limit reset time). */
  readonly headers?: Record<string, string> | (() => Record<string, string>);
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Handle the request first (the change happens), then answer with the fault. */
  readonly afterSuccess?: boolean;
  /** How many matching requests get the fault (default 1). */
  readonly times?: number;
}

interface ArmedFault extends Fault {
  remaining: number;
}

interface Hook {
  readonly method: string;
  readonly path: RegExp;
  readonly run: (request: RecordedRequest) => Promise<void> | void;
  remaining: number;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export class GitHubStandIn {
  readonly pulls: StandInPull[] = [];
  readonly comments: StandInComment[] = [];
  readonly requests: RecordedRequest[] = [];
  private readonly faults: ArmedFault[] = [];
  private readonly hooks: Hook[] = [];
  private nextCommentId = 1000;
  private nextPullNumber = 1;
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly owner: string,
    private readonly repo: string,
    private readonly token: string,
  ) {}

  /** Listens on 127.0.0.1, on a free port unless one is given; `url` is then its address. */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** The next `times` requests matching method and path get this response instead. */
  failNext(method: string, path: RegExp, status: number, body: unknown, headers: Record<string, string> = {}, times = 1): void {
    this.fault({ method, path, status, body, headers, times });
  }

  /** Scripts a fault for the next matching requests (see Fault). */
  fault(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** GitHub recovers: no scripted fault is left. */
  clearFaults(): void {
    this.faults.splice(0);
  }

  /** Runs `run` before handling each of the next `times` matching requests (after any await in it). */
  beforeRequest(method: string, path: RegExp, run: Hook['run'], times = 1): void {
    this.hooks.push({ method, path, run, remaining: times });
  }

  /** A PR as GitHub would hold it (opened by us or by someone else earlier). */
  addPull(pull: { title: string; head: string; base: string; body: string; state?: 'open' | 'closed' }): StandInPull {
    const number = this.nextPullNumber++;
    const created: StandInPull = {
      number,
      state: pull.state ?? 'open',
      merged_at: null,
      title: pull.title,
      body: pull.body,
      head: { ref: pull.head, label: `${this.owner}:${pull.head}` },
      base: { ref: pull.base },
      html_url: `https://github.example/${this.owner}/${this.repo}/pull/${number}`,
      labels: [],
    };
    this.pulls.push(created);
    return created;
  }

  /** Requests that change something on GitHub. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const send = (answer: Answer) => {
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    };
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      send({ status: 400, body: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest' } });
      return;
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization: req.headers.authorization,
    };
    this.requests.push(request);
    const hook = this.hooks.find((h) => h.remaining > 0 && h.method === request.method && h.path.test(request.path));
    if (hook) {
      hook.remaining--;
      await hook.run(request);
    }
    const fault = this.faults.find((f) => f.remaining > 0 && f.method === request.method && f.path.test(request.path));
    if (fault) fault.remaining--;
    const answer = fault?.status !== undefined && !fault.afterSuccess ? undefined : this.answer(request);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (res.destroyed || req.socket.destroyed) return;
    const headers = typeof fault?.headers === 'function' ? fault.headers() : (fault?.headers ?? {});
    send(fault?.status !== undefined ? { status: fault.status, body: fault.body ?? {}, headers } : answer!);
  }

  /** What GitHub answers (and does) for a request that reaches it. */
  private answer(request: RecordedRequest): Answer {
    if (request.authorization !== `token ${this.token}` && request.authorization !== `Bearer ${this.token}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
    }
    const prefix = `/repos/${this.owner}/${this.repo}`;
    const pullNumber = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(request.path);
    const labels = new RegExp(`^${prefix}/issues/(\\d+)/labels$`).exec(request.path);
    const issueComments = new RegExp(`^${prefix}/issues/(\\d+)/comments$`).exec(request.path);
    const comment = new RegExp(`^${prefix}/issues/comments/(\\d+)$`).exec(request.path);

    if (request.method === 'GET' && request.path === `${prefix}/pulls`) {
      const head = request.query.head;
      const state = request.query.state ?? 'open';
      const found = this.pulls.filter((p) => (head === undefined || p.head.label === head) && (state === 'all' || p.state === state));
      return { status: 200, body: found };
    }
    if (request.method === 'POST' && request.path === `${prefix}/pulls`) {
      const { title, head, base, body } = request.body as { title: string; head: string; base: string; body: string };
      if (this.pulls.some((p) => p.state === 'open' && p.head.ref === head)) {
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${head}.` }],
            documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
          },
        };
      }
      return { status: 201, body: this.addPull({ title, head, base, body }) };
    }
    if (request.method === 'PATCH' && pullNumber) {
      const pull = this.pulls.find((p) => p.number === Number(pullNumber[1]));
      if (!pull) return NOT_FOUND;
      Object.assign(pull, request.body);
      return { status: 200, body: pull };
    }
    if (request.method === 'POST' && labels) {
      const pull = this.pulls.find((p) => p.number === Number(labels[1]));
      if (!pull) return NOT_FOUND;
      for (const name of (request.body as { labels: string[] }).labels)
        if (!pull.labels.some((l) => l.name === name)) pull.labels.push({ name });
      return { status: 200, body: pull.labels.map((l, id) => ({ id, name: l.name, color: 'ededed', default: false })) };
    }
    if (request.method === 'GET' && issueComments) {
      const all = this.comments.filter((c) => c.issue_number === Number(issueComments[1]));
      const perPage = Number(request.query.per_page ?? 30);
      const page = Number(request.query.page ?? 1);
      const next: Record<string, string> =
        page * perPage < all.length ? { link: `<${this.url}${request.path}?per_page=${perPage}&page=${page + 1}>; rel="next"` } : {};
      return { status: 200, body: all.slice((page - 1) * perPage, page * perPage), headers: next };
    }
    if (request.method === 'POST' && issueComments) {
      const id = this.nextCommentId++;
      const created: StandInComment = {
        id,
        issue_number: Number(issueComments[1]),
        body: (request.body as { body: string }).body,
        user: { login: 'github-actions[bot]', type: 'Bot' },
        html_url: `https://github.example/${this.owner}/${this.repo}/pull/${issueComments[1]}#issuecomment-${id}`,
      };
      this.comments.push(created);
      return { status: 201, body: created };
    }
    if (request.method === 'PATCH' && comment) {
      const existing = this.comments.find((c) => c.id === Number(comment[1]));
      if (!existing) return NOT_FOUND;
      existing.body = (request.body as { body: string }).body;
      return { status: 200, body: existing };
    }
    return NOT_FOUND;
  }
}

const NOT_FOUND: Answer = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
