import { describe, expect, it } from "vitest";
import { buildPostMortem, buildPostMortemFromJournal, inferCategory, renderPostMortemMarkdown } from "@hybrid/resilience";
import type { FailureCategory, JournalEvent, PostMortemFailureInput } from "@hybrid/resilience";

const runId = "run-pm";
const redact = (text: string): string => text.replaceAll("ghp_SECRET", "[redacted]");

const cases: Array<[FailureCategory, PostMortemFailureInput, RegExp[]]> = [
  ["timeout", { node: "impl", agent: "coder", attempts: 3, timeoutMs: 600_000, error: { code: "timeout", message: "timed out" } }, [/Raise `timeoutMs` for node "impl" \(now 600000ms\)/, /split its scope/]],
  ["transient-exhausted", { node: "impl", agent: "coder", attempts: 3, maxAttempts: 3, error: { code: "transient", message: "HTTP 503 ghp_SECRET" } }, [/health and rate limits of coder/, /`retry\.maxAttempts` \(now 3\)/]],
  ["permanent", { node: "impl", agent: "coder", attempts: 1, error: { message: "bad flag ghp_SECRET", exitCode: 2, stderrTail: "usage: x\nerror: unknown flag ghp_SECRET\n" } }, [/Fix the input or configuration of node "impl"/, /exited with code 2/, /stderr tail: usage: x \| error: unknown flag \[redacted\]/]],
  ["breaker-open", { node: "impl", agent: "coder", attempts: 0, error: { code: "breaker-open", message: "open" } }, [/Check the health of coder/, /breaker\.halfOpenAfterMs/]],
  ["dependency-failed", { node: "docs", agent: "writer", attempts: 1, dependency: "impl", error: { code: "dependency-failed", message: "upstream output unusable" } }, [/Fix the failed upstream node "impl"/]],
  ["gate-failed", { node: "impl", agent: "coder", attempts: 1, error: { code: "gate-failed", message: "G3 coverage 71% < 90%" } }, [/Read the gate report for "impl"/]],
];

describe("buildPostMortem", () => {
  it.each(cases)("explains %s with concrete, redacted hints in JSON and Markdown", (category, failure, hints) => {
    const pm = buildPostMortem({
      runId,
      status: "failed",
      failed: [failure],
      nodes: [{ id: failure.node }, { id: "after", dependsOn: [failure.node] }, { id: "fine" }],
      completed: ["fine"],
      redact,
    });
    expect(pm.failed[0]).toMatchObject({ node: failure.node, agent: failure.agent, attempts: failure.attempts, category });
    expect(pm.blocked).toEqual([{ node: "after", blockedBy: failure.node }]);
    expect(pm.completed).toEqual(["fine"]);
    for (const hint of hints) expect(pm.failed[0]!.remediationHints.join("\n")).toMatch(hint);
    expect(pm.failed[0]!.rootCause.length).toBeGreaterThan(10);
    const json = JSON.stringify(pm);
    expect(json).not.toContain("ghp_SECRET");
    expect(JSON.parse(json)).toEqual(pm);

    const md = renderPostMortemMarkdown(pm);
    expect(md).toContain(`## Post-mortem: run \`${runId}\` — failed`);
    expect(md).toContain(`#### \`${failure.node}\` — ${category}`);
    expect(md).toContain("**What to do:**");
    expect(md).toContain("- `after` blocked by");
    expect(md).not.toContain("ghp_SECRET");
    expect(md).toMatchSnapshot();
  });

  it("infers categories from error codes and exit codes", () => {
    expect(inferCategory({ message: "x", exitCode: 75 })).toBe("transient-exhausted");
    expect(inferCategory({ message: "x", code: "transient" })).toBe("transient-exhausted");
    expect(inferCategory({ message: "x", code: "timeout" })).toBe("timeout");
    expect(inferCategory({ message: "x", code: "EACCES" })).toBe("permanent");
    expect(inferCategory({ message: "x" })).toBe("permanent");
  });

  it("summarises a run without failures and fences stderr that contains backticks", () => {
    const clean = buildPostMortem({ runId, status: "aborted", failed: [], unfinished: ["x"] });
    expect(clean.summary).toBe(`run ${runId} aborted: no failed nodes, 1 unfinished`);
    expect(renderPostMortemMarkdown(clean)).toContain("### Unfinished");
    expect(buildPostMortem({ runId, status: "succeeded", failed: [] }).summary).toBe(`run ${runId} succeeded: no failed nodes`);

    const pm = buildPostMortem({ runId, status: "failed", failed: [{ node: "n", attempts: 1, error: { message: "m", stderrTail: "```\nboom" } }] });
    const md = renderPostMortemMarkdown(pm, { redact: (text) => text.replaceAll("boom", "[x]") });
    expect(md).toContain("````\n```\n[x]\n````");
    expect(md).toContain("- **Agent:** unknown");
    expect(pm.failed[0]!.rootCause).toBe('"n" failed permanently on attempt 1: m');
  });
});

const e = (type: string, fields: Record<string, unknown>): JournalEvent => ({ type, runId, at: 0, ...fields });

describe("buildPostMortemFromJournal", () => {
  const nodes = [
    { id: "arch", agent: "architect", priority: "architecture", wave: 0, dependsOn: [], specHash: "1" },
    { id: "impl", agent: "coder", priority: "implementation", wave: 1, dependsOn: ["arch"], specHash: "2" },
    { id: "docs", agent: "writer", priority: "docs", wave: 2, dependsOn: ["impl"], specHash: "3" },
    { id: "lint", agent: "linter", priority: "implementation", wave: 1, dependsOn: ["arch"], specHash: "4" },
    { id: "side", agent: "helper", priority: "docs", wave: 0, dependsOn: [], specHash: "5" },
  ];
  const journal: JournalEvent[] = [
    e("run.started", { at: 1_000, planHash: "p", workflowId: "wf", nodes }),
    e("node.dispatched", { at: 1_001, nodeId: "arch", agent: "architect", attempt: 1, idempotencyKey: "k1" }),
    e("node.succeeded", { at: 1_100, nodeId: "arch", agent: "architect", attempt: 1, output: "adr", tokens: { input: 100, output: 20 }, durationMs: 99 }),
    e("node.dispatched", { at: 1_101, nodeId: "impl", agent: "coder", attempt: 1, idempotencyKey: "k2" }),
    e("node.timed-out", { at: 1_200, nodeId: "impl", agent: "coder", attempt: 1, timeoutMs: 100 }),
    e("node.retrying", { at: 1_200, nodeId: "impl", agent: "coder", attempt: 1, nextAttempt: 2, delayMs: 10, error: "timeout" }),
    e("node.dispatched", { at: 1_210, nodeId: "impl", agent: "coder", attempt: 2, idempotencyKey: "k2" }),
    e("node.timed-out", { at: 1_310, nodeId: "impl", agent: "coder", attempt: 2, timeoutMs: 100 }),
    e("node.failed", { at: 1_310, nodeId: "impl", agent: "coder", attempt: 2, final: true, error: { message: "attempt 2 timed out ghp_SECRET" } }),
    e("node.blocked", { at: 1_311, nodeId: "docs", agent: "writer", blockedBy: "impl" }),
    e("node.dispatched", { at: 1_101, nodeId: "lint", agent: "linter", attempt: 1, idempotencyKey: "k3" }),
    e("breaker.changed", { at: 1_150, key: "linter", from: "closed", to: "open", state: { state: "open", consecutiveFailures: 5, openedAt: 1_150 } }),
    e("node.failed", { at: 1_150, nodeId: "lint", agent: "linter", attempt: 1, final: true, category: "breaker-open", error: { code: "breaker-open", message: "breaker open" } }),
    e("run.completed", { at: 1_400, status: "failed", counts: { succeeded: 1, failed: 2 } }),
  ];

  it("derives failures, categories, blocked nodes and telemetry from the events alone", () => {
    const pm = buildPostMortemFromJournal(journal, { redact, maxAttempts: 2 });
    expect(pm.runId).toBe(runId);
    expect(pm.status).toBe("failed");
    expect(pm.failed.map((f) => [f.node, f.category, f.attempts])).toEqual([
      ["impl", "timeout", 2],
      ["lint", "breaker-open", 1],
    ]);
    expect(pm.failed[0]!.remediationHints[0]).toContain("(now 100ms)");
    expect(pm.failed[0]!.lastError.message).toBe("attempt 2 timed out [redacted]");
    expect(pm.blocked).toEqual([{ node: "docs", blockedBy: "impl" }]);
    expect(pm.completed).toEqual(["arch"]);
    expect(pm.unfinished).toEqual(["side"]);
    expect(pm.telemetry).toEqual({
      durationMs: 400,
      nodeCount: 5,
      completed: 1,
      failed: 2,
      blocked: 1,
      attempts: 4,
      retries: 1,
      timeouts: 2,
      breakerTrips: 1,
      tokens: { input: 100, output: 20 },
    });
    expect(renderPostMortemMarkdown(pm)).toMatchSnapshot();
  });

  it("treats a trailing timeout as final once the run completed, and keeps in-flight nodes unfinished after a crash", () => {
    const cut = journal.slice(0, 5);
    const crashed = buildPostMortemFromJournal(cut);
    expect(crashed.status).toBe("incomplete");
    expect(crashed.unfinished).toEqual(["impl", "docs", "lint", "side"]);
    const ended = buildPostMortemFromJournal([...cut, e("run.completed", { at: 2_000, status: "failed" })], { plan: { nodes: [{ id: "arch" }, { id: "impl", dependsOn: ["arch"] }, { id: "docs", dependsOn: ["impl"] }] } });
    expect(ended.failed).toMatchObject([{ node: "impl", category: "timeout", lastError: { code: "timeout" } }]);
    expect(ended.blocked).toEqual([{ node: "docs", blockedBy: "impl" }]);
    // A graceful stop between attempts leaves the node to run again on resume: unfinished, not failed.
    const stopped = buildPostMortemFromJournal([...cut, e("run.completed", { at: 2_000, status: "aborted" })]);
    expect(stopped.failed).toEqual([]);
    expect(stopped.unfinished).toContain("impl");
  });

  it("lifts a block once its blocker ran again and did not fail (a resume with retryFailed)", () => {
    const failedFirst = journal.slice(0, 10); // impl failed for good, docs blocked by it
    const resumed = buildPostMortemFromJournal([
      ...failedFirst,
      e("run.completed", { at: 1_320, status: "failed" }),
      e("run.resumed", { at: 2_000, planHash: "p", forced: false }),
      e("node.dispatched", { at: 2_001, nodeId: "impl", agent: "coder", attempt: 3, idempotencyKey: "k2" }),
      e("node.succeeded", { at: 2_100, nodeId: "impl", agent: "coder", attempt: 3, output: "ok", tokens: { input: 1, output: 1 } }),
      e("node.dispatched", { at: 2_101, nodeId: "lint", agent: "linter", attempt: 1, idempotencyKey: "k3" }),
      e("node.failed", { at: 2_150, nodeId: "lint", agent: "linter", attempt: 1, final: true, category: "permanent", error: { message: "bad" } }),
      e("run.completed", { at: 2_200, status: "failed" }),
    ]);
    expect(resumed.completed).toEqual(["arch", "impl"]);
    expect(resumed.blocked).toEqual([]);
    expect(resumed.unfinished).toContain("docs");
    expect(resumed.failed.map((f) => f.node)).toEqual(["lint"]);
  });

  it("puts failed and blocked nodes back to unfinished at a resume with retryFailed", () => {
    const stopped = buildPostMortemFromJournal([
      ...journal.slice(0, 10),
      e("run.completed", { at: 1_320, status: "failed" }),
      e("run.resumed", { at: 2_000, planHash: "p", forced: false, retryFailed: true }),
      e("run.completed", { at: 2_001, status: "aborted" }),
    ]);
    expect(stopped.failed).toEqual([]);
    expect(stopped.unfinished).toEqual(expect.arrayContaining(["impl", "docs"]));
    // Without the flag the earlier failure stands.
    const kept = buildPostMortemFromJournal([...journal.slice(0, 10), e("run.resumed", { at: 2_000, planHash: "p", forced: false }), e("run.completed", { at: 2_001, status: "failed" })]);
    expect(kept.failed.map((f) => f.node)).toEqual(["impl"]);
    expect(kept.blocked).toEqual([{ node: "docs", blockedBy: "impl" }]);
  });

  it("keeps a success a success when handoff or retry events for the node come after it", () => {
    const pm = buildPostMortemFromJournal([
      ...journal.slice(0, 3),
      e("handoff.recorded", { at: 1_101, nodeId: "arch", agent: "architect", url: "ledger://x#1" }),
      e("handoff.failed", { at: 1_102, nodeId: "arch", agent: "architect", error: { message: "sink down" } }),
      e("run.completed", { at: 1_200, status: "failed" }),
    ]);
    expect(pm.completed).toEqual(["arch"]);
    expect(pm.unfinished).not.toContain("arch");
  });

  it("handles odd errors, dependency failures and an empty journal", () => {
    const pm = buildPostMortemFromJournal([
      e("node.failed", { nodeId: "x", attempt: 1, final: true, error: "plain string" }),
      e("node.failed", { nodeId: "y", attempt: 1, final: true, error: 42, category: "dependency-failed", dependency: "x" }),
    ]);
    expect(pm.failed.map((f) => [f.node, f.category, f.lastError.message, f.agent])).toEqual([
      ["x", "permanent", "plain string", undefined],
      ["y", "dependency-failed", "unknown error", undefined],
    ]);
    expect(pm.failed[1]!.remediationHints[0]).toContain('"x"');
    expect(buildPostMortemFromJournal([])).toMatchObject({ runId: "unknown", status: "incomplete", failed: [], telemetry: { durationMs: 0 } });
  });
});
