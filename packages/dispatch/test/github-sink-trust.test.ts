// Whose markers the GitHub sink believes. The run id is public (the epic's progress comment), so
// anybody who can comment can post `<!-- hybrid:handoff key=<runId>:escalation … -->` first; a sink
// that believed it would return the forger's URL and never post the escalation (or a node's
// handoff). Real Octokit against the local GitHub server; the forger is a comment by another login.
import { readFile } from "node:fs/promises";
import { Octokit } from "@octokit/rest";
import { startGitHubServer } from "@hybrid/test-utils";
import type { GitHubServer, GitHubServerOptions } from "@hybrid/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { isGitHubIdentityError } from "../src/errors.js";
import { createGitHubSink } from "../src/github-sink.js";
import type { GitHubSinkOptions } from "../src/github-sink.js";
import { handoffMarker } from "../src/handoff.js";
import type { HandoffEntry } from "../src/handoff.js";
import { createLedgerSink } from "../src/ledger-sink.js";
import type { LedgerRecord } from "../src/ledger-sink.js";
import { tempDir } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The local server; the token `user-token` is hybrid-bot (the default), `app-token` a GitHub App's installation. */
async function server(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  const started = await startGitHubServer({ tokens: { "app-token": { login: "hybrid-app[bot]", app: true } }, ...options });
  cleanups.push(() => started.close());
  return started;
}

const same = (text: string): string => text;
const issue = { owner: "acme", repo: "agents", number: 7 };
const key = "acme/agents#7";
const escalation: HandoffEntry = {
  runId: "run-42",
  nodeId: "escalation",
  agent: "hybrid",
  at: Date.UTC(2026, 0, 1),
  summary: "@chief-of-staff: hybrid run `run-42` failed.",
  issue,
  idempotencyKey: "run-42:escalation",
};
const handoff: HandoffEntry = { ...escalation, nodeId: "architecture", agent: "solution-architect", summary: "ADR merged", idempotencyKey: "run-42:architecture:0123456789abcdef" };

/** A sink on the local server with no real waits, and its own ledger. */
async function sinkOn(gh: GitHubServer, extra: Partial<GitHubSinkOptions> = {}) {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const ledger = createLedgerSink({ dir, redact: same });
  const sink = createGitHubSink({ auth: "user-token", baseUrl: gh.url, redact: same, retryAfterBaseMs: 1, writeIntervalMs: 0, fallback: ledger, ...extra });
  return { sink, ledger };
}

/** A comment by `login` that starts with the entry's marker, exactly as the sink would write it. */
const forge = (gh: GitHubServer, entry: HandoffEntry, login: string) =>
  gh.seedComments(key, [{ body: `${handoffMarker(entry)}\nnothing to see here`, user: { login } }])[0]!;

const markerComments = (gh: GitHubServer, entry: HandoffEntry) => (gh.comments.get(key) ?? []).filter((c) => c.body.startsWith(handoffMarker(entry)));
const posts = (gh: GitHubServer) => gh.requests.filter((r) => r.method === "POST");
const userLookups = (gh: GitHubServer) => gh.requests.filter((r) => r.path === "/user");
const ledgerLines = async (path: string): Promise<LedgerRecord[]> =>
  (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as LedgerRecord);

describe("the GitHub sink trusts only its own markers (and its authors')", () => {
  it("a forged escalation marker posted first by another user: the sink posts its own comment and returns its URL", async () => {
    const gh = await server();
    const forged = forge(gh, escalation, "mallory");
    const { sink } = await sinkOn(gh);
    const { url } = await sink.record(escalation);
    expect(url).not.toBe(forged.html_url);
    const [theirs, ours, ...more] = markerComments(gh, escalation);
    expect(more).toEqual([]);
    expect(theirs!.id).toBe(forged.id);
    expect(ours).toMatchObject({ html_url: url, user: { login: gh.login } });
    expect(ours!.body).toContain("hybrid run `run-42` failed.");
    expect(posts(gh)).toHaveLength(1);
  });

  it("a forged node handoff marker is ignored the same way", async () => {
    const gh = await server();
    const forged = forge(gh, handoff, "mallory");
    const { url } = await (await sinkOn(gh)).sink.record(handoff);
    expect(url).not.toBe(forged.html_url);
    expect(markerComments(gh, handoff).map((c) => c.user.login)).toEqual(["mallory", gh.login]);
  });

  it("after a restart a new sink finds its own earlier comment, not the forger's before or after it", async () => {
    const gh = await server();
    forge(gh, escalation, "mallory");
    const first = await (await sinkOn(gh)).sink.record(escalation);
    forge(gh, escalation, "eve");
    const before = gh.requests.length;
    const restarted = await (await sinkOn(gh)).sink.record(escalation);
    expect(restarted.url).toBe(first.url);
    expect(posts(gh)).toHaveLength(1);
    // The restart asked who it is, then searched: nothing posted.
    expect(gh.requests.slice(before).map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual(["GET /user", "GET /repos/acme/agents/issues/7/comments"]);
    expect(markerComments(gh, escalation).map((c) => c.user.login)).toEqual(["mallory", gh.login, "eve"]);
  });

  it("compares logins case-insensitively, as GitHub does", async () => {
    // The token's user answers `Hybrid-Bot`; its earlier comment lists it as `HYBRID-bot`.
    const gh = await server({ tokens: { "user-token": { login: "Hybrid-Bot" } } });
    const earlier = forge(gh, escalation, "HYBRID-bot");
    expect((await (await sinkOn(gh)).sink.record(escalation)).url).toBe(earlier.html_url);
    expect(posts(gh)).toEqual([]);
  });

  it("`authors`: a marker by a configured author counts (any case), one by anybody else does not", async () => {
    const gh = await server();
    forge(gh, handoff, "mallory");
    const byTeamBot = forge(gh, handoff, "Team-Bot");
    const { sink } = await sinkOn(gh, { authors: ["team-bot"] });
    expect((await sink.record(handoff)).url).toBe(byTeamBot.html_url);
    expect(posts(gh)).toEqual([]);
  });

  it("`identity` (a GitHub App's token): asks no GET /user, ignores forgers, and a restart finds its comment", async () => {
    const gh = await server();
    forge(gh, escalation, "mallory");
    const app = { auth: "app-token", identity: "Hybrid-App[bot]" };
    const { url } = await (await sinkOn(gh, app)).sink.record(escalation);
    const ours = markerComments(gh, escalation).at(-1)!;
    expect(ours).toMatchObject({ html_url: url, user: { login: "hybrid-app[bot]", type: "Bot" } });
    expect((await (await sinkOn(gh, app)).sink.record(escalation)).url).toBe(url);
    expect(posts(gh)).toHaveLength(1);
    expect(userLookups(gh)).toEqual([]);
  });

  it("GET /user refused (an App's token without identity, or no token): no search, no post; the fallback says why, once per sink", async () => {
    const gh = await server();
    forge(gh, escalation, "mallory");
    const { sink, ledger } = await sinkOn(gh, { auth: "app-token" });
    const { url } = await sink.record(escalation);
    expect(url).toBe(`ledger://${ledger.path}#${encodeURIComponent(escalation.idempotencyKey)}`);
    const [record] = await ledgerLines(ledger.path);
    expect(record).toMatchObject({ idempotencyKey: escalation.idempotencyKey, summary: escalation.summary, issue });
    expect(record!.fallbackReason).toContain("cannot tell its own handoff comments from others' (GET /user answered 403)");
    expect(record!.fallbackReason).toContain("set `identity` to the login it posts as");
    // Another key: the refusal is remembered, GitHub is not asked again.
    await sink.record(handoff);
    expect(gh.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["GET /user 403"]);
    expect((await ledgerLines(ledger.path)).map((line) => line.idempotencyKey)).toEqual([escalation.idempotencyKey, handoff.idempotencyKey]);

    // Without a fallback it is a typed error; anonymous (no token) is refused the same way (401).
    const strict = await sinkOn(gh, { auth: undefined, fallbackOnError: false });
    const error = await strict.sink.record(escalation).catch((e: unknown) => e);
    expect(isGitHubIdentityError(error)).toBe(true);
    expect(error).toMatchObject({ code: "identity-unknown", userStatus: 401, name: "GitHubIdentityError" });
    expect((error as Error).message).toMatch(/^\[dispatch\] GitHub sink: /);
    expect(posts(gh)).toEqual([]);
  });

  it("GET /user failing otherwise (a 500 after the retries) is not remembered: the next record asks again and posts", async () => {
    const gh = await server();
    gh.failNext(500, { count: 2 });
    const { sink, ledger } = await sinkOn(gh, { retries: 1 });
    const first = await sink.record(handoff);
    expect(first.url).toMatch(/^ledger:\/\//);
    expect((await ledgerLines(ledger.path))[0]!.fallbackReason).toMatch(/^GitHub 500: /);
    const { url } = await sink.record(escalation);
    expect(url).toBe(markerComments(gh, escalation)[0]!.html_url);
    expect(userLookups(gh).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("concurrent records of several keys share one GET /user, and later records ask no more", async () => {
    const gh = await server();
    const { sink } = await sinkOn(gh);
    const keys = ["a", "b", "c", "d"].map((nodeId) => ({ ...handoff, nodeId, idempotencyKey: `run-42:${nodeId}:1` }));
    const urls = await Promise.all(keys.map((entry) => sink.record(entry)));
    expect(new Set(urls.map((u) => u.url)).size).toBe(4);
    await sink.record({ ...handoff, nodeId: "e", idempotencyKey: "run-42:e:1" });
    expect(userLookups(gh)).toHaveLength(1);
    expect(posts(gh)).toHaveLength(5);
  });

  it("a lookup stopped with the caller that started it is redone for a caller still waiting, and not remembered", async () => {
    const gh = await server();
    const { sink, ledger } = await sinkOn(gh);
    const stop = new AbortController();
    const reason = new Error("run stopped");
    // Both start synchronously: the second key's record joins the lookup the first one started.
    const stopped = sink.record(handoff, { signal: stop.signal });
    const waiting = sink.record(escalation);
    stop.abort(reason);
    await expect(stopped).rejects.toBe(reason);
    const { url } = await waiting;
    expect(url).toBe(markerComments(gh, escalation)[0]!.html_url);
    expect(userLookups(gh).filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
    // The stopped key was abandoned, not failed: nothing in the ledger, and it posts when asked again.
    await expect(readFile(ledger.path, "utf8")).rejects.toThrow();
    expect((await sink.record(handoff)).url).toBe(markerComments(gh, handoff)[0]!.html_url);
    expect(posts(gh)).toHaveLength(2);
  });

  it("a ready Octokit is asked who it is too", async () => {
    const gh = await server();
    forge(gh, handoff, "mallory");
    const sink = createGitHubSink({ octokit: new Octokit({ baseUrl: gh.url, auth: "user-token" }), redact: same, ledgerDir: "/nonexistent-never-written" });
    const { url } = await sink.record(handoff);
    expect(markerComments(gh, handoff).map((c) => [c.user.login, c.html_url === url])).toEqual([
      ["mallory", false],
      [gh.login, true],
    ]);
  });
});
