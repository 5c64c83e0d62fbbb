import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import { startGitHubServer } from "@hybrid/test-utils";
import type { GitHubServer } from "@hybrid/test-utils";
import { createDispatchController, createFunctionRunner, createGitHubSink, createLedgerSink, handoffMarker } from "../src/index.js";
import { node, planOf, redactSecrets, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function server(): Promise<GitHubServer> {
  const started = await startGitHubServer();
  cleanups.push(() => started.close());
  return started;
}

const issue = { owner: "acme", repo: "agents", number: 7 };
const key = "acme/agents#7";
const entry = { runId: "run-1", nodeId: "architecture", agent: "solution-architect", at: Date.UTC(2026, 0, 1), summary: "ADR merged", issue };

describe("createGitHubSink (real Octokit, local server)", () => {
  it("lists >100 existing comments across pages, posts once with the marker, and returns html_url", async () => {
    const gh = await server();
    gh.seedComments(key, Array.from({ length: 150 }, (_, i) => ({ body: `unrelated comment ${i}` })));
    const sink = createGitHubSink({ baseUrl: gh.url, auth: "test-token", retryAfterBaseMs: 10 });
    const { url } = await sink.record(entry);
    const posted = gh.comments.get(key)!.at(-1)!;
    expect(url).toBe(posted.html_url);
    expect(posted.body.startsWith(handoffMarker(entry))).toBe(true);
    expect(posted.body).toContain("ADR merged");
    expect(posted.body).toContain("2026-01-01T00:00:00.000Z");
    const pages = gh.requests.filter((r) => r.method === "GET").map((r) => r.path);
    expect(pages).toHaveLength(2);
    expect(pages[1]).toContain("page=2");
    // Same instance: cached, no new request.
    const before = gh.requests.length;
    expect(await sink.record(entry)).toEqual({ url });
    expect(gh.requests.length).toBe(before);
  });

  it("after a restart (new sink), finds its marker on page 2 instead of posting twice", async () => {
    const gh = await server();
    gh.seedComments(key, Array.from({ length: 120 }, (_, i) => ({ body: `noise ${i}` })));
    const first = await createGitHubSink({ baseUrl: gh.url, retryAfterBaseMs: 10 }).record(entry);
    gh.seedComments(key, [{ body: "more noise" }]);
    const [again, concurrent] = await Promise.all([
      createGitHubSink({ baseUrl: gh.url, retryAfterBaseMs: 10 }).record(entry),
      createGitHubSink({ baseUrl: gh.url, retryAfterBaseMs: 10 }).record({ ...entry, summary: "different text" }),
    ]);
    expect(again.url).toBe(first.url);
    expect(concurrent.url).toBe(first.url);
    expect(gh.comments.get(key)!.filter((c) => c.body.includes("hybrid:handoff"))).toHaveLength(1);
  });

  it("waits out a secondary rate limit (403, retry-after: 1) and succeeds", async () => {
    const gh = await server();
    gh.failNext(403, { secondaryRateLimit: true, retryAfterSec: 1 });
    const sink = createGitHubSink({ baseUrl: gh.url });
    const { url } = await sink.record(entry);
    expect(url).toContain("#issuecomment-");
    expect(gh.requests.map((r) => r.status)).toEqual([403, 200, 201]);
  });

  it("waits out a primary rate limit and retries a 500", async () => {
    const gh = await server();
    gh.failNext(429, { retryAfterSec: 0, secondaryRateLimit: false });
    gh.failNext(500, { count: 2 });
    const sink = createGitHubSink({ baseUrl: gh.url, retryAfterBaseMs: 5 });
    await sink.record(entry);
    expect(gh.requests.map((r) => r.status)).toEqual([429, 500, 500, 200, 201]);
    expect(gh.comments.get(key)).toHaveLength(1);
  });

  it("gives up after the configured retries and reports the error", async () => {
    const gh = await server();
    gh.failNext(500, { count: 10 });
    const sink = createGitHubSink({ baseUrl: gh.url, retries: 1, retryAfterBaseMs: 1 });
    await expect(sink.record(entry)).rejects.toMatchObject({ status: 500 });
    const limited = await server();
    limited.failNext(403, { secondaryRateLimit: true, count: 10, retryAfterSec: 0 });
    const noWait = createGitHubSink({ baseUrl: limited.url, rateLimitRetries: 0 });
    await expect(noWait.record({ ...entry, nodeId: "other" })).rejects.toMatchObject({ status: 403 });
  });

  it("falls back to the ledger for nodes without an issue, and redacts the comment", async () => {
    const gh = await server();
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const fallback = createLedgerSink({ dir });
    const sink = createGitHubSink({ baseUrl: gh.url, fallback, redact: redactSecrets });
    const { url } = await sink.record({ ...entry, issue: undefined, nodeId: "local" });
    expect(url).toBe(`ledger://${join(dir, "ledger.jsonl")}#run-1/local`);
    await sink.record({ ...entry, summary: "key SECRET-77 leaked" });
    const body = gh.comments.get(key)![0]!.body;
    expect(body).not.toContain("SECRET-77");
    expect(body).toContain("[REDACTED]");
  });

  it("accepts a ready Octokit, and plugs into the controller (handoff per node, once across a resume)", async () => {
    const gh = await server();
    const octokit = new Octokit({ baseUrl: gh.url });
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const sink = createGitHubSink({ octokit, fallback: createLedgerSink({ dir }) });
    const plan = planOf([node("a", [], { issue }), node("b", ["a"])]);
    const result = await createDispatchController({ handoffSink: sink }).run(plan, { runner: createFunctionRunner(() => "done"), runId: "run-gh" });
    expect(result.outcomes.a!.handoffUrl).toBe(gh.comments.get(key)![0]!.html_url);
    expect(result.outcomes.b!.handoffUrl).toContain("ledger://");
    const marker = handoffMarker({ runId: "run-gh", nodeId: "a", agent: "coder" });
    expect(gh.comments.get(key)![0]!.body).toContain(marker);
  });

  it("uses the default ledger fallback under .hybrid", () => {
    expect(() => createGitHubSink({ baseUrl: "not a url" })).toThrow(expect.objectContaining({ code: "invalid-options" }));
    expect(typeof createGitHubSink().record).toBe("function");
  });
});
