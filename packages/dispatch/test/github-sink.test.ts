import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { isInvalidRedactorError, isTimeoutError } from "@hybrid/resilience";
import { Octokit } from "@octokit/rest";
import { startGitHubServer } from "@hybrid/test-utils";
import type { GitHubServer } from "@hybrid/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { isDispatchOptionsError } from "../src/errors.js";
import { createGitHubSink } from "../src/github-sink.js";
import type { GitHubSinkOptions } from "../src/github-sink.js";
import { handoffMarker } from "../src/handoff.js";
import type { HandoffEntry } from "../src/handoff.js";
import { createLedgerSink } from "../src/ledger-sink.js";
import type { LedgerRecord } from "../src/ledger-sink.js";
import { eventually, redactSecrets, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function server(): Promise<GitHubServer> {
  const started = await startGitHubServer();
  cleanups.push(() => started.close());
  return started;
}

async function scratch(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

/** A real HTTP server on 127.0.0.1 that never answers; it records each request and whether the client gave up on it. */
async function silentServer(): Promise<{ url: string; requests: { path: string; closed: boolean }[] }> {
  const requests: { path: string; closed: boolean }[] = [];
  const pending: IncomingMessage[] = [];
  const http = createServer((req) => {
    const seen = { path: req.url ?? "/", closed: false };
    requests.push(seen);
    pending.push(req);
    req.socket.on("close", () => (seen.closed = true));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, requests };
}

const identity = (text: string): string => text;
const issue = { owner: "acme", repo: "agents", number: 7 };
const key = "acme/agents#7";
const entry: HandoffEntry = {
  runId: "run-1",
  nodeId: "architecture",
  agent: "solution-architect",
  at: Date.UTC(2026, 0, 1),
  summary: "ADR merged",
  issue,
  idempotencyKey: "run-1:architecture:0123456789abcdef",
};

/** A sink on `gh` with no real waits: rate limits and back-off in milliseconds, no comment spacing. */
async function fastSink(gh: { url: string }, extra: Partial<GitHubSinkOptions> = {}) {
  const dir = await scratch();
  const ledger = createLedgerSink({ dir, redact: identity });
  const sink = createGitHubSink({ auth: "test-token", baseUrl: gh.url, redact: identity, retryAfterBaseMs: 1, writeIntervalMs: 0, fallback: ledger, ...extra });
  return { sink, ledger };
}

const ledgerLines = async (path: string): Promise<LedgerRecord[]> =>
  (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as LedgerRecord);

/** `GET /user 200`, `GET 200` (a list), `POST 201`, … in arrival order. */
const statuses = (gh: GitHubServer): string[] => gh.requests.map((r) => `${r.method} ${r.path === "/user" ? "/user " : ""}${r.status}`);

describe("createGitHubSink (real Octokit, local server)", () => {
  it("lists >100 existing comments across pages, posts once with the key's marker, and returns html_url", async () => {
    const gh = await server();
    gh.seedComments(key, Array.from({ length: 150 }, (_, i) => ({ body: `unrelated comment ${i}` })));
    const { sink } = await fastSink(gh, { auth: "test-token" });
    const { url } = await sink.record(entry);
    const posted = gh.comments.get(key)!.at(-1)!;
    expect(url).toBe(posted.html_url);
    expect(posted.body.startsWith(handoffMarker(entry))).toBe(true);
    expect(posted.body).toContain(`key=${encodeURIComponent(entry.idempotencyKey)} run=run-1 node=architecture agent=solution-architect -->`);
    expect(posted.body).toContain("ADR merged");
    expect(posted.body).toContain("2026-01-01T00:00:00.000Z");
    expect(statuses(gh)).toEqual(["GET /user 200", "GET 200", "GET 200", "POST 201"]);
    expect(gh.requests[2]!.path).toContain("page=2");
    // Same instance: cached, no new request.
    expect(await sink.record(entry)).toEqual({ url });
    expect(gh.requests).toHaveLength(4);
  });

  it("after a restart, finds its key's marker on page 2 and stops listing there, instead of posting twice", async () => {
    const gh = await server();
    gh.seedComments(key, Array.from({ length: 120 }, (_, i) => ({ body: `noise ${i}` })));
    const first = await (await fastSink(gh)).sink.record(entry);
    gh.seedComments(key, Array.from({ length: 100 }, (_, i) => ({ body: `more noise ${i}` })));
    const before = gh.requests.length;
    const [again, concurrent] = await Promise.all([
      (await fastSink(gh)).sink.record(entry),
      (await fastSink(gh)).sink.record({ ...entry, summary: "different text" }),
    ]);
    expect(again.url).toBe(first.url);
    expect(concurrent.url).toBe(first.url);
    expect(gh.comments.get(key)!.filter((c) => c.body.includes("hybrid:handoff"))).toHaveLength(1);
    // Two sinks, each asks who it is once, then two pages each of three: the search stopped at the page with the marker.
    expect(gh.requests.slice(before).map((r) => `${r.method} ${r.path === "/user" ? "user" : r.path.includes("page=2") ? 2 : 1}`).sort()).toEqual(["GET 1", "GET 1", "GET 2", "GET 2", "GET user", "GET user"]);
  });

  it("dedupes on the key: a forced re-run of a changed node (new key) posts a new comment with its new summary", async () => {
    const gh = await server();
    const { sink } = await fastSink(gh);
    const first = await sink.record(entry);
    const rerun = await (await fastSink(gh)).sink.record({ ...entry, idempotencyKey: "run-1:architecture:fedcba9876543210", summary: "ADR v2 merged" });
    expect(rerun.url).not.toBe(first.url);
    const bodies = gh.comments.get(key)!.map((c) => c.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toContain("ADR v2 merged");
    expect(bodies[1]).toContain("key=run-1%3Aarchitecture%3Afedcba9876543210 ");
  });

  it("concurrent records of one key in one sink share one list and one POST", async () => {
    const gh = await server();
    const { sink } = await fastSink(gh);
    const results = await Promise.all([sink.record(entry), sink.record({ ...entry, summary: "x" }), sink.record(entry)]);
    expect(new Set(results.map((r) => r.url)).size).toBe(1);
    expect(statuses(gh)).toEqual(["GET /user 200", "GET 200", "POST 201"]);
  });

  it("waits out a secondary rate limit (403, retry-after) and a primary one (429), and retries a 500", async () => {
    const gh = await server();
    gh.failNext(403, { secondaryRateLimit: true, retryAfterSec: 1 });
    gh.failNext(429, { retryAfterSec: 0, secondaryRateLimit: false });
    gh.failNext(500, { count: 2 });
    const { sink } = await fastSink(gh);
    const { url } = await sink.record(entry);
    expect(url).toContain("#issuecomment-");
    // The faults hit the first request, the identity lookup; then the search and the post.
    expect(statuses(gh)).toEqual(["GET /user 403", "GET /user 429", "GET /user 500", "GET /user 500", "GET /user 200", "GET 200", "POST 201"]);
    expect(gh.comments.get(key)).toHaveLength(1);
  });

  it("after its retries, falls back to the ledger with the GitHub error, or rejects with fallbackOnError off", async () => {
    const gh = await server();
    gh.failNext(500, { count: 2 });
    // With its identity configured, the sink asks no `GET /user`: the faults hit the search.
    const { sink, ledger } = await fastSink(gh, { retries: 1, identity: "hybrid-bot" });
    const { url } = await sink.record(entry);
    expect(url).toBe(`ledger://${ledger.path}#${encodeURIComponent(entry.idempotencyKey)}`);
    expect(statuses(gh)).toEqual(["GET 500", "GET 500"]);
    expect(await ledgerLines(ledger.path)).toEqual([expect.objectContaining({ idempotencyKey: entry.idempotencyKey, summary: "ADR merged", issue, url, fallbackReason: expect.stringMatching(/^GitHub 500: /) })]);
    // The same key again, from this sink: the ledger URL, nothing more sent.
    expect(await sink.record(entry)).toEqual({ url });
    expect(gh.requests).toHaveLength(2);

    gh.failNext(403, { secondaryRateLimit: true, count: 10, retryAfterSec: 0 });
    const strict = (await fastSink(gh, { rateLimitRetries: 0, fallbackOnError: false, identity: "hybrid-bot" })).sink;
    await expect(strict.record({ ...entry, idempotencyKey: "other" })).rejects.toMatchObject({ status: 403 });
    expect(statuses(gh).slice(2)).toEqual(["GET 403"]);
  });

  it("gives GitHub timeoutMs, aborts the request, and records the handoff in the ledger as timed out", async () => {
    const silent = await silentServer();
    const { sink, ledger } = await fastSink(silent, { timeoutMs: 100 });
    const { url } = await sink.record(entry);
    expect(url).toBe(`ledger://${ledger.path}#${encodeURIComponent(entry.idempotencyKey)}`);
    const [record] = await ledgerLines(ledger.path);
    expect(record!.fallbackReason).toContain("timed out after 100ms");
    await eventually(() => silent.requests.length === 1 && silent.requests[0]!.closed);
    const strict = (await fastSink(silent, { timeoutMs: 100, fallbackOnError: false })).sink;
    const error = await strict.record(entry).catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
  });

  it("rejects at once when a caller's signal aborts, and stops the request when no caller waits any more", async () => {
    const silent = await silentServer();
    const { sink, ledger } = await fastSink(silent);
    const reason = new Error("run stopped");
    await expect(sink.record(entry, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const first = new AbortController();
    const second = new AbortController();
    const pending = sink.record(entry, { signal: first.signal });
    const waiting = sink.record(entry, { signal: second.signal });
    await eventually(() => silent.requests.length === 1);
    first.abort(reason);
    await expect(pending).rejects.toBe(reason);
    // The other caller still waits: the one request goes on.
    expect(silent.requests).toEqual([expect.objectContaining({ closed: false })]);
    second.abort(new Error("gone too"));
    await expect(waiting).rejects.toThrow("gone too");
    await eventually(() => silent.requests[0]!.closed);
    expect(silent.requests).toHaveLength(1);
    // Abandoned, not failed: nothing went to the fallback.
    await expect(readFile(ledger.path, "utf8")).rejects.toThrow();
  });

  it("sends nodes without an issue to the fallback, redacts the comment but not the key", async () => {
    const gh = await server();
    const dir = await scratch();
    const fallback = createLedgerSink({ dir, redact: redactSecrets });
    const sink = createGitHubSink({ auth: "test-token", baseUrl: gh.url, fallback, redact: redactSecrets, writeIntervalMs: 0 });
    const { url } = await sink.record({ ...entry, issue: undefined, nodeId: "local", idempotencyKey: "run-1:local:1" });
    expect(url).toBe(`ledger://${join(dir, "ledger.jsonl")}#${encodeURIComponent("run-1:local:1")}`);
    expect(gh.requests).toEqual([]);
    await sink.record({ ...entry, agent: "agent-SECRET-9", summary: "key SECRET-77 leaked", idempotencyKey: "run-1:architecture:SECRET-1" });
    const body = gh.comments.get(key)![0]!.body;
    expect(body).not.toContain("SECRET-77");
    expect(body).not.toContain("agent-SECRET-9");
    expect(body).toContain("key [REDACTED] leaked");
    expect(body.startsWith(`<!-- hybrid:handoff key=${encodeURIComponent("run-1:architecture:SECRET-1")} `)).toBe(true);
  });

  it("keeps a key that could end an HTML comment inside its marker", async () => {
    const gh = await server();
    const { sink } = await fastSink(gh);
    const odd = { ...entry, idempotencyKey: "x --> <b>y</b> key=z" };
    const first = await sink.record(odd);
    expect(gh.comments.get(key)![0]!.body.split("\n")[0]).toBe(
      `<!-- hybrid:handoff key=${encodeURIComponent(odd.idempotencyKey)} run=run-1 node=architecture agent=solution-architect -->`,
    );
    expect(await (await fastSink(gh)).sink.record(odd)).toEqual(first);
    expect(await (await fastSink(gh)).sink.record({ ...entry, idempotencyKey: "z" })).not.toEqual(first);
  });

  it("accepts a ready Octokit", async () => {
    const gh = await server();
    const sink = createGitHubSink({ octokit: new Octokit({ baseUrl: gh.url, auth: "test-token" }), redact: identity, fallback: createLedgerSink({ dir: await scratch(), redact: identity }) });
    expect((await sink.record(entry)).url).toBe(gh.comments.get(key)![0]!.html_url);
  });

  it("uses a default ledger under .hybrid (or ledgerDir) for its fallback", async () => {
    const gh = await server();
    const dir = await scratch();
    const local = { ...entry, issue: undefined, idempotencyKey: "run-1:local:1" };
    const atDir = createGitHubSink({ baseUrl: gh.url, redact: identity, ledgerDir: join(dir, "state") });
    await atDir.record(local);
    expect(await ledgerLines(join(dir, "state", "ledger.jsonl"))).toEqual([expect.objectContaining({ idempotencyKey: "run-1:local:1", summary: "ADR merged" })]);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await createGitHubSink({ baseUrl: gh.url, redact: identity }).record(local);
    } finally {
      process.chdir(cwd);
    }
    expect(await ledgerLines(join(dir, ".hybrid", "ledger.jsonl"))).toEqual([expect.objectContaining({ idempotencyKey: "run-1:local:1", url: expect.stringContaining(join(dir, ".hybrid", "ledger.jsonl")) })]);
  });

  it("validates its options: a URL, and a required redact that returns a string", () => {
    const problems = (options: unknown): unknown => {
      try {
        createGitHubSink(options as GitHubSinkOptions);
      } catch (error) {
        expect(isDispatchOptionsError(error)).toBe(true);
        return (error as { problems: unknown }).problems;
      }
      return expect.unreachable("invalid options must throw");
    };
    expect(problems({ baseUrl: "not a url", redact: identity })).toEqual([expect.objectContaining({ path: "baseUrl" })]);
    expect(problems({})).toEqual([expect.objectContaining({ path: "redact", message: expect.stringContaining("required") })]);
    // context's redactSecrets returns { text, findings }: refused when the sink is made, naming the option.
    const wrong = (() => {
      try {
        createGitHubSink({ redact: ((text: string) => ({ text, findings: [] })) as never });
      } catch (error) {
        return error;
      }
      return expect.unreachable("a redactor returning an object must be refused");
    })();
    expect(isInvalidRedactorError(wrong)).toBe(true);
    expect(wrong).toMatchObject({ where: "GitHub sink redact" });
  });
});
