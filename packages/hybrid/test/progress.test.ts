import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { redact } from "@hybrid/context";
import { thrown } from "@hybrid/test-utils";
import { Octokit } from "@octokit/rest";
import type { GitHubServer } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { createProgressReporter, isReportingOptionsError } from "../src/index.js";
import type { ProgressReporterOptions, ProgressSnapshot } from "../src/index.js";
import { commentsStartingWith, count, gitHub, issue, issueKey, scratch, silentServer, startChild } from "./fixtures/reporting.js";
import { snapshotAt } from "./fixtures/snapshots.js";

const MARKER = "<!-- hybrid:progress run=";
const LIST_OR_POST = /^\/repos\/acme\/agents\/issues\/11\/comments$/;
const EDIT = /^\/repos\/acme\/agents\/issues\/comments\/\d+$/;

/** Requests by kind, as the server saw them. */
const tally = (server: GitHubServer) => ({
  user: count(server, "GET", /^\/user$/),
  list: count(server, "GET", LIST_OR_POST),
  post: count(server, "POST", LIST_OR_POST),
  patch: count(server, "PATCH", EDIT),
});

type GitHubOptions = NonNullable<ProgressReporterOptions["github"]>;

async function reporter(server: { url: string }, github: Partial<GitHubOptions> = {}, extra: Partial<ProgressReporterOptions> = {}) {
  const stateDir = await scratch();
  const progress = createProgressReporter({
    stateDir,
    redact,
    github: { baseUrl: server.url, auth: "t", issue, writeIntervalMs: 0, retryAfterBaseMs: 1, ...github },
    ...extra,
  });
  return { progress, stateDir };
}

describe("progress ledger on GitHub", () => {
  it("posts one comment per run and edits it in place at every wave", async () => {
    const server = await gitHub();
    const { progress, stateDir } = await reporter(server);
    const urls = [];
    for (let wave = 0; wave <= 4; wave++) {
      const result = await progress.update(snapshotAt("run-1", wave, 4));
      expect(result.error).toBeUndefined();
      urls.push(result.url);
    }
    const [comment, ...others] = commentsStartingWith(server, MARKER);
    expect(others).toEqual([]);
    expect(new Set(urls)).toEqual(new Set([comment!.html_url]));
    expect(tally(server)).toEqual({ user: 1, list: 1, post: 1, patch: 4 });
    expect(comment!.body.split("\n")[0]).toBe("<!-- hybrid:progress run=run-1 -->");
    expect(comment!.body).toContain("Workflow `release-train` · mode **hybrid** · wave 4/4 · updated 2026-01-01T12:00:04.000Z");
    expect(comment!.body).toContain("**4 nodes**: 1 running · 3 succeeded");
    expect(comment!.body).toContain("| `architecture` | `solution-architect` | `succeeded` | 1 | [handoff](https://github.com/acme/agents/issues/11#issuecomment-1000) |");
    expect(comment!.body).toContain("| `docs` | `tech-writer` | `running` | 1 |  |");
    // The file mirrors the comment.
    expect(await readFile(join(stateDir, "runs", "run-1", "progress.md"), "utf8")).toBe(comment!.body);
    // Nothing new, nothing sent.
    await progress.update(snapshotAt("run-1", 4, 4));
    expect(tally(server).patch).toBe(4);
    // Another run has its own comment.
    await progress.update(snapshotAt("run-2", 1, 4));
    expect(commentsStartingWith(server, MARKER)).toHaveLength(2);
  });

  it("a new reporter (a restart) finds the comment by its marker and edits it", async () => {
    const server = await gitHub();
    const before = await reporter(server);
    const { url } = await before.progress.update(snapshotAt("run-1", 1, 4));
    const after = await reporter(server);
    expect((await after.progress.update(snapshotAt("run-1", 2, 4))).url).toBe(url);
    expect(tally(server)).toEqual({ user: 2, list: 2, post: 1, patch: 1 });
    expect(commentsStartingWith(server, MARKER)[0]!.body).toContain("wave 2/4");
  });

  it("ignores a forged marker by anyone else, and the identity option skips GET /user", async () => {
    const server = await gitHub();
    const [forged] = server.seedComments(issueKey, [{ body: "<!-- hybrid:progress run=run-1 -->\nall green, merge it", user: { login: "mallory" } }]);
    const first = await reporter(server, { identity: "Hybrid-Bot" });
    const { url } = await first.progress.update(snapshotAt("run-1", 1, 4));
    expect(url).not.toBe(forged!.html_url);
    const again = await reporter(server, { identity: "hybrid-bot" });
    expect((await again.progress.update(snapshotAt("run-1", 2, 4))).url).toBe(url);
    expect(forged!.body).toBe("<!-- hybrid:progress run=run-1 -->\nall green, merge it");
    expect(tally(server)).toEqual({ user: 0, list: 2, post: 1, patch: 1 });
  });

  it("finds its comment past the first page, and ignores quotes of the marker and other runs' markers", async () => {
    const server = await gitHub();
    server.seedComments(issueKey, [
      ...Array.from({ length: 150 }, (_, i) => ({ body: `chatter ${i}`, user: { login: "someone" } })),
      { body: "> <!-- hybrid:progress run=run-1 -->" },
      { body: "<!-- hybrid:progress run=run-10 -->\n" },
      { body: "<!-- hybrid:progress run=run-1 -->x" },
    ]);
    const [ours] = server.seedComments(issueKey, [{ body: "<!-- hybrid:progress run=run-1 -->\r\nedited on github.com" }]);
    const { progress } = await reporter(server);
    expect((await progress.update(snapshotAt("run-1", 1, 4))).url).toBe(ours!.html_url);
    expect(tally(server)).toMatchObject({ list: 2, post: 0, patch: 1 });
  });

  it("two reporters racing for the first post share one post", async () => {
    const server = await gitHub();
    const a = await reporter(server);
    const b = await reporter(server);
    const [one, two] = await Promise.all([a.progress.update(snapshotAt("run-1", 1, 4)), b.progress.update(snapshotAt("run-1", 2, 4))]);
    expect(two.url).toBe(one.url);
    expect(tally(server).post).toBe(1);
    expect(commentsStartingWith(server, MARKER)).toHaveLength(1);
    // Each then makes it show its own snapshot: whichever did not post edits it once.
    expect(tally(server).patch).toBe(1);
  });

  it("coalesces snapshots that arrive during a write: the latest wins, every caller gets its result", async () => {
    const server = await gitHub();
    const { progress } = await reporter(server);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => progress.update(snapshotAt("run-1", i % 5, 4))));
    await progress.flush();
    // The first write carries snapshot 0; the nine that queued behind it are one write of the last.
    expect(tally(server)).toEqual({ user: 1, list: 1, post: 1, patch: 1 });
    expect(new Set(results.map((r) => r.url)).size).toBe(1);
    expect(results.every((r) => r.error === undefined)).toBe(true);
    expect(commentsStartingWith(server, MARKER)[0]!.body).toContain("wave 4/4");
  });

  it("posts again when its comment was deleted", async () => {
    const server = await gitHub();
    const { progress } = await reporter(server);
    const { url } = await progress.update(snapshotAt("run-1", 1, 4));
    server.comments.set(issueKey, []);
    const again = await progress.update(snapshotAt("run-1", 2, 4));
    expect(again.error).toBeUndefined();
    expect(again.url).not.toBe(url);
    expect(commentsStartingWith(server, MARKER)).toHaveLength(1);
  });

  it("redacts the table and never touches the marker", async () => {
    const server = await gitHub();
    const { progress, stateDir } = await reporter(server);
    const secret = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    const snapshot = snapshotAt("run-1", 1, 4);
    snapshot.nodes[0]!.status = `failed: token ${secret}`;
    await progress.update(snapshot);
    const [comment] = commentsStartingWith(server, "<!-- hybrid:progress run=run-1 -->\n");
    expect(comment!.body).toContain("[REDACTED:github-token]");
    expect(comment!.body).not.toContain(secret);
    expect(await readFile(join(stateDir, "runs", "run-1", "progress.md"), "utf8")).not.toContain(secret);
  });
});

describe("progress ledger failures never fail the run", () => {
  it("a failed GET /user is asked again; a ready Octokit is used as given", async () => {
    const server = await gitHub();
    const stateDir = await scratch();
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const octokit = new Octokit({ baseUrl: server.url, auth: "t", log: quiet });
    const progress = createProgressReporter({ stateDir, redact, github: { octokit, issue } });
    server.failNext(500);
    const failed = await progress.update(snapshotAt("run-1", 1, 4));
    expect(failed.error).toMatchObject({ code: "identity-unknown" });
    expect(failed.error!.message).toContain("GET /user answered 500");
    expect((await progress.update(snapshotAt("run-1", 2, 4))).error).toBeUndefined();
    expect(tally(server)).toMatchObject({ post: 1 });
  });


  it("a GitHub error comes back as an error with the file URL; the next update recovers", async () => {
    const server = await gitHub();
    const { progress, stateDir } = await reporter(server, { retries: 0, identity: "hybrid-bot" });
    server.failNext(500);
    const failed = await progress.update(snapshotAt("run-1", 1, 4));
    expect(failed.url).toBe(pathToFileURL(join(stateDir, "runs", "run-1", "progress.md")).href);
    expect(failed.error).toMatchObject({ code: "github-failed" });
    expect(failed.error!.message).toMatch(/^\[hybrid\] progress ledger: GitHub 500: /);
    const recovered = await progress.update(snapshotAt("run-1", 2, 4));
    expect(recovered.error).toBeUndefined();
    expect(recovered.url).toMatch(/^https:\/\/github\.com\//);
  });

  it("without a way to know whose comments are ours, it does not post", async () => {
    const server = await gitHub();
    const { progress } = await reporter(server, { auth: undefined });
    const first = await progress.update(snapshotAt("run-1", 1, 4));
    const second = await progress.update(snapshotAt("run-1", 2, 4));
    expect(first.error).toMatchObject({ code: "identity-unknown" });
    expect(first.error!.message).toContain("GET /user answered 401");
    expect(first.url).toMatch(/^file:/);
    expect(second.error).toMatchObject({ code: "identity-unknown" });
    // A 401 is remembered: asked once.
    expect(tally(server)).toEqual({ user: 1, list: 0, post: 0, patch: 0 });
  });

  it("warns when the configured identity is not who posts", async () => {
    const server = await gitHub();
    const { progress } = await reporter(server, { identity: "release-app[bot]" });
    const { url, error } = await progress.update(snapshotAt("run-1", 1, 4));
    expect(url).toMatch(/^https:\/\/github\.com\//);
    expect(error).toMatchObject({ code: "identity-mismatch" });
    expect(error!.message).toContain("set github.identity to hybrid-bot");
  });

  it("a write that hangs is cut at timeoutMs; an aborted caller stops waiting", async () => {
    const url = await silentServer();
    const { progress } = await reporter({ url }, { identity: "hybrid-bot" }, { timeoutMs: 100 });
    const timedOut = await progress.update(snapshotAt("run-1", 1, 4));
    expect(timedOut.error).toMatchObject({ code: "timeout" });
    expect(timedOut.url).toMatch(/^file:/);
    // Cut while asking who we are: asked again next time.
    const anonymous = await reporter({ url }, {}, { timeoutMs: 100 });
    expect((await anonymous.progress.update(snapshotAt("run-1", 1, 4))).error).toMatchObject({ code: "timeout" });
    expect((await anonymous.progress.update(snapshotAt("run-1", 1, 4))).error).toMatchObject({ code: "timeout" });
    const controller = new AbortController();
    const pending = progress.update(snapshotAt("run-1", 2, 4), { signal: controller.signal });
    controller.abort();
    expect((await pending).error).toMatchObject({ code: "aborted" });
    await progress.flush();
    expect((await progress.update(snapshotAt("run-1", 3, 4), { signal: AbortSignal.abort() })).error).toMatchObject({ code: "aborted" });
  });

  it("a reporter that joined another's search, which that one's deadline stopped, searches on its own", async () => {
    const url = await silentServer();
    const short = await reporter({ url }, { identity: "hybrid-bot" }, { timeoutMs: 50 });
    const long = await reporter({ url }, { identity: "hybrid-bot" }, { timeoutMs: 300 });
    const [a, b] = await Promise.all([short.progress.update(snapshotAt("run-1", 1, 4)), long.progress.update(snapshotAt("run-1", 1, 4))]);
    expect(a.error).toMatchObject({ code: "timeout" });
    expect(b.error).toMatchObject({ code: "timeout", message: "[hybrid] progress ledger: GitHub: write timed out after 300ms" });
  });

  it("an abort once the write has started stops it", async () => {
    const url = await silentServer();
    const { progress } = await reporter({ url }, { identity: "hybrid-bot" });
    const controller = new AbortController();
    const first = progress.update(snapshotAt("run-1", 1, 4), { signal: controller.signal });
    // Behind the first: coalesced, then abandoned before its turn.
    const queued = new AbortController();
    const second = progress.update(snapshotAt("run-1", 2, 4), { signal: queued.signal });
    queued.abort();
    expect((await second).error).toMatchObject({ code: "aborted" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect((await first).error).toMatchObject({ code: "aborted" });
    await progress.flush();
  });

  it("a file that cannot be written is reported, and GitHub still gets the update", async () => {
    const server = await gitHub();
    const stateDir = await scratch();
    await writeFile(join(stateDir, "runs"), "not a directory");
    // The plugin's own write spacing (no writeIntervalMs): one write, no wait.
    const progress = createProgressReporter({ stateDir, redact, github: { baseUrl: server.url, auth: "t", issue } });
    const online = await progress.update(snapshotAt("run-1", 1, 4));
    expect(online.url).toMatch(/^https:\/\/github\.com\//);
    expect(online.error).toMatchObject({ code: "file-write-failed" });
    const offline = await createProgressReporter({ stateDir, redact }).update(snapshotAt("run-1", 1, 4));
    expect(offline.url).toBeUndefined();
    expect(offline.error!.message).toContain(join(stateDir, "runs", "run-1", "progress.md"));
  });

  it("an invalid snapshot, or a redactor that throws, is an error, not a throw", async () => {
    const stateDir = await scratch();
    const progress = createProgressReporter({ stateDir, redact });
    expect((await progress.update({ ...snapshotAt("run-1", 1, 4), runId: "../x", wave: 9 })).error).toMatchObject({
      code: "invalid-snapshot",
      message: "[hybrid] progress ledger: invalid snapshot: runId: a run id: 1-128 characters from [A-Za-z0-9._-], starting with a letter or digit; wave: wave must not be past waves",
    });
    expect((await progress.update(null as unknown as ProgressSnapshot)).error!.message).toMatch(/invalid snapshot: \(root\): /);
    const brittle = createProgressReporter({
      stateDir,
      redact: (text) => {
        if (text.includes("boom")) throw new Error("redactor broke");
        return text;
      },
    });
    const snapshot = snapshotAt("run-1", 1, 4);
    snapshot.nodes[0]!.agent = "boom";
    expect((await brittle.update(snapshot)).error).toMatchObject({ code: "progress-failed" });
  });

  it("rejects bad options when it is made", () => {
    const error = thrown(() => createProgressReporter({ stateDir: "", github: { issue: { ...issue, number: -1 }, baseUrl: "nope" } } as unknown as ProgressReporterOptions));
    expect(isReportingOptionsError(error)).toBe(true);
    expect((error as { problems: Array<{ path: string }> }).problems.map((p) => p.path).sort()).toEqual(["github.baseUrl", "github.issue.number", "redact", "stateDir"]);
    expect((thrown(() => createProgressReporter(null as unknown as ProgressReporterOptions)) as Error).message).toMatch(/^\[hybrid\] invalid progress reporter options:\n {2}- \(root\): /);
  });
});

describe("progress ledger offline", () => {
  it("writes <stateDir>/runs/<runId>/progress.md atomically, the latest snapshot", async () => {
    const stateDir = await scratch();
    const progress = createProgressReporter({ stateDir, redact });
    for (let wave = 1; wave <= 3; wave++) await progress.update(snapshotAt("run-1", wave, 3, { mode: "sequential" }));
    const path = join(stateDir, "runs", "run-1", "progress.md");
    const { url, error } = await progress.update(snapshotAt("run-1", 3, 3, { mode: "sequential", nodes: [] }));
    expect(error).toBeUndefined();
    expect(url).toBe(pathToFileURL(path).href);
    expect(await readFile(path, "utf8")).toBe(
      [
        "<!-- hybrid:progress run=run-1 -->",
        "### hybrid progress: run `run-1`",
        "",
        "Workflow `release-train` · mode **sequential** · wave 3/3 · updated 2026-01-01T12:00:03.000Z",
        "",
        "**0 nodes**",
        "",
        "| node | agent | status | attempts | handoff |",
        "|---|---|---|---|---|",
        "",
      ].join("\n"),
    );
    expect(await readdir(join(stateDir, "runs", "run-1"))).toEqual(["progress.md"]);
  });
});

describe("progress ledger across kill -9", () => {
  it("a new reporter edits the comment a killed process was updating", async () => {
    const server = await gitHub();
    const stateDir = await scratch();
    const child = startChild("./progress-child.ts", [server.url, stateDir, "run-5", "1000"]);
    const url = (await child.line("wave 3 ")).split(" ")[2];
    await child.kill9();
    const { progress } = await reporter(server);
    const result = await progress.update(snapshotAt("run-5", 1000, 1000));
    expect(result).toEqual({ url });
    expect(tally(server).post).toBe(1);
    const [comment, ...others] = commentsStartingWith(server, MARKER);
    expect(others).toEqual([]);
    expect(comment!.body).toContain("wave 1000/1000");
  });
});
