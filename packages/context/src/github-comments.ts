import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { z } from "zod";
import { createMemoryContextCache, type ContextCache } from "./cache.js";
import { describeError, statusOf } from "./errors.js";
import { createEmitter, systemClock, type Clock, type ContextEventListener } from "./events.js";
import { commentsOf, fetchPages, PagesEntrySchema, type Comment, type ListParams, type PagesEntry } from "./github-pages.js";
import { newerFirst, parseHandoffMarker, stripHandoffMarkers } from "./handoffs.js";
import { checkedRedactor, redactOption } from "./option-redactor.js";
import { redact as defaultRedact } from "./redact.js";
import { checkRequest, isInstant, parseOptions, type ContextProvider, type ContextRequest, type ContextSegment } from "./segment.js";

const fn = <T>() => z.custom<T>((value) => typeof value === "function");

export const GitHubCommentsProviderOptionsSchema = z.object({
  /** A ready Octokit (bring your own plugins). When absent one is built with throttling and retry. */
  octokit: z.custom<object>((value) => typeof value === "object" && value !== null).optional(),
  /** Token for the built Octokit. */
  auth: z.string().optional(),
  /** REST API root. @default "https://api.github.com" */
  baseUrl: z.string().url().optional(),
  /** Where fetched comments (redacted) and their ETags are kept. @default createMemoryContextCache() */
  cache: z.custom<ContextCache>((v) => typeof v === "object" && v !== null).optional(),
  /** MAX_L2_COMMENTS: at most this many comments (newest first) become segments. @default 20 */
  maxComments: z.number().int().min(0).default(20),
  /** Only comments updated at or after this ISO 8601 time. */
  since: z.iso.datetime({ offset: true }).optional(),
  /** Logins whose comments are always relevant, marker or not; their handoff markers are trusted. @default [] */
  authors: z.array(z.string()).default([]),
  /**
   * Trust handoff markers in comments by the token's own user (looked up once with `GET /user`). A
   * marker by anyone else is ignored: anybody who can comment can write one. @default true
   */
  trustTokenUser: z.boolean().default(true),
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
  /** Receives `context.cache` and `context.fallback` events, each naming the request's run and node. */
  onEvent: fn<ContextEventListener>().optional(),
  /** Applied to comment bodies before they are cached or used, and to event fields. @default redact (this package's) */
  redact: redactOption.optional(),
  /** @default () => new Date() */
  clock: fn<Clock>().optional(),
});
export type GitHubCommentsProviderOptions = Omit<z.input<typeof GitHubCommentsProviderOptionsSchema>, "octokit"> & {
  /** A ready Octokit (bring your own plugins). When absent one is built with throttling and retry. */
  octokit?: Octokit;
};

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function buildOctokit(opts: z.output<typeof GitHubCommentsProviderOptionsSchema>): Octokit {
  const retryWhile = (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < opts.rateLimitRetries;
  return new (Octokit.plugin(throttling, retry))({
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    log: silent,
    throttle: { onRateLimit: retryWhile, onSecondaryRateLimit: retryWhile, retryAfterBaseValue: opts.retryAfterBaseMs },
    // 403/429 are the throttling plugin's (it honours retry-after); the retry plugin takes 5xx.
    retry: { retries: opts.retries, retryAfterBaseValue: opts.retryAfterBaseMs, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
  });
}

/**
 * L2 (warm) provider: comments on the node's GitHub issue or PR that matter to this node: handoffs
 * of upstream agents (a handoff marker, trusted only from `authors` or the token's own user) and
 * comments by `authors`, newest first by instant. Each page is revalidated with its own ETag (a 304
 * costs no rate limit); the cache is hit only when every page is unchanged. Rate limits and retries go
 * through @octokit/plugin-throttling and @octokit/plugin-retry. When GitHub fails, a stale cached copy
 * is used if there is one, else nothing; both are reported as events.
 */
export function createGitHubCommentsProvider(options: GitHubCommentsProviderOptions = {}): ContextProvider {
  const opts = parseOptions("GitHub comments provider options", GitHubCommentsProviderOptionsSchema, options);
  const cache = opts.cache ?? createMemoryContextCache();
  const redact = checkedRedactor(opts.redact ?? defaultRedact, "redact");
  const emit = createEmitter(opts.onEvent, redact, opts.clock ?? systemClock);
  const octokit: Octokit = (opts.octokit as Octokit | undefined) ?? buildOctokit(opts);
  type Scope = { runId: string; nodeId: string };
  const fallback = (scope: Scope, source: string, reason: string, stale: boolean) =>
    emit(scope, { type: "context.fallback", provider: "github-comments", tier: "L2", source, reason, stale });

  // The token's own login, looked up once. Without a token there is nobody to ask; a token that is
  // not a user's (401/403/404) never will be, so that is remembered; other failures ask again.
  const canAskUser = opts.trustTokenUser && (opts.octokit !== undefined || opts.auth !== undefined);
  let self: Promise<string | undefined> | undefined;
  const tokenUser = (scope: Scope, signal?: AbortSignal): Promise<string | undefined> => {
    self ??= octokit.rest.users.getAuthenticated(signal ? { request: { signal } } : {}).then(
      (response) => response.data.login,
      (error: unknown) => {
        const status = statusOf(error);
        if (status !== 401 && status !== 403 && status !== 404) self = undefined;
        fallback(scope, "GET /user", `handoff markers are trusted from authors only: ${describeError(error)}`, false);
        return undefined;
      },
    );
    return self;
  };

  async function load(scope: Scope, params: ListParams, key: string, source: string, signal?: AbortSignal): Promise<Comment[]> {
    const parsed = PagesEntrySchema.safeParse(await cache.get(key));
    const cached = parsed.success ? parsed.data : undefined;
    let fetched: { entry: PagesEntry; fresh: boolean };
    try {
      fetched = await fetchPages(octokit, params, opts.perPage, cached, redact, signal);
    } catch (error) {
      signal?.throwIfAborted();
      emit(scope, { type: "context.cache", provider: "github-comments", tier: "L2", hit: false, source });
      fallback(scope, source, describeError(error), cached !== undefined);
      return cached ? commentsOf(cached) : [];
    }
    emit(scope, { type: "context.cache", provider: "github-comments", tier: "L2", hit: fetched.fresh, source });
    if (!fetched.fresh) {
      // The comments are fresh either way; a cache that cannot be written is reported, not fatal.
      await cache.set(key, fetched.entry).catch((error: unknown) => fallback(scope, source, `cache write failed: ${describeError(error)}`, false));
    }
    return commentsOf(fetched.entry);
  }

  return {
    tier: "L2",
    name: "github-comments",
    async collect(request: ContextRequest): Promise<ContextSegment[]> {
      const { node, runId, upstream = [] } = checkRequest(request);
      const issue = node.issue;
      if (!issue || opts.maxComments === 0) return [];
      const scope = { runId, nodeId: node.id };
      const params: ListParams = {
        owner: issue.owner,
        repo: issue.repo,
        issue_number: issue.number,
        ...(opts.since ? { since: opts.since } : {}),
      };
      const source = `https://github.com/${issue.owner}/${issue.repo}/issues/${issue.number}`;
      const key = `l2:github:${issue.owner}/${issue.repo}#${issue.number}${opts.since ? `?since=${opts.since}` : ""}`;
      const [comments, me] = await Promise.all([
        load(scope, params, key, source, request.signal),
        canAskUser ? tokenUser(scope, request.signal) : undefined,
      ]);
      const agents = new Set(upstream.map((up) => up.agent));
      const authors = new Set(opts.authors);
      const trusted = (login: string) => authors.has(login) || login === me;
      const relevant = comments.flatMap((comment) => {
        const marker = trusted(comment.login) ? parseHandoffMarker(comment.body) : undefined;
        const handoff = marker !== undefined && agents.has(marker.agent);
        return handoff || authors.has(comment.login) ? [{ comment, marker: handoff ? marker : undefined }] : [];
      });
      relevant.sort((a, b) => newerFirst(a.comment.updatedAt, b.comment.updatedAt) || b.comment.id - a.comment.id);
      return relevant.slice(0, opts.maxComments).map(({ comment, marker }, rank) => {
        const by = marker ? `${marker.agent} (node ${marker.nodeId}, @${comment.login})` : `@${comment.login}`;
        return {
          id: `comment:${issue.owner}/${issue.repo}#${issue.number}/${comment.id}`,
          tier: "L2",
          source: comment.url,
          text: `Comment by ${by} at ${comment.updatedAt}:\n${stripHandoffMarkers(comment.body)}`,
          priority: opts.basePriority - rank,
          pinned: false,
          ...(isInstant(comment.updatedAt) ? { createdAt: comment.updatedAt } : {}),
        };
      });
    },
  };
}
