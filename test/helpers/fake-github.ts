import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A local server that answers the GitHub REST endpoints our scripts call, in the shapes GitHub
 * documents (pulls list/create/update, issue labels, issue comments with Link-header
 * pagination), keeps the pull requests and comments it was told about, and records every
 * request. Failures can be scripted per method and path.
 */

export interface FakePull {
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

export interface FakeComment {
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
  readonly body: any;
  readonly authorization: string | undefined;
}

interface ScriptedFailure {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  remaining: number;
}

export class FakeGitHub {
  readonly pulls: FakePull[] = [];
  readonly comments: FakeComment[] = [];
  readonly requests: RecordedRequest[] = [];
  private readonly failures: ScriptedFailure[] = [];
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly owner: string,
    private readonly repo: string,
    private readonly token: string,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The next `times` requests matching method and path get this response instead. */
  failNext(method: string, path: RegExp, status: number, body: unknown, headers: Record<string, string> = {}, times = 1): void {
    this.failures.push({ method, path, status, headers, body, remaining: times });
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
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: text === '' ? undefined : JSON.parse(text),
      authorization: req.headers.authorization,
    };
    this.requests.push(request);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };

    const failure = this.failures.find((f) => f.remaining > 0 && f.method === request.method && f.path.test(request.path));
    if (failure) {
      failure.remaining--;
      send(failure.status, failure.body, failure.headers);
      return;
    }
    if (request.authorization !== `token ${this.token}` && request.authorization !== `Bearer ${this.token}`) {
      send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    const prefix = `/repos/${this.owner}/${this.repo}`;
    const pullNumber = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(request.path);
    const labels = new RegExp(`^${prefix}/issues/(\\d+)/labels$`).exec(request.path);
    const issueComments = new RegExp(`^${prefix}/issues/(\\d+)/comments$`).exec(request.path);
    const comment = new RegExp(`^${prefix}/issues/comments/(\\d+)$`).exec(request.path);

    if (request.method === 'GET' && request.path === `${prefix}/pulls`) {
      const head = request.query.head;
      const state = request.query.state ?? 'open';
      send(
        200,
        this.pulls.filter((p) => (head === undefined || p.head.label === head) && (state === 'all' || p.state === state)),
      );
    } else if (request.method === 'POST' && request.path === `${prefix}/pulls`) {
      const { title, head, base, body } = request.body as { title: string; head: string; base: string; body: string };
      if (this.pulls.some((p) => p.state === 'open' && p.head.ref === head)) {
        send(422, {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${head}.` }],
        });
        return;
      }
      const number = this.pulls.length + 1;
      const pull: FakePull = {
        number,
        state: 'open',
        merged_at: null,
        title,
        body,
        head: { ref: head, label: `${this.owner}:${head}` },
        base: { ref: base },
        html_url: `https://github.example/${this.owner}/${this.repo}/pull/${number}`,
        labels: [],
      };
      this.pulls.push(pull);
      send(201, pull);
    } else if (request.method === 'PATCH' && pullNumber) {
      const pull = this.pulls.find((p) => p.number === Number(pullNumber[1]));
      if (!pull) return send(404, { message: 'Not Found' });
      Object.assign(pull, request.body);
      send(200, pull);
    } else if (request.method === 'POST' && labels) {
      const pull = this.pulls.find((p) => p.number === Number(labels[1]));
      if (!pull) return send(404, { message: 'Not Found' });
      for (const name of (request.body as { labels: string[] }).labels)
        if (!pull.labels.some((l) => l.name === name)) pull.labels.push({ name });
      send(
        200,
        pull.labels.map((l, id) => ({ id, name: l.name, color: 'ededed', default: false })),
      );
    } else if (request.method === 'GET' && issueComments) {
      const all = this.comments.filter((c) => c.issue_number === Number(issueComments[1]));
      const perPage = Number(request.query.per_page ?? 30);
      const page = Number(request.query.page ?? 1);
      const next: Record<string, string> =
        page * perPage < all.length ? { link: `<${this.url}${request.path}?per_page=${perPage}&page=${page + 1}>; rel="next"` } : {};
      send(200, all.slice((page - 1) * perPage, page * perPage), next);
    } else if (request.method === 'POST' && issueComments) {
      const created: FakeComment = {
        id: 1000 + this.comments.length,
        issue_number: Number(issueComments[1]),
        body: (request.body as { body: string }).body,
        user: { login: 'github-actions[bot]', type: 'Bot' },
        html_url: `https://github.example/${this.owner}/${this.repo}/pull/${issueComments[1]}#issuecomment-${1000 + this.comments.length}`,
      };
      this.comments.push(created);
      send(201, created);
    } else if (request.method === 'PATCH' && comment) {
      const existing = this.comments.find((c) => c.id === Number(comment[1]));
      if (!existing) return send(404, { message: 'Not Found' });
      existing.body = (request.body as { body: string }).body;
      send(200, existing);
    } else {
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
  }
}
