// The package's one Octokit factory, and the few REST helpers its GitHub writers share.
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck";
import { z } from "zod";
import type { IssueTargetSchema } from "./config-schema.js";

/** Options of the Octokit this package builds when none is given. */
export const GitHubClientOptionsSchema = z.strictObject({
  /** Token. @default undefined (anonymous: reads only) */
  auth: z.string().min(1).optional(),
  /** REST API root. @default "https://api.github.com" */
  baseUrl: z.string().url().default("https://api.github.com"),
  /** Retries of a 5xx or network error by @octokit/plugin-retry. @default 3 */
  retries: z.number().int().nonnegative().default(3),
  /** Times a rate-limited request (403/429, `retry-after` honoured) is retried by @octokit/plugin-throttling. @default 2 */
  rateLimitRetries: z.number().int().nonnegative().default(2),
  /** Milliseconds per second of `retry-after` and per unit of retry back-off (tests shrink it). @default 1000 */
  retryAfterBaseMs: z.number().nonnegative().default(1000),
  /**
   * Minimum time between two writes of this client. By default the throttling plugin spaces writes
   * for the whole process, as GitHub asks of integrators (1 s, comments 3 s). @default undefined
   */
  writeIntervalMs: z.number().int().nonnegative().optional(),
  /** User agent. @default "hybrid" */
  userAgent: z.string().min(1).default("hybrid"),
});
/** Options of the Octokit this package builds (see {@link GitHubClientOptionsSchema} for defaults). */
export type GitHubClientOptions = z.input<typeof GitHubClientOptionsSchema>;

/** A GitHub issue (or pull request). */
export type IssueTarget = z.output<typeof IssueTargetSchema>;

const ThrottledOctokit = Octokit.plugin(throttling, retry);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** An Octokit with the throttling and retry plugins, logging nothing. */
export function createGitHubClient(options: z.output<typeof GitHubClientOptionsSchema>): Octokit {
  const retryWhile = (_after: number, _options: unknown, _octokit: unknown, retryCount: number): boolean => retryCount < options.rateLimitRetries;
  const spacing =
    options.writeIntervalMs === undefined
      ? {}
      : {
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeIntervalMs }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeIntervalMs }),
        };
  return new ThrottledOctokit({
    ...(options.auth !== undefined ? { auth: options.auth } : {}),
    baseUrl: options.baseUrl,
    userAgent: options.userAgent,
    log: silent,
    throttle: { onRateLimit: retryWhile, onSecondaryRateLimit: retryWhile, retryAfterBaseValue: options.retryAfterBaseMs, ...spacing },
    // 403/429 are the throttling plugin's; the retry plugin takes 5xx and network errors.
    retry: { retries: options.retries, retryAfterBaseValue: options.retryAfterBaseMs, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
  });
}

/** The REST API root an Octokit sends to (part of the key that joins writers of one comment). */
export const baseUrlOf = (octokit: Octokit): string => String(octokit.request.endpoint.DEFAULTS.baseUrl);

/** The HTTP status of an Octokit error, when it has one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** `GitHub <status>: <message>`, for error reports (the caller redacts). */
export function describeGitHubError(error: unknown): string {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return `GitHub${status !== undefined ? ` ${status}` : ""}: ${message}`;
}

/**
 * Waits for `work`, or rejects with the signal's reason as soon as it aborts: the throttling
 * plugin's queue and retry waits do not all honour a request's signal, so a deadline must not
 * depend on them.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as unknown);
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as unknown);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/** Work shared by several callers, and the signal of the caller that started it. */
export interface Flight<T> {
  promise: Promise<T>;
  signal: AbortSignal;
}

/**
 * Joins the flight of `key`, or starts one with `start(signal)`. A flight started with a signal
 * that has since aborted (another caller's deadline or stop) is doomed: it is replaced instead of
 * joined, and a caller whose joined flight fails that way starts its own. A flight leaves `flights`
 * when it settles.
 */
export async function shareFlight<T>(flights: Map<string, Flight<T>>, key: string, start: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
  for (;;) {
    let flight = flights.get(key);
    if (flight === undefined || flight.signal.aborted) {
      const started: Flight<T> = { promise: start(signal), signal };
      flights.set(key, started);
      started.promise
        .catch(() => undefined)
        .finally(() => {
          if (flights.get(key) === started) flights.delete(key);
        });
      flight = started;
    }
    try {
      return await raceAbort(flight.promise, signal);
    } catch (error) {
      if (flight.signal === signal || !flight.signal.aborted) throw error;
    }
  }
}

/** An issue comment, as the writers read it. */
export interface FoundComment {
  id: number;
  body: string;
  url: string;
}

/**
 * The oldest comment on `issue` that `match` accepts (GitHub lists comments oldest first), page by
 * page by hand: `octokit.paginate` drops the per-request options, and with them the signal.
 */
export async function findComment(
  octokit: Octokit,
  issue: IssueTarget,
  match: (comment: { body: string; login: string | undefined }) => boolean,
  signal: AbortSignal,
): Promise<FoundComment | undefined> {
  const { owner, repo, number } = issue;
  for (let page = 1; ; page++) {
    const { data, headers } = await octokit.rest.issues.listComments({ owner, repo, issue_number: number, per_page: 100, page, request: { signal } });
    const hit = data.find((comment) => match({ body: comment.body ?? "", login: comment.user?.login }));
    if (hit) return { id: hit.id, body: hit.body ?? "", url: hit.html_url };
    if (!/\brel="next"/.test(headers.link ?? "")) return undefined;
  }
}
