import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createResponseHolds } from "./github-server-holds.js";

/** An issue comment as the GitHub REST API returns it (the fields our clients read). */
export interface GitHubComment {
  id: number;
  node_id: string;
  body: string;
  user: { login: string; id: number; type: string };
  html_url: string;
  url: string;
  created_at: string;
  updated_at: string;
}

/** A comment to seed: `body` is required, everything else is filled in. */
export type SeedComment = { body: string } & Partial<Omit<GitHubComment, "user">> & { user?: { login: string } };

/** One request the server received, in arrival order. */
export interface RecordedRequest {
  method: string;
  /** Path with query string, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The response status the server sent. */
  status: number;
}

export interface FailOptions {
  /** Sends a `retry-after` header (seconds). */
  retryAfterSec?: number;
  /** How many following requests fail. @default 1 */
  count?: number;
  /** For 403/429: GitHub's secondary-rate-limit message (else a primary limit with x-ratelimit-remaining 0). @default true */
  secondaryRateLimit?: boolean;
}

/** Who a token is: its comments are authored by `login`. */
export interface TokenIdentity {
  login: string;
  /** A GitHub App's installation token: `GET /user` answers 403 ("Resource not accessible by integration"), as on GitHub. @default false */
  app?: boolean;
}

export interface GitHubServerOptions {
  /** Clock for `created_at`/`updated_at` of new and seeded comments. @default () => new Date() */
  now?: () => Date;
  /** Login of the authenticated user (author of POSTed comments). @default "hybrid-bot" */
  login?: string;
  /** Send weak ETags and answer `If-None-Match` with 304. @default true */
  etags?: boolean;
  /** Tokens that are someone else than `login` (another user, or an App), keyed by the token. @default {} (every token is `login`) */
  tokens?: Record<string, TokenIdentity>;
}

export interface GitHubServer {
  /** Base URL for Octokit's `baseUrl` (http://127.0.0.1:<port>). */
  url: string;
  /** Login of the authenticated user: what `GET /user` answers to a request with a token. */
  login: string;
  /** Comments per issue, keyed `owner/repo#number`, oldest first. Mutate freely. */
  comments: Map<string, GitHubComment[]>;
  requests: RecordedRequest[];
  seedComments(key: string, comments: readonly SeedComment[]): GitHubComment[];
  /** Edits a comment's body as GitHub does: `updated_at` moves to the server's clock. */
  editComment(id: number, body: string): GitHubComment;
  failNext(status: 403 | 429 | 500, options?: FailOptions): void;
  /**
   * The next request `match` accepts is handled as usual (a POSTed comment is stored) but its
   * response is held until `release()`: a client killed meanwhile never learns what GitHub did.
   * `held` resolves with that request once it has been handled. `match` sees every request from
   * now on until one matches; `release()` before that cancels the hold.
   */
  holdNext(match: (request: { method: string; path: string }) => boolean): { held: Promise<RecordedRequest>; release(): void };
  close(): Promise<void>;
}

interface Fault {
  status: 403 | 429 | 500;
  remaining: number;
  retryAfterSec: number | undefined;
  secondary: boolean;
}

const SECONDARY =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";

/**
 * A local GitHub REST server on 127.0.0.1 (port 0) for tests with the real Octokit: list (paginated,
 * `since`, `Link`, a weak ETag on every page, 304 on `If-None-Match`), create, get and update issue
 * comments, `GET /user` (401 without a token, 403 for an App's token), comments authored by the
 * token's identity (`tokens`, else `login`), and fault injection (403 secondary rate limit with
 * `retry-after`, 429, 500).
 */
export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  const now = options.now ?? (() => new Date());
  const login = options.login ?? "hybrid-bot";
  const comments = new Map<string, GitHubComment[]>();
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const holds = createResponseHolds();
  let nextId = 1;
  let remaining = 5000;
  let url = "";

  // The identity of a request's token (`authorization: token <t>` or `bearer <t>`); none: `login`.
  const whoIs = (req: IncomingMessage): TokenIdentity | undefined => {
    const header = req.headers.authorization;
    if (header === undefined) return undefined;
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(header)?.[1] ?? header;
    return options.tokens?.[token] ?? { login };
  };

  const make = (key: string, seed: SeedComment, at: Date): GitHubComment => {
    const id = seed.id ?? nextId++;
    nextId = Math.max(nextId, id + 1);
    const [owner, rest] = key.split("/") as [string, string];
    const [repo, number] = rest.split("#") as [string, string];
    const created = seed.created_at ?? at.toISOString();
    return {
      id,
      node_id: seed.node_id ?? `IC_${id}`,
      body: seed.body,
      user: { login: seed.user?.login ?? login, id: 1, type: /\[bot\]$/.test(seed.user?.login ?? login) ? "Bot" : "User" },
      html_url: seed.html_url ?? `https://github.com/${owner}/${repo}/issues/${number}#issuecomment-${id}`,
      url: seed.url ?? `${url}/repos/${owner}/${repo}/issues/comments/${id}`,
      created_at: created,
      updated_at: seed.updated_at ?? created,
    };
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? "" : JSON.stringify(body);
    const head = {
      "content-type": "application/json; charset=utf-8",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(remaining),
      "x-ratelimit-reset": String(Math.ceil(now().getTime() / 1000) + 3600),
      ...headers,
    };
    const respond = (): void => {
      if (res.destroyed) return;
      res.writeHead(status, head);
      res.end(text);
    };
    holds.respond(res, status, respond);
    return status;
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let data = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (data += chunk));
      req.on("end", () => resolve(data));
      req.on("error", reject);
    });

  const fail = (res: ServerResponse, fault: Fault): number => {
    const headers: Record<string, string> = {};
    if (fault.retryAfterSec !== undefined) headers["retry-after"] = String(fault.retryAfterSec);
    if (fault.status === 500) return send(res, 500, { message: "Server Error" }, headers);
    if (fault.secondary) {
      return send(res, fault.status, { message: SECONDARY, documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits" }, headers);
    }
    remaining = 0;
    const reset = Math.ceil(now().getTime() / 1000) + (fault.retryAfterSec ?? 1);
    return send(res, fault.status, { message: "API rate limit exceeded for 127.0.0.1.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" }, {
      ...headers,
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(reset),
    });
  };

  const list = (req: IncomingMessage, res: ServerResponse, key: string, query: URLSearchParams): number => {
    const perPage = Math.min(100, Math.max(1, Number(query.get("per_page") ?? 30) || 30));
    const page = Math.max(1, Number(query.get("page") ?? 1) || 1);
    const since = query.get("since");
    const all = (comments.get(key) ?? []).filter((c) => since === null || c.updated_at >= since);
    const body = all.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const pageUrl = (n: number) => {
      const next = new URLSearchParams(query);
      next.set("page", String(n));
      return `<${url}${req.url!.split("?")[0]}?${next.toString()}>`;
    };
    const links = [
      ...(page < last ? [`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(last)}; rel="last"`] : []),
      ...(page > 1 ? [`${pageUrl(1)}; rel="first"`, `${pageUrl(page - 1)}; rel="prev"`] : []),
    ];
    const etag = `W/"${createHash("sha1").update(JSON.stringify(body)).digest("hex")}"`;
    const headers: Record<string, string> = {
      ...(options.etags === false ? {} : { etag }),
      ...(links.length > 0 ? { link: links.join(", ") } : {}),
    };
    const match = options.etags === false ? undefined : req.headers["if-none-match"];
    // A conditional hit costs no rate limit, as on GitHub.
    if (match !== undefined && match.split(/\s*,\s*/).includes(etag)) return send(res, 304, undefined, headers);
    remaining = Math.max(0, remaining - 1);
    return send(res, 200, body, headers);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const fault = faults[0];
    if (fault) {
      if (--fault.remaining <= 0) faults.shift();
      return fail(res, fault);
    }
    const parsed = new URL(req.url!, "http://127.0.0.1");
    if (parsed.pathname === "/user" && req.method === "GET") {
      const user = whoIs(req);
      if (user === undefined) return send(res, 401, { message: "Requires authentication" });
      if (user.app) return send(res, 403, { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest/users/users#get-the-authenticated-user" });
      remaining = Math.max(0, remaining - 1);
      return send(res, 200, { login: user.login, id: 1, type: "User" });
    }
    const issue = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(parsed.pathname);
    const single = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(parsed.pathname);
    if (issue) {
      const key = `${issue[1]}/${issue[2]}#${issue[3]}`;
      if (req.method === "GET") return list(req, res, key, parsed.searchParams);
      if (req.method === "POST") {
        let payload: { body?: unknown };
        try {
          payload = JSON.parse(await readBody(req)) as { body?: unknown };
        } catch {
          return send(res, 400, { message: "Problems parsing JSON" });
        }
        if (typeof payload.body !== "string") return send(res, 422, { message: "Validation Failed" });
        const comment = make(key, { body: payload.body, user: { login: whoIs(req)?.login ?? login } }, now());
        comments.set(key, [...(comments.get(key) ?? []), comment]);
        remaining = Math.max(0, remaining - 1);
        return send(res, 201, comment, { location: comment.url });
      }
    }
    if (single) {
      const id = Number(single[3]);
      const found = [...comments.values()].flat().find((c) => c.id === id);
      if (!found) return send(res, 404, { message: "Not Found" });
      if (req.method === "GET") return send(res, 200, found);
      if (req.method === "PATCH") {
        const payload = JSON.parse((await readBody(req)) || "{}") as { body?: unknown };
        if (typeof payload.body === "string") {
          found.body = payload.body;
          found.updated_at = now().toISOString();
        }
        return send(res, 200, found);
      }
    }
    return send(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  };

  const server = createServer((req, res) => {
    const entry: RecordedRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, status: 0 };
    requests.push(entry);
    holds.claim(entry, res);
    handle(req, res).then(
      (status) => (entry.status = status),
      () => (entry.status = send(res, 500, { message: "test server error" })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const editComment = (id: number, body: string): GitHubComment => {
    const found = [...comments.values()].flat().find((c) => c.id === id);
    if (!found) throw new Error(`no comment ${id}`);
    found.body = body;
    found.updated_at = now().toISOString();
    return found;
  };

  return {
    url,
    login,
    comments,
    requests,
    editComment,
    seedComments(key, seeds) {
      const base = now().getTime();
      const made = seeds.map((seed, i) => make(key, seed, new Date(base + i * 1000)));
      comments.set(key, [...(comments.get(key) ?? []), ...made]);
      return made;
    },
    holdNext: holds.holdNext,
    failNext(status, fail = {}) {
      faults.push({
        status,
        remaining: fail.count ?? 1,
        retryAfterSec: fail.retryAfterSec,
        secondary: fail.secondaryRateLimit ?? true,
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
