// The run's progress comment on the epic issue: found by its marker (ours only), posted once,
// then edited in place.
import type { Octokit } from "@octokit/rest";
import type { ErrorInfo } from "@hybrid/resilience";
import type { z } from "zod";
import { baseUrlOf, createGitHubClient, findComment, raceAbort, shareFlight, statusOf } from "./github-client.js";
import type { Flight } from "./github-client.js";
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
const firstPosts = new Map<string, Flight<Located>>();

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
  const comments = new Map<string, Located>();
  const users = new Map<string, Flight<string>>();
  let login = options.identity?.toLowerCase();
  let refused: UnknownIdentityError | undefined;

  const askUser = async (signal: AbortSignal): Promise<string> => {
    try {
      const response = await octokit.rest.users.getAuthenticated({ request: { signal } });
      login = response.data.login.toLowerCase();
      return login;
    } catch (error) {
      const status = statusOf(error);
      const unknown = new UnknownIdentityError(
        `[hybrid] cannot tell our progress comments from others' (GET /user${status !== undefined ? ` answered ${status}` : " failed"}); set github.identity`,
        { cause: error },
      );
      // A token that is not a user's (an App's installation token) never will be: remembered.
      if (status === 401 || status === 403 || status === 404) refused = unknown;
      throw unknown;
    }
  };

  const identity = async (signal: AbortSignal): Promise<string> => {
    if (login !== undefined) return login;
    if (refused !== undefined) throw refused;
    return shareFlight(users, "GET /user", askUser, signal);
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

  const find = (runId: string, body: string, signal: AbortSignal): Promise<Located> =>
    shareFlight(firstPosts, `${baseUrlOf(octokit)}|${owner}/${repo}#${number}|${runId}`, (started) => locate(runId, body, started), signal);

  const edit = async (located: Located, body: string, signal: AbortSignal): Promise<void> => {
    if (located.body === body) return;
    await raceAbort(octokit.rest.issues.updateComment({ owner, repo, comment_id: located.id, body, request: { signal } }), signal);
    located.body = body;
  };

  const write = async (runId: string, body: string, signal: AbortSignal): Promise<{ url: string; warning?: ErrorInfo }> => {
    const known = comments.get(runId);
    if (known !== undefined) {
      try {
        await edit(known, body, signal);
        return { url: known.url };
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        // Deleted by someone: find it (or post it) again.
        comments.delete(runId);
      }
    }
    const shared = await find(runId, body, signal);
    const located: Located = { id: shared.id, url: shared.url, body: shared.body };
    comments.set(runId, located);
    await edit(located, body, signal);
    return { url: located.url, ...(shared.warning ? { warning: shared.warning } : {}) };
  };

  return { write };
}
