// The run's progress comment on the epic issue: found by its marker (ours only), posted once,
// then edited in place.
import type { Octokit } from "@octokit/rest";
import type { ErrorInfo } from "@hybrid/resilience";
import type { z } from "zod";
import { baseUrlOf, createGitHubClient, findComment, raceAbort, statusOf } from "./github-client.js";
import type { ProgressGitHubOptionsSchema } from "./progress-options.js";
import { isProgressComment } from "./progress-render.js";

/** The comment of one run, as one writer knows it. */
interface Located {
  id: number;
  url: string;
  /** What the comment says now, as far as this writer knows (an equal body is not sent again). */
  body: string;
  /** Set when the comment posted is not authored by the identity: a restart would not find it. */
  warning?: ErrorInfo;
}

/** Why a write could not tell our comments from anybody else's. */
export class UnknownIdentityError extends Error {
  readonly code = "identity-unknown" as const;
}

// Writers of one run's comment in this process (two reporters, say) share its search and first
// post, so they never post twice. Only while it is in flight: a later writer searches again, as
// a restarted process does.
const firstPosts = new Map<string, Promise<Located>>();

/** The writer of the progress comments of one epic issue. */
export interface ProgressComments {
  /** Makes the run's comment say `body`: edits it, or finds it by its marker and edits it, or posts it. */
  write(runId: string, body: string, signal: AbortSignal): Promise<{ url: string; warning?: ErrorInfo }>;
}

/**
 * Keeps one comment per run on `options.issue`. A comment is the run's only if its first line is
 * the run's marker and it is authored by the identity (configured, else the token's user from
 * `GET /user`, looked up once; a 401/403/404 there is remembered, anything else asked again).
 * The oldest such comment wins, so if two processes ever both posted, every later writer edits
 * the same one.
 */
export function createProgressComments(options: z.output<typeof ProgressGitHubOptionsSchema>): ProgressComments {
  const octokit = (options.octokit as Octokit | undefined) ?? createGitHubClient(options);
  const { issue } = options;
  const { owner, repo, number } = issue;
  const known = new Map<string, Located>();
  let self: Promise<string> | undefined;

  const identity = (signal: AbortSignal): Promise<string> => {
    if (options.identity !== undefined) return Promise.resolve(options.identity.toLowerCase());
    self ??= octokit.rest.users.getAuthenticated({ request: { signal } }).then(
      (response) => response.data.login.toLowerCase(),
      (error: unknown) => {
        const status = statusOf(error);
        // A token that is not a user's (an App's installation token) never will be: remembered.
        if (status !== 401 && status !== 403 && status !== 404) self = undefined;
        throw new UnknownIdentityError(
          `[hybrid] cannot tell our progress comments from others' (GET /user${status !== undefined ? ` answered ${status}` : " failed"}); set github.identity`,
          { cause: error },
        );
      },
    );
    return raceAbort(self, signal);
  };

  const locate = async (runId: string, body: string, signal: AbortSignal): Promise<Located> => {
    const me = await identity(signal);
    const found = await findComment(octokit, issue, (c) => c.login?.toLowerCase() === me && isProgressComment(c.body, runId), signal);
    if (found) return found;
    const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body, request: { signal } });
    const author = data.user?.login;
    const located: Located = { id: data.id, url: data.html_url, body };
    if (author !== undefined && author.toLowerCase() !== me) {
      located.warning = {
        code: "identity-mismatch",
        message: `[hybrid] the progress comment was posted as ${author}, not as the identity ${me}: after a restart it will not be found and a second one will be posted; set github.identity to ${author}`,
      };
    }
    return located;
  };

  const find = (runId: string, body: string, signal: AbortSignal): Promise<Located> => {
    const key = `${baseUrlOf(octokit)}|${owner}/${repo}#${number}|${runId}`;
    let flight = firstPosts.get(key);
    if (flight === undefined) {
      const started = locate(runId, body, signal);
      flight = started;
      firstPosts.set(key, started);
      started.then(
        () => undefined,
        () => undefined,
      ).finally(() => {
        if (firstPosts.get(key) === started) firstPosts.delete(key);
      });
    }
    return raceAbort(flight, signal);
  };

  const write = async (runId: string, body: string, signal: AbortSignal, again: boolean): Promise<{ url: string; warning?: ErrorInfo }> => {
    let located = known.get(runId);
    let warning: ErrorInfo | undefined;
    if (located === undefined) {
      const shared = await find(runId, body, signal);
      warning = shared.warning;
      located = { id: shared.id, url: shared.url, body: shared.body };
      known.set(runId, located);
    }
    if (located.body !== body) {
      try {
        await raceAbort(octokit.rest.issues.updateComment({ owner, repo, comment_id: located.id, body, request: { signal } }), signal);
      } catch (error) {
        // Deleted by someone: forget it and find (or post) it once more.
        if (statusOf(error) !== 404 || again) throw error;
        known.delete(runId);
        return write(runId, body, signal, true);
      }
      located.body = body;
    }
    return { url: located.url, ...(warning ? { warning } : {}) };
  };

  return { write: (runId, body, signal) => write(runId, body, signal, false) };
}
