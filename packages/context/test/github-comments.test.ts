import { Octokit } from "@octokit/rest";
import { startGitHubServer, type GitHubServer } from "@hybrid/test-utils";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createContextEventCounter,
  createFileContextCache,
  createGitHubCommentsProvider,
  createMemoryContextCache,
  formatHandoffMarker,
  isContextOptionsError,
  type ContextEvent,
  type ContextRequest,
} from "../src/index.js";
import { mkdtemp, rm } from "node:fs/promises";
import { reasonOf } from "../src/github-comments.js";
import { tmpdir } from "node:os";
import { join } from "node:path";

const KEY = "acme/agents#7";
const fixedClock = () => new Date("2025-01-01T00:00:00.000Z");

function request(agents: string[] = ["architect"]): ContextRequest {
  return {
    node: {
      id: "impl",
      agent: "implementer",
      priority: "implementation",
      scope: "Build it",
      acceptance: ["works"],
      dependsOn: ["arch"],
      issue: { owner: "acme", repo: "agents", number: 7 },
    },
    upstream: agents.map((agent, i) => ({ nodeId: `n${i}`, agent, output: "done", distance: 1 })),
    runId: "run-1",
  };
}

const handoff = (agent: string, text: string, node = "arch") =>
  `${formatHandoffMarker({ runId: "run-1", nodeId: node, agent })}\n${text}`;

describe("createGitHubCommentsProvider against a local GitHub REST server", () => {
  let server: GitHubServer;
  let events: ContextEvent[];
  beforeEach(async () => {
    server = await startGitHubServer({ now: () => new Date("2025-01-01T00:00:00Z") });
    events = [];
  });
  afterEach(async () => {
    await server.close();
  });

  const provider = (extra: Parameters<typeof createGitHubCommentsProvider>[0] = {}) =>
    createGitHubCommentsProvider({
      baseUrl: server.url,
      auth: "test-token",
      cache: createMemoryContextCache(),
      onEvent: (event) => events.push(event),
      clock: fixedClock,
      retryAfterBaseMs: 10,
      ...extra,
    });

  it("paginates 250 comments, filters by the agent chain and keeps the newest MAX_L2_COMMENTS", async () => {
    server.seedComments(
      KEY,
      Array.from({ length: 250 }, (_, i) => ({
        body: i % 2 === 0 ? handoff("architect", `architect note ${i}`) : handoff("stranger", `noise ${i}`),
      })),
    );
    const segments = await provider({ maxComments: 20 }).collect(request());
    const lists = server.requests.filter((r) => r.method === "GET");
    expect(lists.map((r) => new URL(r.path, server.url).searchParams.get("page") ?? "1")).toEqual(["1", "2", "3"]);
    expect(segments).toHaveLength(20);
    expect(segments[0]!.text).toContain("architect note 248");
    expect(segments[19]!.text).toContain("architect note 210");
    expect(segments.every((s) => !s.text.includes("noise") && !s.text.includes("hybrid:handoff"))).toBe(true);
    expect(segments[0]!.source).toMatch(/^https:\/\/github\.com\/acme\/agents\/issues\/7#issuecomment-\d+$/);
    expect(segments[0]!.priority).toBeGreaterThan(segments[1]!.priority);
    expect(events).toEqual([{ type: "context.cache", tier: "L2", hit: false, source: "https://github.com/acme/agents/issues/7", at: "2025-01-01T00:00:00.000Z" }]);
  });

  it("includes comments by listed authors and nothing when the node has no issue", async () => {
    server.seedComments(KEY, [
      { body: "human guidance", user: { login: "octocat" } },
      { body: "unrelated", user: { login: "someone" } },
    ]);
    const p = provider({ authors: ["octocat"] });
    const segments = await p.collect(request([]));
    expect(segments.map((s) => s.text)).toEqual([expect.stringContaining("human guidance")]);
    const { issue: _issue, ...node } = request().node;
    expect(await p.collect({ node })).toEqual([]);
    expect(await provider({ maxComments: 0 }).collect(request())).toEqual([]);
  });

  it("passes since to GitHub and gets only newer comments", async () => {
    server.seedComments(KEY, [
      { body: handoff("architect", "old"), updated_at: "2024-01-01T00:00:00Z" },
      { body: handoff("architect", "new"), updated_at: "2025-06-01T00:00:00Z" },
    ]);
    const segments = await provider({ since: "2025-01-01T00:00:00Z" }).collect(request());
    expect(segments.map((s) => s.text)).toEqual([expect.stringContaining("new")]);
    expect(server.requests[0]!.path).toContain("since=2025-01-01T00%3A00%3A00Z");
  });

  it("revalidates with the stored ETag: a 304 is a cache hit, a change is a miss", async () => {
    server.seedComments(KEY, [{ body: handoff("architect", "first") }]);
    const counter = createContextEventCounter();
    const p = provider({ onEvent: counter.onEvent });
    await p.collect(request());
    const again = await p.collect(request());
    expect(again.map((s) => s.text)).toEqual([expect.stringContaining("first")]);
    const conditional = server.requests.at(-1)!;
    expect(conditional.headers["if-none-match"]).toMatch(/^W\/"/);
    expect(conditional.status).toBe(304);
    expect(counter.snapshot().L2).toEqual({ hits: 1, misses: 1, fallbacks: 0 });

    server.seedComments(KEY, [{ body: handoff("architect", "second") }]);
    const changed = await p.collect(request());
    expect(changed.map((s) => s.text)).toEqual([expect.stringContaining("second"), expect.stringContaining("first")]);
    expect(counter.snapshot().L2).toEqual({ hits: 1, misses: 2, fallbacks: 0 });
  });

  it("watches the next page when the last page is full, so an added comment is seen", async () => {
    server.seedComments(KEY, Array.from({ length: 4 }, (_, i) => ({ body: handoff("architect", `c${i}`) })));
    const counter = createContextEventCounter();
    const p = provider({ perPage: 2, onEvent: counter.onEvent });
    expect(await p.collect(request())).toHaveLength(4);
    expect(await p.collect(request())).toHaveLength(4);
    expect(counter.snapshot().L2.hits).toBe(1);
    server.seedComments(KEY, [{ body: handoff("architect", "c4") }]);
    expect(await p.collect(request())).toHaveLength(5);
    expect(counter.snapshot().L2).toEqual({ hits: 1, misses: 2, fallbacks: 0 });
  });

  it("retries a 403 secondary rate limit after retry-after through the throttling plugin", async () => {
    server.seedComments(KEY, [{ body: handoff("architect", "after the limit") }]);
    server.failNext(403, { retryAfterSec: 1 });
    const segments = await provider({ retryAfterBaseMs: 1000 }).collect(request());
    expect(segments.map((s) => s.text)).toEqual([expect.stringContaining("after the limit")]);
    expect(server.requests.map((r) => r.status)).toEqual([403, 200]);
    expect(events.filter((e) => e.type === "context.fallback")).toEqual([]);
  });

  it("retries a 429 primary rate limit and gives up after rateLimitRetries", async () => {
    server.seedComments(KEY, [{ body: handoff("architect", "x") }]);
    server.failNext(429, { retryAfterSec: 0, secondaryRateLimit: false, count: 5 });
    const segments = await provider({ rateLimitRetries: 1, retryAfterBaseMs: 1 }).collect(request());
    expect(segments).toEqual([]);
    expect(server.requests.map((r) => r.status)).toEqual([429, 429]);
    expect(events.at(-1)).toMatchObject({ type: "context.fallback", tier: "L2", stale: false, reason: expect.stringContaining("429") });
  });

  it("falls back to the stale cached copy when GitHub answers 500 after retries", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ctx-l2-"));
    try {
      const cache = createFileContextCache({ dir });
      server.seedComments(KEY, [{ body: handoff("architect", "cached decision") }]);
      await provider({ cache }).collect(request());
      server.seedComments(KEY, [{ body: handoff("architect", "never seen") }]);
      server.failNext(500, { count: 10 });
      const segments = await provider({ cache, retries: 2 }).collect(request());
      expect(segments.map((s) => s.text)).toEqual([expect.stringContaining("cached decision")]);
      expect(server.requests.slice(1).map((r) => r.status)).toEqual([500, 500, 500]);
      expect(events.at(-1)).toMatchObject({ type: "context.fallback", tier: "L2", stale: true, reason: expect.stringContaining("500") });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("returns nothing, and says so, when GitHub is down and nothing is cached", async () => {
    server.failNext(500, { count: 10 });
    const segments = await provider({ retries: 0 }).collect(request());
    expect(segments).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({ type: "context.cache", hit: false }),
      expect.objectContaining({ type: "context.fallback", stale: false }),
    ]);
  });

  it("falls back to the stale copy when a full refresh fails after the probe saw a change", async () => {
    server.seedComments(KEY, [{ body: handoff("architect", "one") }]);
    const cache = createMemoryContextCache();
    await provider({ cache }).collect(request());
    await cache.set("l2:github:acme/agents#7", { probePage: 1, comments: (await cache.get("l2:github:acme/agents#7") as { comments: unknown[] }).comments });
    server.failNext(500, { count: 10 });
    const segments = await provider({ cache, retries: 0 }).collect(request());
    expect(segments.map((s) => s.text)).toEqual([expect.stringContaining("one")]);
    expect(events.at(-1)).toMatchObject({ type: "context.fallback", stale: true });
  });

  it("passes an abort signal, tolerates deleted users and works without upstream or ETags", async () => {
    server.seedComments(KEY, [{ body: "guidance", user: { login: "octocat" } }]);
    const stored = server.comments.get(KEY)![0]! as unknown as { user: null; body: null };
    stored.user = null;
    stored.body = null;
    const p = provider({ authors: ["ghost"] });
    const segments = await p.collect({ ...request(), upstream: undefined, signal: new AbortController().signal });
    expect(segments.map((s) => s.text)).toEqual([expect.stringMatching(/^Comment by @ghost at .*:\n$/)]);
    expect(await p.collect({ ...request(), signal: new AbortController().signal })).toHaveLength(1);
    expect(server.requests.at(-1)!.status).toBe(304);

    const plain = await startGitHubServer({ etags: false });
    try {
      plain.seedComments(KEY, [{ body: handoff("architect", "no etag") }]);
      const counter = createContextEventCounter();
      const q = provider({ baseUrl: plain.url, onEvent: counter.onEvent });
      await q.collect(request());
      await q.collect(request());
      expect(counter.snapshot().L2).toEqual({ hits: 0, misses: 2, fallbacks: 0 });
    } finally {
      await plain.close();
    }
    // Defaults (api.github.com, no auth) are accepted without touching the network.
    expect(createGitHubCommentsProvider().name).toBe("github-comments");
  });

  it("describes failures with and without an HTTP status", () => {
    expect(reasonOf(Object.assign(new Error("boom"), { status: 502 }))).toBe("HTTP 502: boom");
    expect(reasonOf("socket hang up")).toBe("socket hang up");
  });

  it("uses an Octokit that the caller brings", async () => {
    server.seedComments(KEY, [{ body: handoff("architect", "byo") }]);
    const octokit = new Octokit({ baseUrl: server.url });
    const segments = await createGitHubCommentsProvider({ octokit }).collect(request());
    expect(segments).toHaveLength(1);
  });

  it("rejects invalid options with the path of each problem", () => {
    try {
      createGitHubCommentsProvider({ maxComments: -1, since: "yesterday" });
      expect.unreachable();
    } catch (error) {
      expect(isContextOptionsError(error)).toBe(true);
      expect((error as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(["maxComments", "since"]);
    }
  });
});
