import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { TimeoutError, checkedRedact } from "@hybrid/resilience";
import Bottleneck from "bottleneck";
import { z } from "zod";
import { parseOptions } from "./errors.js";
import { untilAborted } from "./abort.js";
import { RedactOptionSchema } from "./handoff-support.js";
import { handoffMarker, handoffMarkerPrefix } from "./handoff.js";
import type { HandoffEntry, HandoffIssue, HandoffSink } from "./handoff.js";
import { createLedgerSink } from "./ledger-sink.js";
import { createCommentTrust } from "./github-identity.js";

const isFunction = (value: unknown): boolean => typeof value === "function";

/** Options of `createGitHubSink`. */
export const GitHubSinkOptionsSchema = z.strictObject({
  /** A ready Octokit (with `rest.issues` and `rest.users`); when given, auth/baseUrl/retry/spacing options are ignored. @default one built with the throttling and retry plugins */
  octokit: z.custom<object>((value) => typeof value === "object" && value !== null).optional(),
  /** Token for the Octokit this sink builds. @default undefined (anonymous) */
  auth: z.string().optional(),
  /**
   * The login this sink posts as; only its comments and those of `authors` are searched for an
   * existing handoff. Needed with a GitHub App's installation token (`<app>[bot]`), which `GET /user` refuses;
   * it must be the login the token really posts as, or a restart will not find its comments.
   * @default the token's own user, asked once with `GET /user`
   */
  identity: z.string().min(1).optional(),
  /** Other logins whose handoff markers count as this sink's (another hybrid bot of the team). @default [] */
  authors: z.array(z.string().min(1)).default([]),
  /** REST API root. @default "https://api.github.com" */
  baseUrl: z.string().url().default("https://api.github.com"),
  /** How many times a primary or secondary rate limit is waited out (honouring `retry-after`). @default 3 */
  rateLimitRetries: z.number().int().nonnegative().default(3),
  /** How many times a 5xx (or other retryable status) is retried. @default 3 */
  retries: z.number().int().nonnegative().default(3),
  /** Milliseconds per second of `retry-after` and per unit of retry back-off (tests shrink it). @default 1000 */
  retryAfterBaseMs: z.number().nonnegative().default(1000),
  /**
   * Minimum time between two comments (and other writes) this sink posts. GitHub asks integrators
   * to space content-creating requests; by default the throttling plugin does it for the whole
   * process (writes 1 s apart, comments 3 s). Given, this sink keeps its own spacing (tests: 0).
   * @default undefined (the plugin's process-wide spacing)
   */
  writeIntervalMs: z.number().int().nonnegative().optional(),
  /**
   * Bound of one `record` call, retries and rate-limit waits included; past it the handoff goes to
   * the fallback (or fails). Below the controller's `handoffTimeoutMs` (30 s), so the fallback has
   * time to write before the controller gives up on the sink.
   * @default 20000
   */
  timeoutMs: z.number().int().positive().default(20_000),
  /** On a timeout, or an error left after the retries, record the handoff in the fallback (with the GitHub error) instead of failing. @default true */
  fallbackOnError: z.boolean().default(true),
  /** Where handoffs of nodes without an `issue` go, and those GitHub failed (`fallbackOnError`). @default createLedgerSink({ dir: ledgerDir, redact }) */
  fallback: z.custom<HandoffSink>((value) => typeof value === "object" && value !== null && isFunction((value as HandoffSink).record)).optional(),
  /** Directory of the default fallback ledger. @default ".hybrid" */
  ledgerDir: z.string().min(1).default(".hybrid"),
  /** Applied to every text written (comment text, agent, summary; not the key or ids). Required. */
  redact: RedactOptionSchema,
  /** User agent of the Octokit this sink builds. @default "hybrid-dispatch" */
  userAgent: z.string().default("hybrid-dispatch"),
});

/** Options of `createGitHubSink` (see `GitHubSinkOptionsSchema` for defaults). */
export interface GitHubSinkOptions extends Omit<z.input<typeof GitHubSinkOptionsSchema>, "octokit"> {
  octokit?: Octokit;
}

type Config = z.output<typeof GitHubSinkOptionsSchema>;

const ThrottledOctokit = Octokit.plugin(throttling, retry);

function buildOctokit(config: Config): Octokit {
  const spacing =
    config.writeIntervalMs === undefined
      ? {}
      : {
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: config.writeIntervalMs }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: config.writeIntervalMs }),
        };
  return new ThrottledOctokit({
    auth: config.auth,
    baseUrl: config.baseUrl,
    userAgent: config.userAgent,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    throttle: {
      retryAfterBaseValue: config.retryAfterBaseMs,
      onRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount < config.rateLimitRetries,
      onSecondaryRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < config.rateLimitRetries,
      ...spacing,
    },
    retry: { retries: config.retries, retryAfterBaseValue: config.retryAfterBaseMs },
  });
}

/** Builds the comment body: the marker first, then a short human summary. */
function commentBody(entry: HandoffEntry, redact: (text: string) => string): string {
  const when = new Date(entry.at).toISOString();
  return [
    handoffMarker({ ...entry, agent: redact(entry.agent) }),
    redact(`**hybrid handoff**: node \`${entry.nodeId}\` by agent \`${entry.agent}\` (run \`${entry.runId}\`) at ${when}`),
    "",
    redact(entry.summary),
  ].join("\n");
}

const describeError = (error: unknown): string => {
  const status = (error as { status?: unknown } | null)?.status;
  const message = error instanceof Error ? error.message : String(error);
  return `GitHub${typeof status === "number" ? ` ${status}` : ""}: ${message}`;
};

/** One key's record in progress, shared by every concurrent caller of that key. */
interface Flight {
  promise: Promise<{ url: string }>;
  /** Aborted when every caller has stopped waiting: the requests stop too. */
  abandoned: AbortController;
  waiters: number;
}

/**
 * Records each handoff as a comment on the node's GitHub issue, through Octokit with the throttling
 * and retry plugins (rate limits are waited out per `retry-after`, 5xx retried). The comment starts
 * with a hidden marker carrying the idempotency key; before posting, the sink lists the issue's
 * comments and reuses the one with that key, so a retry or a restart never posts twice, while a new
 * key (a forced re-run of a changed node) posts a new comment with its new summary. Only markers in
 * comments by the sink's own login (`identity`, else the token's user from `GET /user`, asked once)
 * or by `authors` count: anybody who can comment could forge one and so suppress a handoff or an
 * escalation. When `GET /user` refuses the token (401/403/404) and no `identity` is given, the sink
 * posts nothing and the handoff goes to the fallback with a `GitHubIdentityError`. Concurrent
 * records of one key in this sink share one post (other processes are not coordinated: GitHub has
 * no lock). Nodes without an issue go to the fallback (the ledger). A call is bounded by
 * `timeoutMs`; on a timeout or a failure after the retries the handoff is recorded in the fallback,
 * its record carrying the GitHub error, and the ledger URL is returned (`fallbackOnError: false`
 * rejects instead). A call whose signal aborts rejects at once; when no caller waits any more the
 * requests are aborted, and a later call starts afresh.
 *
 * @example
 * const sink = createGitHubSink({ auth: process.env.GITHUB_TOKEN, redact });
 */
export function createGitHubSink(options: GitHubSinkOptions): HandoffSink {
  const config = parseOptions("GitHub sink", GitHubSinkOptionsSchema, options);
  const redact = checkedRedact(config.redact, "GitHub sink redact");
  const fallback = config.fallback ?? createLedgerSink({ dir: config.ledgerDir, redact: config.redact });
  const octokit: Octokit = (config.octokit as Octokit | undefined) ?? buildOctokit(config);
  const trust = createCommentTrust(octokit, { identity: config.identity, authors: config.authors });
  // URLs this instance has recorded; the marker search covers other instances and restarts.
  const seen = new Map<string, string>();
  const flights = new Map<string, Flight>();

  const post = async (entry: HandoffEntry, issue: HandoffIssue, signal: AbortSignal): Promise<{ url: string }> => {
    const prefix = handoffMarkerPrefix(entry.idempotencyKey);
    const { owner, repo, number } = issue;
    const request = { signal };
    const ours = await trust.trusted(signal);
    // Page by page, by hand: octokit.paginate drops the per-request options, and with them the signal.
    for (let page = 1; ; page++) {
      const { data, headers } = await octokit.rest.issues.listComments({ owner, repo, issue_number: number, per_page: 100, page, request });
      const hit = data.find((comment) => comment.body?.startsWith(prefix) && ours(comment.user?.login));
      if (hit) return { url: hit.html_url };
      if (!/\brel="next"/.test(headers.link ?? "")) break;
    }
    const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body: commentBody(entry, redact), request });
    return { url: created.data.html_url };
  };

  const fly = (entry: HandoffEntry, issue: HandoffIssue): Flight => {
    const abandoned = new AbortController();
    const timedOut = new AbortController();
    const timer = setTimeout(() => timedOut.abort(new TimeoutError(config.timeoutMs, { what: "GitHub handoff" })), config.timeoutMs);
    const requests = AbortSignal.any([abandoned.signal, timedOut.signal]);
    const attempt = async (): Promise<{ url: string }> => {
      try {
        return await untilAborted(post(entry, issue, requests), requests);
      } catch (error) {
        // Nobody waits any more, or this sink must not fall back: fail.
        if (abandoned.signal.aborted || !config.fallbackOnError) throw error;
        const reason = timedOut.signal.aborted ? timedOut.signal.reason : error;
        return fallback.record({ ...entry, fallbackReason: describeError(reason) }, { signal: abandoned.signal });
      } finally {
        clearTimeout(timer);
      }
    };
    const flight: Flight = { promise: attempt(), abandoned, waiters: 0 };
    flight.promise.then(
      (result) => seen.set(entry.idempotencyKey, result.url),
      () => undefined,
    ).finally(() => {
      if (flights.get(entry.idempotencyKey) === flight) flights.delete(entry.idempotencyKey);
    });
    return flight;
  };

  const join = (flight: Flight, key: string, signal: AbortSignal | undefined): Promise<{ url: string }> => {
    flight.waiters++;
    const leave = (): void => {
      if (--flight.waiters > 0) return;
      // The last caller left: stop the requests; a later record of the key starts a new flight.
      if (flights.get(key) === flight) flights.delete(key);
      flight.abandoned.abort(signal?.reason);
    };
    signal?.addEventListener("abort", leave, { once: true });
    return untilAborted(flight.promise, signal).finally(() => {
      signal?.removeEventListener("abort", leave);
      if (!signal?.aborted) flight.waiters--;
    });
  };

  return {
    async record(entry, recordOptions = {}) {
      const { signal } = recordOptions;
      signal?.throwIfAborted();
      if (!entry.issue) return fallback.record(entry, { signal });
      const key = entry.idempotencyKey;
      const cached = seen.get(key);
      if (cached !== undefined) return { url: cached };
      let flight = flights.get(key);
      if (flight === undefined) {
        flight = fly(entry, entry.issue);
        flights.set(key, flight);
      }
      return join(flight, key, signal);
    },
  };
}
