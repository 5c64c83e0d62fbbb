import { describe, expect, it } from "vitest";
import { PlanMismatchError, digestOutput, isPlanMismatchError, planReplay } from "@hybrid/resilience";
import type { BreakerState, ReplayResult } from "@hybrid/resilience";
import { JournalBuilder, planOf, spec } from "./helpers.js";

const runs = (result: ReplayResult) => result.toRun.map((r) => [r.nodeId, r.reason, r.attempt]);
const completed = (result: ReplayResult) => result.completed.map((c) => [c.nodeId, c.output]);

describe("planReplay: issue 9 item 1, an interrupted forced resume", () => {
  // Workflow d → x. Run it; change d; `resume(force)`.
  const d1 = spec("d", "d-v1");
  const d2 = spec("d", "d-v2");
  const x = spec("x", "x-v1", ["d"]);
  const v1 = planOf([d1, x]);
  const v2 = planOf([d2, x]);
  const firstRun = (): JournalBuilder => new JournalBuilder().started(v1).ran(d1, "D1").ran(x, "X from D1", { d: "D1" }).completed("succeeded");

  it("the forced resume itself re-runs d and x, and a plain resume refuses the changed plan", () => {
    const journal = firstRun();
    expect(() => planReplay(v2, journal.events)).toThrow(PlanMismatchError);
    const forced = planReplay(v2, journal.events, { force: true });
    expect(forced).toMatchObject({ planChanged: true, forced: true, completed: [], discarded: ["d", "x"] });
    expect(runs(forced)).toEqual([
      ["d", "changed", 2],
      ["x", "changed", 2],
    ]);
  });

  it("stopped before anything ran: the next resume, with or without force, re-runs d and x instead of throwing", () => {
    const journal = firstRun().resumed(v2, { forced: true });
    for (const options of [{}, { force: true }]) {
      const result = planReplay(v2, journal.events, options);
      expect(result).toMatchObject({ planChanged: false, journalPlanHash: v2.planHash, completed: [], failed: [], blocked: [] });
      expect(runs(result)).toEqual([
        ["d", "changed", 2],
        ["x", "changed", 2],
      ]);
    }
  });

  it("stopped after d re-ran: x is re-run, not reused from the old d", () => {
    const journal = firstRun().resumed(v2, { forced: true }).ran(d2, "D2", {}, 2);
    const result = planReplay(v2, journal.events);
    expect(completed(result)).toEqual([["d", "D2"]]);
    expect(runs(result)).toEqual([["x", "changed", 2]]);
    expect(result.discarded).toEqual(["x"]);
    // Once x re-ran from D2, both are reused.
    journal.ran(x, "X from D2", { d: "D2" }, 2);
    expect(completed(planReplay(v2, journal.events))).toEqual([
      ["d", "D2"],
      ["x", "X from D2"],
    ]);
  });

  it("stopped after d re-ran, on a forced resume that was never journaled (the crash came first): x still re-runs", () => {
    // The process died before even `run.resumed` was written, then another one forced the same plan.
    const journal = firstRun();
    expect(() => planReplay(v2, journal.events)).toThrow(PlanMismatchError);
    journal.resumed(v2, { forced: true }).ran(d2, "D2", {}, 2);
    const result = planReplay(v2, journal.events);
    expect(completed(result)).toEqual([["d", "D2"]]);
    expect(runs(result)).toEqual([["x", "changed", 2]]);
  });

  it("stopped while d re-ran: d is in flight under the new spec and keeps the key of its unfinished dispatch", () => {
    const journal = firstRun().resumed(v2, { forced: true }).dispatched(d2, 2, {}, "run-t:d:attempt-2");
    const result = planReplay(v2, journal.events);
    expect(result.toRun.map((r) => [r.nodeId, r.reason, r.attempt, r.idempotencyKey])).toEqual([
      ["d", "in-flight", 3, "run-t:d:attempt-2"],
      ["x", "changed", 2, undefined],
    ]);
    expect(result.inFlight.map((r) => r.nodeId)).toEqual(["d"]);
  });

  it("reuses the dependents of an ancestor that re-ran and produced the very same output", () => {
    const a1 = spec("a", "a-v1");
    const a2 = spec("a", "a-v2");
    const b = spec("b", "b", ["a"]);
    const c = spec("c", "c", ["b"]);
    const journal = new JournalBuilder().started(planOf([a1, b, c])).ran(a1, "A").ran(b, "B", { a: "A" }).ran(c, "C", { b: "B" });
    journal.resumed(planOf([a2, b, c]), { forced: true }).ran(a2, "A", {}, 2);
    const result = planReplay(planOf([a2, b, c]), journal.events);
    expect(completed(result)).toEqual([
      ["a", "A"],
      ["b", "B"],
      ["c", "C"],
    ]);
    expect(result.toRun).toEqual([]);
  });
});

describe("planReplay", () => {
  const a = spec("a", "a1");
  const b = spec("b", "b1", ["a"]);
  const c = spec("c", "c1");
  const plan = planOf([a, b, c]);

  it("resumes an empty journal by running everything", () => {
    const result = planReplay(plan, []);
    expect(result).toMatchObject({ runId: undefined, journalPlanHash: undefined, planChanged: false, forced: false, mode: undefined, seed: undefined, breakers: {} });
    expect(runs(result)).toEqual([
      ["a", "new", 1],
      ["c", "new", 1],
      ["b", "new", 1],
    ]);
    expect([...result.attempts]).toEqual([
      ["a", 0],
      ["c", 0],
      ["b", 0],
    ]);
  });

  it("lists nodes in dependency order whatever the plan's order", () => {
    const reversed = planOf([spec("z", "z", ["y"]), spec("y", "y", ["x"]), spec("x", "x")]);
    expect(planReplay(reversed, []).toRun.map((r) => r.nodeId)).toEqual(["x", "y", "z"]);
  });

  it("returns the run's id, journaled mode and retry seed", () => {
    const journal = new JournalBuilder("run-42").started(plan, { mode: "eager", seed: 1234 });
    expect(planReplay(plan, journal.events)).toMatchObject({ runId: "run-42", mode: "eager", seed: 1234 });
    journal.resumed(plan, { mode: "wave" });
    expect(planReplay(plan, journal.events)).toMatchObject({ mode: "wave", seed: 1234 });
  });

  it("reuses completed outputs with their digest, attempt, key and recorded handoff", () => {
    const journal = new JournalBuilder().started(plan).ran(a, "A", {}, 1).ran(b, "B", { a: "A" }, 1);
    journal.push({ type: "handoff.recorded", nodeId: "a", agent: "agent-a", idempotencyKey: "run-t:a:a1", url: "ledger://1" });
    const result = planReplay(plan, journal.events);
    expect(result.completed).toEqual([
      { nodeId: "a", agent: "agent-a", attempt: 1, output: "A", outputDigest: digestOutput("A"), idempotencyKey: "run-t:a:a1", handoffUrl: "ledger://1" },
      { nodeId: "b", agent: "agent-b", attempt: 1, output: "B", outputDigest: digestOutput("B"), idempotencyKey: "run-t:b:b1", handoffUrl: undefined },
    ]);
    expect(runs(result)).toEqual([["c", "new", 1]]);
  });

  it("never reuses an output produced from inputs other than its dependencies' current outputs", () => {
    // b's success names the wrong input digest, or too many, or too few.
    for (const upstream of [{ a: "not A" }, { a: "A", extra: "E" }, {}] as Array<Record<string, string>>) {
      const journal = new JournalBuilder().started(plan).ran(a, "A").ran(b, "B", upstream);
      const result = planReplay(plan, journal.events);
      expect(completed(result)).toEqual([["a", "A"]]);
      expect(result.discarded).toEqual(["b"]);
    }
  });

  it("re-dispatches in-flight nodes with their key and the next attempt: dispatched, timed out, or between retries", () => {
    const journal = new JournalBuilder().started(plan).ran(a, "A").dispatched(b, 1, { a: "A" }, "key-b");
    journal.dispatched(c, 1, {}, "key-c").push({ type: "node.timed-out", nodeId: "c", agent: "agent-c", attempt: 1, timeoutMs: 5 });
    expect(planReplay(plan, journal.events).inFlight.map((r) => [r.nodeId, r.attempt, r.idempotencyKey, r.reason])).toEqual([
      ["c", 2, "key-c", "in-flight"],
      ["b", 2, "key-b", "in-flight"],
    ]);
    journal.failed(c, 2, { final: false }).push({ type: "node.retrying", nodeId: "c", agent: "agent-c", attempt: 2, nextAttempt: 3, delayMs: 10, error: { message: "busy" } });
    expect(planReplay(plan, journal.events).inFlight.find((r) => r.nodeId === "c")).toMatchObject({ attempt: 3, idempotencyKey: "key-c" });
  });

  it("does not reuse the key of an in-flight dispatch made from other inputs or another spec", () => {
    const a2 = spec("a", "a2");
    const journal = new JournalBuilder().started(plan).ran(a, "A").dispatched(b, 1, { a: "A" }, "key-b");
    const result = planReplay(planOf([a2, b, c]), journal.events, { force: true });
    expect(result.toRun.map((r) => [r.nodeId, r.reason, r.idempotencyKey])).toEqual([
      ["a", "changed", undefined],
      ["c", "new", undefined],
      ["b", "changed", undefined],
    ]);
    expect(result.inFlight).toEqual([]);
  });

  it("keeps a final failure standing, blocks its dependents, and runs both again with retryFailed", () => {
    const journal = new JournalBuilder().started(plan).dispatched(a, 1).failed(a, 1, { category: "permanent", message: "bad input", code: "E1" }).blocked(b, "a").ran(c, "C");
    const result = planReplay(plan, journal.events);
    expect(result).toMatchObject({
      failed: [{ nodeId: "a", agent: "agent-a", attempt: 1, category: "permanent", error: { message: "bad input", code: "E1" } }],
      blocked: [{ nodeId: "b", blockedBy: "a" }],
      toRun: [],
    });
    const retried = planReplay(plan, journal.events, { retryFailed: true });
    expect(runs(retried)).toEqual([
      ["a", "retry-failed", 2],
      ["b", "unblocked", 1],
    ]);
    expect(completed(retried)).toEqual([["c", "C"]]);
  });

  it("keeps a retryFailed resume's intent until the retried node fails or is blocked again", () => {
    const failedOnce = (): JournalBuilder => new JournalBuilder().started(plan).dispatched(a, 1).failed(a, 1).blocked(b, "a");
    // Stopped before a ran again: the next resume, flag or not, runs it.
    const interrupted = failedOnce().resumed(plan, { retryFailed: true });
    expect(runs(planReplay(plan, interrupted.events))).toEqual([
      ["a", "retry-failed", 2],
      ["c", "new", 1],
      ["b", "unblocked", 1],
    ]);
    // It failed again in that resume: the failure stands for a resume without the flag.
    const failedAgain = failedOnce().resumed(plan, { retryFailed: true }).dispatched(a, 2).failed(a, 2).blocked(b, "a");
    expect(planReplay(plan, failedAgain.events)).toMatchObject({ failed: [{ nodeId: "a", attempt: 2 }], blocked: [{ nodeId: "b", blockedBy: "a" }] });
    // A non-final failure is no failure of the node: still in flight.
    const flaky = failedOnce().resumed(plan, { retryFailed: true }).dispatched(a, 2).failed(a, 2, { final: false });
    expect(planReplay(plan, flaky.events).inFlight.map((r) => r.nodeId)).toEqual(["a"]);
  });

  it("lets a final failure stand only while what it was attempted from is current", () => {
    const d = spec("d", "d1");
    const x = spec("x", "x1", ["d"]);
    const v1 = planOf([d, x]);
    const journal = new JournalBuilder().started(v1).ran(d, "D1").dispatched(x, 1, { d: "D1" }).failed(x, 1, { upstream: { d: "D1" } });
    expect(planReplay(v1, journal.events).failed.map((f) => f.nodeId)).toEqual(["x"]);
    // d changed and re-ran: x's failure was against the old d, so x runs again.
    const d2 = spec("d", "d2");
    const v2 = planOf([d2, x]);
    journal.resumed(v2, { forced: true }).ran(d2, "D2", {}, 2);
    const result = planReplay(v2, journal.events);
    expect(result.failed).toEqual([]);
    expect(runs(result)).toEqual([["x", "changed", 2]]);
    // x's own spec changed: its failure does not stand either.
    const x2 = spec("x", "x2", ["d"]);
    expect(planReplay(planOf([d, x2]), new JournalBuilder().started(v1).ran(d, "D1").dispatched(x, 1, { d: "D1" }).failed(x, 1, { upstream: { d: "D1" } }).events, { force: true }).failed).toEqual([]);
  });

  it("throws PlanMismatchError naming the run and the added, removed and changed nodes", () => {
    const journal = new JournalBuilder("run-9").started(planOf([a, spec("b", "b1"), spec("old", "o")]));
    const next = planOf([a, spec("b", "b2"), spec("new", "n")]);
    let error: unknown;
    try {
      planReplay(next, journal.events);
    } catch (caught) {
      error = caught;
    }
    expect(isPlanMismatchError(error)).toBe(true);
    expect(error).toMatchObject({ runId: "run-9", difference: { added: ["new"], removed: ["old"], changed: ["b"] } });
    expect((error as Error).message).toMatch(/cannot resume run run-9: the workflow changed .*; added: new; removed: old; changed: b\)\. Resume with force/);
    const forced = planReplay(next, journal.events, { force: true });
    expect(forced.removed).toEqual(["old"]);
  });

  it("returns the breaker state found last in the journal", () => {
    const closed: BreakerState = { state: "closed", consecutiveFailures: 0 };
    const open: BreakerState = { state: "open", consecutiveFailures: 5, openedAt: 100 };
    const journal = new JournalBuilder().started(plan, { breakers: { coder: closed, tool: closed } });
    journal.push({ type: "breaker.changed", key: "coder", from: "closed", to: "open", state: open });
    expect(planReplay(plan, journal.events).breakers).toEqual({ coder: open, tool: closed });
  });

  it("lists the agent processes of attempts that never settled as survivors", () => {
    const journal = new JournalBuilder().started(plan);
    const process = (pid: number) => ({ pid, pgid: pid, hostname: "h", startTime: "1" });
    journal.dispatched(a, 1).push({ type: "node.spawned", nodeId: "a", agent: "agent-a", attempt: 1, process: process(11) });
    journal.dispatched(c, 1).push({ type: "node.spawned", nodeId: "c", agent: "agent-c", attempt: 1, process: process(12) }).succeeded(c, 1, "C");
    journal.dispatched(b, 1).push({ type: "node.spawned", nodeId: "b", agent: "agent-b", attempt: 1, process: process(13) });
    expect(planReplay(plan, journal.events).survivors).toEqual([
      { nodeId: "a", agent: "agent-a", attempt: 1, process: process(11) },
      { nodeId: "b", agent: "agent-b", attempt: 1, process: process(13) },
    ]);
    journal.push({ type: "node.reaped", nodeId: "a", agent: "agent-a", attempt: 1, process: process(11), outcome: "stopped" });
    journal.push({ type: "node.timed-out", nodeId: "b", agent: "agent-b", attempt: 1, timeoutMs: 10 });
    expect(planReplay(plan, journal.events).survivors).toEqual([]);
    journal.dispatched(a, 2).push({ type: "node.spawned", nodeId: "a", agent: "agent-a", attempt: 2, process: process(14) }).failed(a, 2, { final: false });
    expect(planReplay(plan, journal.events).survivors).toEqual([]);
  });

  it("reports the waves started and completed under the current plan only", () => {
    const journal = new JournalBuilder().started(plan);
    journal.push({ type: "wave.started", wave: 0, nodeIds: ["a", "c"] }).push({ type: "wave.completed", wave: 0, succeeded: 2, failed: 0, blocked: 0 });
    journal.push({ type: "wave.started", wave: 1, nodeIds: ["b"] });
    const result = planReplay(plan, journal.events);
    expect([...result.wavesStarted]).toEqual([0, 1]);
    expect([...result.wavesCompleted]).toEqual([0]);
    const changed = planOf([a, spec("b", "b2", ["a"]), c]);
    expect(planReplay(changed, journal.events, { force: true }).wavesStarted.size).toBe(0);
    journal.resumed(changed, { forced: true });
    expect(planReplay(changed, journal.events).wavesStarted.size).toBe(0);
  });

  it("never reuses nodes on a cycle or behind an unknown dependency, and still lists them to run", () => {
    const journal = new JournalBuilder().started(plan).ran(a, "A");
    const odd = { planHash: "odd", nodes: [spec("a", "a1", ["ghost"]), spec("p", "p", ["q"]), spec("q", "q", ["p"])] };
    const result = planReplay(odd, journal.events, { force: true });
    expect(result.completed).toEqual([]);
    expect(runs(result)).toEqual([
      ["a", "changed", 2],
      ["p", "new", 1],
      ["q", "new", 1],
    ]);
  });

  it("walks a 100,000-node chain whose first node failed without overflowing the stack", () => {
    const nodes = Array.from({ length: 100_000 }, (_, i) => spec(`n${i}`, "s", i === 0 ? [] : [`n${i - 1}`]));
    const chain = { planHash: "chain", nodes };
    const journal = new JournalBuilder().started({ planHash: "chain", nodes: [] }).dispatched(nodes[0]!, 1).failed(nodes[0]!, 1);
    const result = planReplay(chain, journal.events);
    expect(result.failed.map((f) => f.nodeId)).toEqual(["n0"]);
    expect(result.blocked).toHaveLength(99_999);
    expect(result.blocked.every((entry) => entry.blockedBy === "n0")).toBe(true);
    expect(result.blocked.at(-1)).toEqual({ nodeId: "n99999", blockedBy: "n0" });
  });
});
