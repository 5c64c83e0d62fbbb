import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { statusOf } from "./errors.js";

const CommentSchema = z.object({
  id: z.number(),
  login: z.string(),
  body: z.string(),
  url: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** An issue comment as cached: bodies are redacted before they are stored. */
export type Comment = z.infer<typeof CommentSchema>;

const PageSchema = z.object({ etag: z.string().optional(), comments: z.array(CommentSchema) });
type Page = z.infer<typeof PageSchema>;

/**
 * What is cached per issue: every page with its own ETag, the last one not full (an empty page after
 * a full one), so that a refresh can revalidate each page and notice a comment added after it.
 */
export const PagesEntrySchema = z.object({ version: z.literal(2), pages: z.array(PageSchema) });
export type PagesEntry = z.infer<typeof PagesEntrySchema>;

export interface ListParams {
  owner: string;
  repo: string;
  issue_number: number;
  since?: string;
}

interface RawComment {
  id: number;
  user?: { login?: string } | null;
  body?: string | null;
  html_url: string;
  created_at: string;
  updated_at: string;
}

// 100,000 comments: a bound on a listing that never ends (a server that always sends full pages).
const MAX_PAGES = 1000;

/**
 * Lists the comments of an issue page by page. With a cached entry, each cached page is requested
 * conditionally (`If-None-Match` with its own ETag): a 304 keeps the cached page and costs no rate
 * limit, a 200 replaces it. Paging goes on while pages are full, so a comment added after a full
 * last page is found on the next one, and a page that shrank ends the list. `fresh` is true only
 * when every page answered 304: then nothing changed, including edits to old comments.
 */
export async function fetchPages(
  octokit: Octokit,
  params: ListParams,
  perPage: number,
  cached: PagesEntry | undefined,
  redact: (text: string) => string,
  signal: AbortSignal | undefined,
): Promise<{ entry: PagesEntry; fresh: boolean }> {
  const pages: Page[] = [];
  let fresh = cached !== undefined;
  for (let page = 1; ; page++) {
    const known = cached?.pages[page - 1];
    let current: Page;
    try {
      const response = await octokit.rest.issues.listComments({
        ...params,
        per_page: perPage,
        page,
        ...(known?.etag ? { headers: { "if-none-match": known.etag } } : {}),
        ...(signal ? { request: { signal } } : {}),
      });
      fresh = false;
      const comments = (response.data as RawComment[]).map((raw) => ({
        id: raw.id,
        login: raw.user?.login ?? "ghost",
        body: redact(raw.body ?? ""),
        url: raw.html_url,
        createdAt: raw.created_at,
        updatedAt: raw.updated_at,
      }));
      current = { ...(response.headers.etag ? { etag: response.headers.etag } : {}), comments };
    } catch (error) {
      if (statusOf(error) !== 304 || !known) throw error;
      current = known;
    }
    pages.push(current);
    if (current.comments.length < perPage || page >= MAX_PAGES) break;
  }
  return { entry: { version: 2, pages }, fresh };
}

/** Every comment of an entry, oldest first. */
export const commentsOf = (entry: PagesEntry): Comment[] => entry.pages.flatMap((page) => page.comments);
