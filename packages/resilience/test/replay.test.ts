import { describe, expect, it } from "vitest";
import { PlanMismatchError, digestOutput, planReplay } from "@hybrid/resilience";
import type { BreakerState, JournalEvent } from "@hybrid/resilience";

const runId = "run-e";
const node = (id: string, specHash: string, dependsOn: string[] = []) => ({ id, specHash, dependsOn });
const started = (planHash: string, nodes: Array<ReturnType<typeof node>>, extra: Record<string, unknown> = {}): JournalEvent => ({
  type: "run.started",
  runId,
  at: 0,
  planHash,
  workflowId: "wf",
  nodes: nodes.map((n) => ({ ...n, agent: `agent-${n.id}`, priority: "implementation", wave: 0 })),
  ...extra,
});
const ev = (type: string, nodeId: string, fields: Record<string, unknown> = {}): JournalEvent => ({ type, runId, at: 1, nodeId, agent: `agent-${nodeId}`, ...fields });
const done = (nodeId: string, output: string, fields: Record<string, unknown> = {}) =>
  ev("node.succeeded", nodeId, { attempt: 1, output, tokens: { input: 1, output: 1 }, durationMs: 1, ...fields });
const open: BreakerState = { state: "open", consecutiveFailures: 5, openedAt: 100 };

describe("planReplay", () => {
  it("resumes an empty journal by running everything", () => {
    const plan = { planHash: "p", nodes: [node("a", "1"), node("b", "2", ["a"])] };
    const result = planReplay(plan, []);
    expect(result).toMatchObject({ runId: undefined, journalPlanHash: undefined, planChanged: false, forced: false, breakers: {} });
    expect(result.toRun.map((r) => [r.nodeId, r.reason, r.attempt])).toEqual([["a", "new", 1], ["b", "new", 1]]);
  });

  it("returns the breaker state found last in the journal", () => {
    const plan = { planHash: "p", nodes: [node("a", "1")] };
    const closed: BreakerState = { state: "closed", consecutiveFailures: 0 };
    const events: JournalEvent[] = [
      started("p", plan.nodes, { breakers: { coder: closed, tool: closed } }),
      { type: "breaker.changed", runId, at: 2, key: "coder", from: "closed", to: "open", state: open },
    ];
    expect(planReplay(plan, events).breakers).toEqual({ coder: open, tool: closed });
    const snapshot: JournalEvent = { type: "breaker.snapshot", runId, at: 3, breakers: { tool: open } };
    expect(planReplay(plan, [...events, snapshot]).breakers).toEqual({ tool: open });
  });

  it("fills a missing digest, ignores events after a success and reports removed nodes", () => {
    const plan = { planHash: "p", nodes: [node("a", "1")] };
    const events = [
      started("p", [node("a", "1"), node("gone", "9")]),
      done("a", "A"),
      ev("node.dispatched", "a", { attempt: 2, idempotencyKey: "k" }),
      ev("node.blocked", "a", { blockedBy: "x" }),
      { type: "custom.event", runId, at: 5 },
    ];
    const result = planReplay(plan, events, { force: true });
    expect(result.completed).toEqual([{ nodeId: "a", agent: "agent-a", attempt: 1, output: "A", outputDigest: digestOutput("A") }]);
    expect(result.removed).toEqual(["gone"]);
  });

  it("treats a timed-out attempt without a final failure as in flight", () => {
    const plan = { planHash: "p", nodes: [node("a", "1")] };
    const events = [started("p", plan.nodes), ev("node.dispatched", "a", { attempt: 1, idempotencyKey: "key-a" }), ev("node.timed-out", "a", { attempt: 1, timeoutMs: 5 })];
    expect(planReplay(plan, events).inFlight).toEqual([{ nodeId: "a", agent: "agent-a", attempt: 2, reason: "in-flight", idempotencyKey: "key-a" }]);
  });

  it("unblocks nodes a journal marked blocked once their blocker is retried", () => {
    const plan = { planHash: "p", nodes: [node("a", "1"), node("b", "2", ["a"]), node("c", "3")] };
    const events = [
      started("p", plan.nodes),
      ev("node.dispatched", "a", { attempt: 1, idempotencyKey: "ka" }),
      ev("node.failed", "a", { attempt: 1, final: true, error: { message: "x" } }),
      ev("node.blocked", "b", { blockedBy: "a" }),
      ev("node.dispatched", "c", { attempt: 1, idempotencyKey: "kc" }),
      done("c", "C"),
    ];
    expect(planReplay(plan, events)).toMatchObject({ failed: [{ nodeId: "a", attempt: 1 }], blocked: [{ nodeId: "b", blockedBy: "a" }], toRun: [] });
    const retried = planReplay(plan, events, { retryFailed: true });
    expect(retried.toRun.map((r) => [r.nodeId, r.reason, r.attempt, r.idempotencyKey])).toEqual([
      ["a", "retry-failed", 2, undefined],
      ["b", "unblocked", 1, undefined],
    ]);
    expect(retried.completed.map((c) => c.nodeId)).toEqual(["c"]);
  });

  it("keeps a retryFailed resume's intent until the retried nodes fail or are blocked again", () => {
    const plan = { planHash: "p", nodes: [node("a", "1"), node("b", "2", ["a"])] };
    const failedOnce = [
      started("p", plan.nodes),
      ev("node.dispatched", "a", { attempt: 1, idempotencyKey: "ka" }),
      ev("node.failed", "a", { attempt: 1, final: true, error: { message: "x" } }),
      ev("node.blocked", "b", { blockedBy: "a" }),
    ];
    // A resume with retryFailed that was stopped before a ran again: the next resume, flag or not, runs it.
    const interrupted = [...failedOnce, { type: "run.resumed", runId, at: 2, planHash: "p", forced: false, retryFailed: true } as JournalEvent];
    expect(planReplay(plan, interrupted).toRun.map((r) => [r.nodeId, r.reason, r.attempt])).toEqual([
      ["a", "retry-failed", 2],
      ["b", "unblocked", 1],
    ]);
    // It failed again in that resume: the failure stands for a resume without the flag.
    const failedAgain = [
      ...interrupted,
      ev("node.dispatched", "a", { attempt: 2, idempotencyKey: "ka" }),
      ev("node.failed", "a", { attempt: 2, final: true, error: { message: "x" } }),
      ev("node.blocked", "b", { blockedBy: "a" }),
    ];
    expect(planReplay(plan, failedAgain)).toMatchObject({ failed: [{ nodeId: "a", attempt: 2 }], blocked: [{ nodeId: "b", blockedBy: "a" }], toRun: [] });
  });

  it("throws PlanMismatchError listing added, removed and changed nodes", () => {
    const events = [started("p1", [node("a", "1"), node("b", "2"), node("old", "3")])];
    const plan = { planHash: "p2", nodes: [node("a", "1"), node("b", "2b"), node("new", "4")] };
    expect(() => planReplay(plan, events)).toThrow(PlanMismatchError);
    expect(() => planReplay(plan, events)).toThrow(/journal planHash p1, current p2; added: new; removed: old; changed: b/);
  });

  it("forced: re-runs a failed node whose spec changed, marks changed in-flight nodes, and distrusts cycles and unknown deps", () => {
    const before = [node("a", "1"), node("b", "2"), node("c", "3"), node("d", "4")];
    const events = [
      started("p1", before),
      ev("node.dispatched", "a", { attempt: 1, idempotencyKey: "ka" }),
      ev("node.failed", "a", { attempt: 1, final: true, error: { message: "bad input" } }),
      ev("node.dispatched", "b", { attempt: 1, idempotencyKey: "kb" }),
      done("c", "C"),
      done("d", "D"),
    ];
    const plan = {
      planHash: "p2",
      nodes: [node("a", "1-fixed"), node("b", "2-new"), node("c", "3", ["c2"]), node("c2", "x", ["c"]), node("d", "4", ["ghost"])],
    };
    const result = planReplay(plan, events, { force: true });
    expect(result.toRun.map((r) => [r.nodeId, r.reason, r.attempt, r.idempotencyKey])).toEqual([
      ["a", "changed", 2, undefined],
      ["b", "changed", 2, undefined],
      ["c", "changed", 2, undefined],
      ["c2", "new", 1, undefined],
      ["d", "changed", 2, undefined],
    ]);
    expect(result.discarded).toEqual(["c", "d"]);
  });

  it("uses the spec a completion was made under, across a forced resume recorded with nodes", () => {
    const v1 = [node("a", "1"), node("b", "2", ["a"])];
    const v2 = [node("a", "1"), node("b", "2b", ["a"])];
    const events: JournalEvent[] = [
      started("p1", v1),
      done("a", "A"),
      done("b", "B-old"),
      { type: "run.resumed", runId, at: 9, planHash: "p2", forced: true, nodes: v2.map((n) => ({ ...n, agent: "x" })) },
    ];
    // The resume dropped b's old output; a later replay on p2 runs b again without force.
    const result = planReplay({ planHash: "p2", nodes: v2 }, events);
    expect(result.completed.map((c) => c.nodeId)).toEqual(["a"]);
    expect(result.toRun.map((r) => [r.nodeId, r.reason])).toEqual([["b", "new"]]);

    // After b completes under the new spec, it is kept.
    const later = [...events, done("b", "B-new", { attempt: 1 })];
    expect(planReplay({ planHash: "p2", nodes: v2 }, later).completed.map((c) => c.output)).toEqual(["A", "B-new"]);
    // A completion stamped with an old specHash is not kept by a forced replay onto another plan.
    const stamped = [started("p1", v1), done("a", "A", { specHash: "stale" })];
    expect(planReplay({ planHash: "p3", nodes: v1 }, stamped, { force: true }).discarded).toEqual(["a"]);
  });
});
