import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { z } from "zod";
import { parseOptions } from "./errors.js";
import { handoffMarker } from "./handoff.js";
import type { HandoffEntry, HandoffSink } from "./handoff.js";
import { createLedgerSink } from "./ledger-sink.js";

const isFunction = (value: unknown): boolean => typeof value === "function";

/** Options of `createGitHubSink`. */
export const GitHubSinkOptionsSchema = z.strictObject({
  /** A ready Octokit (with `rest.issues` and `paginate`); when given, auth/baseUrl/retry options are ignored. @default one built with the throttling and retry plugins */
  octokit: z.custom<object>((value) => typeof value === "object" && value !== null).optional(),
  /** Token for the Octokit this sink builds. @default undefined (anonymous) */
  auth: z.string().optional(),
  /** REST API root. @default "https://api.github.com" */
  baseUrl: z.string().url().default("https://api.github.com"),
  /** How many times a primary or secondary rate limit is waited out (honouring `retry-after`). @default 3 */
  rateLimitRetries: z.number().int().nonnegative().default(3),
  /** How many times a 5xx (or other retryable status) is retried. @default 3 */
  retries: z.number().int().nonnegative().default(3),
  /** Milliseconds per second of `retry-after` and per unit of retry back-off (tests shrink it). @default 1000 */
  retryAfterBaseMs: z.number().nonnegative().default(1000),
  /** Where handoffs of nodes without an `issue` go. @default createLedgerSink({ dir: ".hybrid", redact }) */
  fallback: z.custom<HandoffSink>((value) => typeof value === "object" && value !== null && isFunction((value as HandoffSink).record)).optional(),
  /** Applied to the comment body before it is posted. @default identity */
  redact: z.custom<(text: string) => string>(isFunction).optional(),
  /** User agent of the Octokit this sink builds. @default "hybrid-dispatch" */
  userAgent: z.string().default("hybrid-dispatch"),
});

/** Options of `createGitHubSink` (see `GitHubSinkOptionsSchema` for defaults). */
export interface GitHubSinkOptions extends Omit<z.input<typeof GitHubSinkOptionsSchema>, "octokit"> {
  octokit?: Octokit;
}

const ThrottledOctokit = Octokit.plugin(throttling, retry);

/** Builds the comment body: marker first, then a short human summary. */
function commentBody(entry: HandoffEntry, marker: string, redact: (text: string) => string): string {
  const when = new Date(entry.at).toISOString();
  return [
    marker,
    redact(`**hybrid handoff**: node \`${entry.nodeId}\` by agent \`${entry.agent}\` (run \`${entry.runId}\`) at ${when}`),
    "",
    redact(entry.summary),
  ].join("\n");
}

/**
 * Records each handoff as a comment on the node's GitHub issue, through Octokit with the throttling
 * and retry plugins (rate limits are waited out per `retry-after`, 5xx retried). The comment carries
 * a hidden marker; before posting, the sink lists the issue's comments and reuses one that has it, so
 * a retry or a restart never posts twice. Nodes without an issue go to the fallback (ledger) sink.
 *
 * @example
 * const sink = createGitHubSink({ auth: process.env.GITHUB_TOKEN });
 */
export function createGitHubSink(options: GitHubSinkOptions = {}): HandoffSink {
  const config = parseOptions("GitHub sink", GitHubSinkOptionsSchema, options);
  const redact = config.redact ?? ((text: string) => text);
  const fallback = config.fallback ?? createLedgerSink({ dir: ".hybrid", redact });
  const octokit: Octokit =
    (config.octokit as Octokit | undefined) ??
    new ThrottledOctokit({
      auth: config.auth,
      baseUrl: config.baseUrl,
      userAgent: config.userAgent,
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      throttle: {
        retryAfterBaseValue: config.retryAfterBaseMs,
        onRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
          retryCount < config.rateLimitRetries,
        onSecondaryRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
          retryCount < config.rateLimitRetries,
      },
      retry: { retries: config.retries, retryAfterBaseValue: config.retryAfterBaseMs },
    });
  // Urls already seen by this instance; the marker search covers other instances and restarts.
  const seen = new Map<string, string>();
  const inFlight = new Map<string, Promise<{ url: string }>>();

  const post = async (entry: HandoffEntry & { issue: NonNullable<HandoffEntry["issue"]> }): Promise<{ url: string }> => {
    const marker = redact(handoffMarker(entry));
    const { owner, repo, number } = entry.issue;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: number,
      per_page: 100,
    });
    const existing = comments.find((comment) => comment.body?.includes(marker));
    if (existing) return { url: existing.html_url };
    const created = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: number,
      body: commentBody(entry, marker, redact),
    });
    return { url: created.data.html_url };
  };

  return {
    async record(entry) {
      if (!entry.issue) return fallback.record(entry);
      const key = `${entry.runId}/${entry.nodeId}`;
      const cached = seen.get(key);
      if (cached !== undefined) return { url: cached };
      // Two concurrent records of one node share one post.
      let pending = inFlight.get(key);
      if (!pending) {
        pending = post({ ...entry, issue: entry.issue }).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const result = await pending;
      seen.set(key, result.url);
      return result;
    },
  };
}
