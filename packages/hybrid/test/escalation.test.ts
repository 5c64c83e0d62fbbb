import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { redact } from "@hybrid/context";
import { createGitHubSink, createLedgerSink } from "@hybrid/dispatch";
import type { HandoffSink, LedgerRecord } from "@hybrid/dispatch";
import { thrown } from "@hybrid/test-utils";
import type { GitHubServer } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { createEscalator, isEscalationError, isReportingOptionsError } from "../src/index.js";
import type { EscalatorOptions } from "../src/index.js";
import { commentsStartingWith, count, failedPostMortem, gitHub, issue, scratch, SECRET, startChild } from "./fixtures/reporting.js";

const MARKER = "<!-- hybrid:handoff key=";
const POSTS = /^\/repos\/acme\/agents\/issues\/11\/comments$/;

/** The GitHub sink a restarted process would build: fresh, on the local server, no real waits. */
async function githubSink(server: GitHubServer, ledgerDir?: string): Promise<HandoffSink> {
  return createGitHubSink({ auth: "t", baseUrl: server.url, ledgerDir: ledgerDir ?? (await scratch()), redact, writeIntervalMs: 0, retryAfterBaseMs: 1 });
}

const escalator = (sink: HandoffSink, extra: Partial<EscalatorOptions> = {}) =>
  createEscalator({ sink, target: issue, owner: "chief-of-staff", redact, clock: () => Date.UTC(2026, 0, 1), ...extra });

const failed = { runId: "run-7", workflowId: "release-train", reason: "run-failed" } as const;

describe("escalation on GitHub", () => {
  it("posts one comment per run mentioning the owner, with the failed nodes, root causes and hints, redacted", async () => {
    const server = await gitHub();
    const first = escalator(await githubSink(server));
    const { url } = await first.escalate(failedPostMortem("run-7"), failed);
    const again = await first.escalate(failedPostMortem("run-7"), { ...failed, reason: "needs-escalation", nodes: ["release"] });
    expect(again.url).toBe(url);
    const [comment, ...others] = commentsStartingWith(server, MARKER);
    expect(others).toEqual([]);
    expect(comment!.html_url).toBe(url);
    expect(count(server, "POST", POSTS)).toBe(1);
    expect(comment!.body).toContain(`${MARKER}run-7%3Aescalation `);
    expect(comment!.body).toContain("@chief-of-staff: hybrid run `run-7` of workflow `release-train` failed.");
    expect(comment!.body).toContain("**Nodes:** `security-review`");
    expect(comment!.body).toContain("## Post-mortem: run `run-7` — failed");
    expect(comment!.body).toContain("- **Root cause:**");
    expect(comment!.body).toContain("**What to do:**");
    expect(comment!.body).toContain("`release` blocked by `security-review`");
    expect(comment!.body).not.toContain(SECRET);
    expect(comment!.body).toContain("[REDACTED:github-token]");
  });

  it("concurrent calls, a second escalator and a restarted sink all find the one comment", async () => {
    const server = await gitHub();
    const sink = await githubSink(server);
    const [a, b] = await Promise.all([escalator(sink).escalate(failedPostMortem("run-7"), failed), escalator(sink).escalate(failedPostMortem("run-7"), failed)]);
    expect(b.url).toBe(a.url);
    // A restart: a new sink and a new escalator, nothing in memory.
    const restarted = await escalator(await githubSink(server)).escalate(failedPostMortem("run-7"), failed);
    expect(restarted.url).toBe(a.url);
    expect(count(server, "POST", POSTS)).toBe(1);
    expect(commentsStartingWith(server, MARKER)).toHaveLength(1);
    // Another run is another escalation.
    await escalator(sink).escalate(failedPostMortem("run-8"), { ...failed, runId: "run-8" });
    expect(commentsStartingWith(server, MARKER)).toHaveLength(2);
  });

  it("a process killed with kill -9 after escalating, then restarted, does not post twice", async () => {
    // The reduced version: one child; the restart is a fresh sink and escalator here. The slow suite
    // restarts real processes, killed at seeded moments of their escalation.
    const server = await gitHub();
    const ledger = await scratch();
    const first = startChild("./escalate-child.ts", [server.url, ledger, "run-9"]);
    const url = (await first.line("url ")).slice(4);
    await first.kill9();
    const restarted = createEscalator({ sink: await githubSink(server, ledger), target: issue, owner: "chief-of-staff", redact });
    expect((await restarted.escalate(failedPostMortem("run-9"), { ...failed, runId: "run-9" })).url).toBe(url);
    expect(count(server, "POST", POSTS)).toBe(1);
    expect(commentsStartingWith(server, MARKER).map((c) => c.html_url)).toEqual([url]);
  });

  it("mentions a team, with or without the @", async () => {
    const server = await gitHub();
    await createEscalator({ sink: await githubSink(server), target: issue, owner: "@acme/leads", redact }).escalate(failedPostMortem("run-7"), { ...failed, reason: "needs-escalation", nodes: [] });
    const [comment] = commentsStartingWith(server, MARKER);
    expect(comment!.body).toContain("@acme/leads: hybrid run `run-7` of workflow `release-train` needs escalation.");
    expect(comment!.body).toContain("**Nodes:** none named");
  });
});

describe("escalation offline", () => {
  it("records one ledger line per run, whatever the calls, escalators or sinks", async () => {
    const dir = await scratch();
    const target = null;
    await escalator(createLedgerSink({ dir, redact }), { target }).escalate(failedPostMortem("run-7"), failed);
    await escalator(createLedgerSink({ dir, redact }), { target }).escalate(failedPostMortem("run-7"), { ...failed, reason: "needs-escalation" });
    const one = escalator(createLedgerSink({ dir, redact }), { target });
    await Promise.all([one.escalate(failedPostMortem("run-8"), { ...failed, runId: "run-8" }), one.escalate(failedPostMortem("run-8"), { ...failed, runId: "run-8" })]);
    const lines = (await readFile(join(dir, "ledger.jsonl"), "utf8")).trim().split("\n").map((line) => JSON.parse(line) as LedgerRecord);
    expect(lines.map((line) => line.idempotencyKey)).toEqual(["run-7:escalation", "run-8:escalation"]);
    expect(lines[0]!.issue).toBeUndefined();
    expect(lines[0]!.summary).toContain("@chief-of-staff: hybrid run `run-7`");
    expect(lines[0]!.summary).toContain("- **Root cause:**");
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it("the GitHub sink without a target sends it to its ledger", async () => {
    const server = await gitHub();
    const dir = await scratch();
    const { url } = await escalator(await githubSink(server, dir), { target: null }).escalate(failedPostMortem("run-7"), failed);
    expect(url).toMatch(/^ledger:\/\/.*#run-7%3Aescalation$/);
    expect(server.requests).toEqual([]);
  });
});

describe("escalation failures and bad input", () => {
  it("a sink failure is an EscalationError with a redacted message, and a later call tries again", async () => {
    let calls = 0;
    const flaky: HandoffSink = {
      async record(entry) {
        calls++;
        if (calls === 1) throw new Error(`GitHub 502 while posting with ${SECRET}`);
        return { url: `test://${entry.idempotencyKey}` };
      },
    };
    const error = await escalator(flaky).escalate(failedPostMortem("run-7"), failed).catch((e: unknown) => e);
    expect(isEscalationError(error)).toBe(true);
    expect(error).toMatchObject({ code: "escalation-failed", runId: "run-7" });
    expect((error as Error).message).toMatch(/^\[hybrid\] escalation of run run-7 failed: GitHub 502/);
    expect((error as Error).message).not.toContain(SECRET);
    const one = escalator(flaky);
    expect(await one.escalate(failedPostMortem("run-7"), failed)).toEqual({ url: "test://run-7:escalation" });
    expect(await one.escalate(failedPostMortem("run-7"), failed)).toEqual({ url: "test://run-7:escalation" });
    expect(calls).toBe(2);
    const odd: HandoffSink = { record: () => Promise.reject(`${SECRET} is not an Error`) };
    await expect(escalator(odd).escalate(failedPostMortem("run-7"), failed)).rejects.toThrow("failed: [REDACTED:github-token] is not an Error");
  });

  it("an aborted signal rejects, through the sink", async () => {
    const server = await gitHub();
    const error = await escalator(await githubSink(server)).escalate(failedPostMortem("run-7"), failed, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isEscalationError(error)).toBe(true);
    expect(server.requests).toEqual([]);
  });

  it("rejects bad options when made and bad requests when called, naming the path", async () => {
    const sink = createLedgerSink({ dir: await scratch(), redact });
    const noRedact = thrown(() => createEscalator({ sink, target: null, owner: "ops" } as unknown as EscalatorOptions));
    expect(isReportingOptionsError(noRedact)).toBe(true);
    expect(noRedact).toMatchObject({ code: "invalid-options", problems: [{ path: "redact" }] });
    const badOwner = thrown(() => createEscalator({ sink, target: null, owner: "not a login", redact }));
    expect((badOwner as Error).message).toMatch(/^\[hybrid\] invalid escalator options:\n {2}- owner: /);
    expect(thrown(() => createEscalator({ sink: {} as HandoffSink, target: { ...issue, number: 0 }, owner: "ops", redact }))).toMatchObject({
      problems: [{ path: "sink" }, { path: "target.number" }],
    });
    const one = escalator(sink);
    await expect(one.escalate(failedPostMortem("run-7"), { ...failed, runId: "../etc" })).rejects.toMatchObject({ problems: [{ path: "runId" }] });
    await expect(one.escalate(failedPostMortem("run-7"), { ...failed, runId: "run-8" })).rejects.toMatchObject({ problems: [{ path: "postMortem.runId" }] });
  });
});
