import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { z } from "zod";
import { createMemoryContextCache, type ContextCache } from "./cache.js";
import { systemClock, type Clock, type ContextEventListener } from "./events.js";
import { parseHandoffMarker, stripHandoffMarkers } from "./handoffs.js";
import { parseOptions, type ContextProvider, type ContextRequest, type ContextSegment } from "./segment.js";

const fn = <T>() => z.custom<T>((value) => typeof value === "function");

export const GitHubCommentsProviderOptionsSchema = z.object({
  /** A ready Octokit (bring your own plugins). When absent one is built with throttling and retry. */
  octokit: z.custom<object>((value) => typeof value === "object" && value !== null).optional(),
  /** Token for the built Octokit. */
  auth: z.string().optional(),
  /** REST API root. @default "https://api.github.com" */
  baseUrl: z.string().url().optional(),
  /** Where fetched comments and their ETags are kept. @default createMemoryContextCache() */
  cache: z.custom<ContextCache>((v) => typeof v === "object" && v !== null).optional(),
  /** MAX_L2_COMMENTS: at most this many comments (newest first) become segments. @default 20 */
  maxComments: z.number().int().min(0).default(20),
  /** Only comments updated at or after this ISO 8601 time. */
  since: z.iso.datetime({ offset: true }).optional(),
  /** Logins whose comments are always relevant, marker or not. @default [] */
  authors: z.array(z.string()).default([]),
  /** Page size for listing. @default 100 */
  perPage: z.number().int().min(1).max(100).default(100),
  /** Retries of 5xx and network errors by @octokit/plugin-retry. @default 3 */
  retries: z.number().int().min(0).default(3),
  /** Times a rate-limited request (403/429 with `retry-after`) is retried by the throttling plugin. @default 2 */
  rateLimitRetries: z.number().int().min(0).default(2),
  /** Base of retry delays in ms (retry-after seconds and backoff steps are multiplied by it). @default 1000 */
  retryAfterBaseMs: z.number().int().min(0).default(1000),
  /** Priority of the newest comment; each older one gets one less. @default 1500 */
  basePriority: z.number().default(1500),
  onEvent: fn<ContextEventListener>().optional(),
  /** @default () => new Date() */
  clock: fn<Clock>().optional(),
});
export type GitHubCommentsProviderOptions = Omit<z.input<typeof GitHubCommentsProviderOptionsSchema>, "octokit"> & {
  /** A ready Octokit (bring your own plugins). When absent one is built with throttling and retry. */
  octokit?: Octokit;
};

const CommentSchema = z.object({
  id: z.number(),
  login: z.string(),
  body: z.string(),
  url: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type Comment = z.infer<typeof CommentSchema>;

const EntrySchema = z.object({
  etag: z.string().optional(),
  /** The page whose ETag we hold: the last one, or the empty one after a full last page. */
  probePage: z.number().int().min(1),
  comments: z.array(CommentSchema),
});
type Entry = z.infer<typeof EntrySchema>;

interface RawComment {
  id: number;
  user?: { login?: string } | null;
  body?: string | null;
  html_url: string;
  created_at: string;
  updated_at: string;
}

const toComment = (raw: RawComment): Comment => ({
  id: raw.id,
  login: raw.user?.login ?? "ghost",
  body: raw.body ?? "",
  url: raw.html_url,
  createdAt: raw.created_at,
  updatedAt: raw.updated_at,
});

const statusOf = (error: unknown): number | undefined =>
  typeof error === "object" && error !== null && typeof (error as { status?: unknown }).status === "number"
    ? (error as { status: number }).status
    : undefined;

/** A one-line reason for a failed request: `HTTP 500: message`, or the message alone. */
export function reasonOf(error: unknown): string {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return status === undefined ? message : `HTTP ${status}: ${message}`;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * L2 (warm) provider: comments on the node's GitHub issue or PR, filtered by the agent chain
 * (handoff markers of upstream agents, or listed authors) and recency. Listing uses `since` and
 * `octokit.paginate`; refreshes are conditional on the stored ETag (a 304 is a cache hit and costs no
 * rate limit). Rate limits and retries go through @octokit/plugin-throttling and @octokit/plugin-retry.
 * When GitHub fails, a stale cached copy is used if there is one, else nothing; both are reported.
 */
export function createGitHubCommentsProvider(options: GitHubCommentsProviderOptions = {}): ContextProvider {
  const opts = parseOptions("GitHub comments provider options", GitHubCommentsProviderOptionsSchema, options);
  const cache = opts.cache ?? createMemoryContextCache();
  const clock = opts.clock ?? systemClock;
  const emit = opts.onEvent ?? (() => {});
  const retryWhile = (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < opts.rateLimitRetries;
  const octokit: Octokit =
    (opts.octokit as Octokit | undefined) ??
    new (Octokit.plugin(throttling, retry))({
      ...(opts.auth ? { auth: opts.auth } : {}),
      ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
      log: silent,
      throttle: {
        onRateLimit: retryWhile,
        onSecondaryRateLimit: retryWhile,
        retryAfterBaseValue: opts.retryAfterBaseMs,
      },
      // 403/429 are the throttling plugin's (it honours retry-after); the retry plugin takes 5xx.
      retry: {
        retries: opts.retries,
        retryAfterBaseValue: opts.retryAfterBaseMs,
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
    });

  async function fetchAll(params: ListParams, signal: AbortSignal | undefined): Promise<Entry> {
    let pages = 0;
    let etag: string | undefined;
    let lastCount = 0;
    const raw = (await octokit.paginate(
      octokit.rest.issues.listComments,
      { ...params, per_page: opts.perPage, ...(signal ? { request: { signal } } : {}) },
      (response) => {
        pages++;
        etag = response.headers.etag;
        lastCount = response.data.length;
        return response.data;
      },
    )) as RawComment[];
    let probePage = pages;
    if (lastCount === opts.perPage) {
      // A full last page would not change when a comment is added: watch the next (empty) page.
      probePage = pages + 1;
      const next = await octokit.rest.issues.listComments({ ...params, per_page: opts.perPage, page: probePage });
      etag = next.headers.etag;
    }
    return { ...(etag ? { etag } : {}), probePage, comments: raw.map(toComment) };
  }

  async function load(params: ListParams, key: string, source: string, signal?: AbortSignal): Promise<Comment[]> {
    const event = (hit: boolean) => emit({ type: "context.cache", tier: "L2", hit, source, at: clock().toISOString() });
    const parsed = EntrySchema.safeParse(await cache.get(key));
    const cached = parsed.success ? parsed.data : undefined;
    if (cached?.etag) {
      try {
        await octokit.rest.issues.listComments({
          ...params,
          per_page: opts.perPage,
          page: cached.probePage,
          headers: { "if-none-match": cached.etag },
          ...(signal ? { request: { signal } } : {}),
        });
      } catch (error) {
        if (statusOf(error) === 304) {
          event(true);
          return cached.comments;
        }
        event(false);
        return fallback(cached, source, reasonOf(error));
      }
    }
    event(false);
    try {
      const entry = await fetchAll(params, signal);
      await cache.set(key, entry);
      return entry.comments;
    } catch (error) {
      return fallback(cached, source, reasonOf(error));
    }
  }

  function fallback(cached: Entry | undefined, source: string, reason: string): Comment[] {
    const stale = cached !== undefined;
    emit({ type: "context.fallback", tier: "L2", source, reason, stale, at: clock().toISOString() });
    return cached?.comments ?? [];
  }

  return {
    tier: "L2",
    name: "github-comments",
    async collect(request: ContextRequest): Promise<ContextSegment[]> {
      const issue = request.node.issue;
      if (!issue || opts.maxComments === 0) return [];
      const params: ListParams = {
        owner: issue.owner,
        repo: issue.repo,
        issue_number: issue.number,
        ...(opts.since ? { since: opts.since } : {}),
      };
      const source = `https://github.com/${issue.owner}/${issue.repo}/issues/${issue.number}`;
      const key = `l2:github:${issue.owner}/${issue.repo}#${issue.number}${opts.since ? `?since=${opts.since}` : ""}`;
      const comments = await load(params, key, source, request.signal);
      const agents = new Set((request.upstream ?? []).map((up) => up.agent));
      const authors = new Set(opts.authors);
      const relevant = comments.filter((comment) => {
        const marker = parseHandoffMarker(comment.body);
        return (marker !== undefined && agents.has(marker.agent)) || authors.has(comment.login);
      });
      relevant.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : b.id - a.id));
      return relevant.slice(0, opts.maxComments).map((comment, rank) => {
        const marker = parseHandoffMarker(comment.body);
        const by = marker ? `${marker.agent} (node ${marker.nodeId}, @${comment.login})` : `@${comment.login}`;
        return {
          id: `comment:${issue.owner}/${issue.repo}#${issue.number}/${comment.id}`,
          tier: "L2",
          source: comment.url,
          text: `Comment by ${by} at ${comment.updatedAt}:\n${stripHandoffMarkers(comment.body)}`,
          priority: opts.basePriority - rank,
          pinned: false,
          createdAt: comment.updatedAt,
        };
      });
    },
  };
}

interface ListParams {
  owner: string;
  repo: string;
  issue_number: number;
  since?: string;
}
