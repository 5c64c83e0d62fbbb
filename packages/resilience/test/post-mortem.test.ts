import { describe, expect, it } from "vitest";
import { buildPostMortem, buildPostMortemFromJournal, inferCategory, renderPostMortemMarkdown } from "@hybrid/resilience";
import type { FailureCategory, PostMortemFailureInput } from "@hybrid/resilience";
import { JournalBuilder, spec } from "./helpers.js";

const runId = "run-pm";
const redact = (text: string): string => text.replaceAll("ghp_SECRET", "[redacted]");

const cases: Array<[FailureCategory, PostMortemFailureInput, RegExp[]]> = [
  ["timeout", { node: "impl", agent: "coder", attempts: 3, timeoutMs: 600_000, error: { code: "timeout", message: "timed out" } }, [/Raise `timeoutMs` for node "impl" \(now 600000ms\)/, /split its scope/]],
  ["transient-exhausted", { node: "impl", agent: "coder", attempts: 3, maxAttempts: 3, error: { code: "transient", message: "HTTP 503 ghp_SECRET" } }, [/health and rate limits of coder/, /`retry\.maxAttempts` \(now 3\)/]],
  ["permanent", { node: "impl", agent: "coder", attempts: 1, error: { message: "bad flag ghp_SECRET", exitCode: 2, stderrTail: "usage: x\nerror: unknown flag ghp_SECRET\n" } }, [/Fix the input or configuration of node "impl"/, /exited with code 2/, /stderr tail: usage: x \| error: unknown flag \[redacted\]/]],
  ["breaker-open", { node: "impl", agent: "coder", attempts: 0, error: { code: "breaker-open", message: "open" } }, [/Check the health of coder/, /breaker\.halfOpenAfterMs/]],
  ["dependency-failed", { node: "docs", agent: "writer", attempts: 1, dependency: "impl", error: { code: "dependency-failed", message: "upstream output unusable" } }, [/Fix the failed upstream node "impl"/]],
  ["gate-failed", { node: "impl", agent: "coder", attempts: 1, error: { code: "gate-failed", message: "G3 coverage 71% < 90%" } }, [/Read the gate report for "impl"/]],
  ["needs-review", { node: "impl", agent: "coder", attempts: 1, error: { code: "needs-review", message: "G10: 1 of 3 acceptance criteria not addressed" } }, [/Review the output of "impl" against its acceptance criteria/]],
  ["needs-escalation", { node: "merge", agent: "lead", attempts: 0, error: { code: "needs-escalation", message: "G9: upstream outputs disagree on api.version" } }, [/Decide between the conflicting upstream outputs of "merge"/]],
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

const arch = spec("arch", "1");
const impl = spec("impl", "2", ["arch"]);
const docs = spec("docs", "3", ["impl"]);
const lint = spec("lint", "4", ["arch"]);
const side = spec("side", "5");
const plan = { planHash: "p", nodes: [arch, impl, docs, lint, side] };

// arch succeeds; impl times out twice and fails for good (docs blocked); lint is refused by an open breaker.
function failedRun(): JournalBuilder {
  const journal = new JournalBuilder(runId).started(plan);
  journal.dispatched(arch, 1).succeeded(arch, 1, "adr", {}, { input: 100, output: 20 });
  journal.dispatched(impl, 1, { arch: "adr" }).push({ type: "node.timed-out", nodeId: "impl", agent: "agent-impl", attempt: 1, timeoutMs: 100 });
  journal.push({ type: "node.retrying", nodeId: "impl", agent: "agent-impl", attempt: 1, nextAttempt: 2, delayMs: 10, error: { code: "timeout", message: "timed out" } });
  journal.dispatched(impl, 2, { arch: "adr" }).push({ type: "node.timed-out", nodeId: "impl", agent: "agent-impl", attempt: 2, timeoutMs: 100 });
  journal.failed(impl, 2, { upstream: { arch: "adr" }, category: "timeout", code: "timeout", message: "attempt 2 timed out ghp_SECRET" });
  journal.blocked(docs, "impl");
  journal.dispatched(lint, 1, { arch: "adr" });
  journal.push({ type: "breaker.changed", key: "agent-lint", from: "closed", to: "open", state: { state: "open", consecutiveFailures: 5, openedAt: 1 } });
  journal.failed(lint, 1, { upstream: { arch: "adr" }, category: "breaker-open", code: "breaker-open", message: "breaker open" });
  return journal.completed("failed");
}

describe("buildPostMortemFromJournal", () => {
  it("derives failures, categories, blocked nodes and telemetry from the events alone", () => {
    const events = failedRun().events;
    const pm = buildPostMortemFromJournal(events, { redact, maxAttempts: 2 });
    expect(pm.runId).toBe(runId);
    expect(pm.status).toBe("failed");
    expect(pm.failed.map((f) => [f.node, f.category, f.attempts, f.agent])).toEqual([
      ["impl", "timeout", 2, "agent-impl"],
      ["lint", "breaker-open", 1, "agent-lint"],
    ]);
    expect(pm.failed[0]!.remediationHints[0]).toContain("(now 100ms)");
    expect(pm.failed[0]!.lastError).toEqual({ code: "timeout", message: "attempt 2 timed out [redacted]" });
    expect(pm.blocked).toEqual([{ node: "docs", blockedBy: "impl" }]);
    expect(pm.completed).toEqual(["arch"]);
    expect(pm.unfinished).toEqual(["side"]);
    expect(pm.telemetry).toEqual({
      durationMs: events.at(-1)!.at - events[0]!.at,
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
    expect(JSON.stringify(pm)).not.toContain("ghp_SECRET");
    expect(renderPostMortemMarkdown(pm)).toMatchSnapshot();
  });

  it("treats a trailing timeout as final once the run failed, and keeps in-flight nodes unfinished after a crash or a stop", () => {
    const cut = failedRun().events.slice(0, 5); // impl's first attempt timed out; nothing after
    const crashed = buildPostMortemFromJournal(cut);
    expect(crashed.status).toBe("incomplete");
    expect(crashed.failed).toEqual([]);
    expect(crashed.unfinished).toEqual(["impl", "docs", "lint", "side"]);
    const ended = new JournalBuilder(runId);
    ended.events.push(...cut);
    ended.completed("failed");
    const pm = buildPostMortemFromJournal(ended.events, { plan: { nodes: [{ id: "arch" }, { id: "impl", dependsOn: ["arch"] }, { id: "docs", dependsOn: ["impl"] }] } });
    expect(pm.failed).toMatchObject([{ node: "impl", category: "timeout", lastError: { code: "timeout", message: "timed out after 100ms" } }]);
    expect(pm.telemetry.nodeCount).toBe(3);
    // docs never journaled a block: the post-mortem does not invent one.
    expect(pm.blocked).toEqual([]);
    expect(pm.unfinished).toEqual(["docs"]);
    // A stop between attempts leaves the node to run again on resume: unfinished, not failed.
    const stopped = new JournalBuilder(runId);
    stopped.events.push(...cut);
    stopped.completed("aborted");
    expect(buildPostMortemFromJournal(stopped.events)).toMatchObject({ status: "aborted", failed: [], unfinished: expect.arrayContaining(["impl"]) });
    // A retry was on its way when the run ended (another node's failure under abort-run): not a final timeout.
    const retrying = new JournalBuilder(runId);
    retrying.events.push(...cut, { type: "node.retrying", runId, at: 3, nodeId: "impl", agent: "coder", attempt: 1, nextAttempt: 2, delayMs: 5, error: { code: "timeout", message: "timed out" } });
    retrying.completed("failed");
    expect(buildPostMortemFromJournal(retrying.events)).toMatchObject({ failed: [], unfinished: expect.arrayContaining(["impl"]) });
  });

  it("lifts a block once its blocker ran again and succeeded (a resume with retryFailed)", () => {
    const journal = failedRun().resumed(plan, { retryFailed: true });
    journal.dispatched(impl, 3, { arch: "adr" }).succeeded(impl, 3, "ok", { arch: "adr" });
    journal.dispatched(lint, 2, { arch: "adr" }).failed(lint, 2, { upstream: { arch: "adr" }, category: "permanent", message: "bad" });
    journal.completed("failed");
    const pm = buildPostMortemFromJournal(journal.events);
    expect(pm.completed).toEqual(["arch", "impl"]);
    expect(pm.blocked).toEqual([]);
    expect(pm.unfinished.sort()).toEqual(["docs", "side"]);
    expect(pm.failed.map((f) => [f.node, f.category, f.attempts])).toEqual([["lint", "permanent", 2]]);
  });

  it("puts failed and blocked nodes back to unfinished after a retryFailed resume that stopped before they ran, as replay does", () => {
    const stopped = buildPostMortemFromJournal(failedRun().resumed(plan, { retryFailed: true }).completed("aborted").events);
    expect(stopped.status).toBe("aborted");
    expect(stopped.failed).toEqual([]);
    expect(stopped.blocked).toEqual([]);
    expect(stopped.unfinished.sort()).toEqual(["docs", "impl", "lint", "side"]);
    // Without the flag the earlier failures stand, and so does the block.
    const kept = buildPostMortemFromJournal(failedRun().resumed(plan).completed("failed").events);
    expect(kept.failed.map((f) => f.node)).toEqual(["impl", "lint"]);
    expect(kept.blocked).toEqual([{ node: "docs", blockedBy: "impl" }]);
    // Retried and failed again: it stands again.
    const again = failedRun().resumed(plan, { retryFailed: true });
    again.dispatched(impl, 3, { arch: "adr" }).failed(impl, 3, { upstream: { arch: "adr" }, category: "permanent" }).blocked(docs, "impl").completed("failed");
    const pm = buildPostMortemFromJournal(again.events);
    expect(pm.failed.map((f) => [f.node, f.attempts])).toEqual([["impl", 3]]);
    expect(pm.blocked).toEqual([{ node: "docs", blockedBy: "impl" }]);
    expect(pm.unfinished.sort()).toEqual(["lint", "side"]);
  });

  it("keeps a success a success when handoff events for the node come after it", () => {
    const journal = new JournalBuilder(runId).started(plan).ran(arch, "adr");
    journal.push({ type: "handoff.recorded", nodeId: "arch", agent: "agent-arch", idempotencyKey: "k", url: "ledger://x#1" });
    journal.push({ type: "handoff.failed", nodeId: "arch", agent: "agent-arch", idempotencyKey: "k", error: { message: "sink down" } });
    const pm = buildPostMortemFromJournal(journal.completed("failed").events);
    expect(pm.completed).toEqual(["arch"]);
    expect(pm.unfinished).toEqual(["impl", "docs", "lint", "side"]);
  });

  it("infers a category from the error when the event has none, and names the upstream of a dependency failure", () => {
    const journal = new JournalBuilder(runId).started(plan);
    journal.dispatched(arch, 1).failed(arch, 1, { message: "rate limited", code: "transient" });
    journal.dispatched(side, 1).failed(side, 1, { message: "bad flag" });
    const pm = buildPostMortemFromJournal(journal.completed("failed").events, { maxAttempts: 3 });
    expect(pm.failed.map((f) => [f.node, f.category])).toEqual([
      ["arch", "transient-exhausted"],
      ["side", "permanent"],
    ]);
    expect(pm.failed[0]!.remediationHints.join("\n")).toContain("`retry.maxAttempts` (now 3)");
    expect(pm.blocked).toEqual([]);
  });

  it("explains an empty journal", () => {
    expect(buildPostMortemFromJournal([])).toMatchObject({ runId: "unknown", status: "incomplete", failed: [], blocked: [], completed: [], unfinished: [], telemetry: { durationMs: 0, nodeCount: 0 } });
  });

  it("walks a 100,000-node chain whose first node failed without overflowing the stack, from the journal and from the caller's lists", () => {
    const nodes = Array.from({ length: 100_000 }, (_, i) => spec(`n${i}`, "s", i === 0 ? [] : [`n${i - 1}`]));
    const journal = new JournalBuilder(runId).started({ planHash: "chain", nodes: [] }).dispatched(nodes[0]!, 1).failed(nodes[0]!, 1);
    for (const node of nodes.slice(1)) journal.blocked(node, "n0");
    const fromJournal = buildPostMortemFromJournal(journal.completed("failed").events, { plan: { nodes } });
    expect(fromJournal.failed.map((f) => f.node)).toEqual(["n0"]);
    expect(fromJournal.blocked).toHaveLength(99_999);
    expect(fromJournal.blocked.at(-1)).toEqual({ node: "n99999", blockedBy: "n0" });
    const derived = buildPostMortem({ runId, status: "failed", failed: [{ node: "n0", attempts: 1, error: { message: "x" } }], nodes });
    expect(derived.blocked).toHaveLength(99_999);
    expect(derived.blocked.every((entry) => entry.blockedBy === "n0")).toBe(true);
  });
});
