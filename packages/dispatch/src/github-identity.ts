// Whose handoff markers the GitHub sink believes. Anyone who can comment on an issue can write a
// marker (the run id is on the epic's progress comment), so only comments by the sink's own login
// (the configured `identity`, else the token's user from `GET /user`) or by a configured author
// count; logins compare case-insensitively, as GitHub's do. The same rule as hybrid's progress
// comments and context's L2 provider; dispatch may import neither, and the rule is a few lines.
import type { Octokit } from "@octokit/rest";
import { untilAborted } from "./abort.js";
import { GitHubIdentityError } from "./errors.js";

/** Decides which comment authors' markers count. */
export interface CommentTrust {
  /**
   * The test for a comment's author, once the sink's own login is known (looked up once, shared by
   * concurrent callers).
   * @throws GitHubIdentityError when `GET /user` refused the token and no identity is configured (remembered); the lookup's own error otherwise (asked again next time).
   */
  trusted(signal: AbortSignal): Promise<(login: string | undefined) => boolean>;
}

const statusOf = (error: unknown): number | undefined => {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
};

/** The trust rule of one sink: `identity` (else the token's user) and `authors`. */
export function createCommentTrust(octokit: Octokit, options: { identity?: string | undefined; authors: readonly string[] }): CommentTrust {
  const authors = new Set(options.authors.map((login) => login.toLowerCase()));
  let self = options.identity?.toLowerCase();
  // A token that is not a user's (an App's installation token) never will be: remembered.
  let refused: GitHubIdentityError | undefined;
  // The lookup in flight, and the signal of the flight that started it: when that signal aborts the
  // lookup is doomed, and a caller still waiting starts its own.
  let lookup: { promise: Promise<string>; signal: AbortSignal } | undefined;

  const ask = async (signal: AbortSignal): Promise<string> => {
    try {
      const { data } = await octokit.rest.users.getAuthenticated({ request: { signal } });
      self = data.login.toLowerCase();
      return self;
    } catch (error) {
      const status = statusOf(error);
      if (status === 401 || status === 403 || status === 404) throw (refused ??= new GitHubIdentityError(status, error));
      throw error;
    }
  };

  const whoAmI = async (signal: AbortSignal): Promise<string> => {
    for (;;) {
      signal.throwIfAborted();
      if (self !== undefined) return self;
      if (refused !== undefined) throw refused;
      if (lookup === undefined || lookup.signal.aborted) {
        const started = { promise: ask(signal), signal };
        lookup = started;
        started.promise
          .catch(() => undefined)
          .finally(() => {
            if (lookup === started) lookup = undefined;
          });
      }
      const current = lookup;
      try {
        return await untilAborted(current.promise, signal);
      } catch (error) {
        // Another flight's stop doomed the lookup this caller joined: look up again.
        if (current.signal === signal || !current.signal.aborted) throw error;
      }
    }
  };

  return {
    async trusted(signal) {
      const me = await whoAmI(signal);
      return (login) => login !== undefined && (login.toLowerCase() === me || authors.has(login.toLowerCase()));
    },
  };
}
