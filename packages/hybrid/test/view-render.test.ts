import type { DispatchEvent } from "@hybrid/dispatch";
import { describe, expect, it } from "vitest";
import { createPlainFormatter, BLOCKED_SHOWN } from "../src/cli/view/render-plain.js";
import { describeStrategy, describeWave, MAX_RUNNING_LINES, renderFrame } from "../src/cli/view/render-live.js";
import { displayWidth } from "../src/cli/view/sanitize.js";
import { createViewState, MAX_FAILURES, reduceView, type ViewState } from "../src/cli/view/state.js";
import { ev, HOSTILE } from "./fixtures/view/events.js";

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/;
const fold = (events: DispatchEvent[], state: ViewState = createViewState()) => events.reduce(reduceView, state);
const nodes = (count: number, waves = 1) => Array.from({ length: count }, (_, i) => ({ id: `n${i}`, wave: i % waves }));

describe("reduceView", () => {
  it("counts done, failed and blocked once each, sums tokens, and keeps in-flight nodes in dispatch order", () => {
    const state = fold([
      ev.started(1000, nodes(5, 2)),
      ev.wave(1000, 0, ["n0", "n2", "n4"]),
      ev.dispatched(1100, "n0"),
      ev.dispatched(1200, "n2"),
      ev.dispatched(1300, "n4"),
      ev.succeeded(2000, "n0", { input: 100, output: 20 }),
      ev.succeeded(2000, "n0", { input: 100, output: 20 }),
      ev.succeeded(2100, "n2"),
      ev.failed(2200, "n4", "boom", true, "permanent"),
      ev.blocked(2300, "n1", "n4"),
      ev.blocked(2300, "n1", "n4"),
    ]);
    expect(state.counts).toEqual({ succeeded: 2, failed: 1, blocked: 1 });
    // The repeated success counts once but its tokens were spent by the event: they are summed as told.
    expect(state.tokens).toEqual({ input: 200, output: 40 });
    expect(state.running.size).toBe(0);
    expect(state.totalNodes).toBe(5);
    expect(state.totalWaves).toBe(2);
    expect(state.failures).toEqual([{ nodeId: "n4", message: "permanent: boom" }]);
  });

  it("keeps a node listed between attempts, marks it, and moves a re-dispatch to the end", () => {
    const state = fold([
      ev.dispatched(0, "a"),
      ev.dispatched(10, "b"),
      ev.failed(20, "a", "flaky", false),
      ev.retrying(20, "a", "flaky"),
      ev.waiting(25, "b", "agent:x"),
    ]);
    expect([...state.running.entries()].map(([id, n]) => `${id}:${n.phase}:${n.attempt}`)).toEqual(["a:retry:1", "b:waiting:1"]);
    fold([ev.dispatched(30, "a", 2), ev.retrying(31, "gone", "x")], state);
    expect([...state.running.keys()]).toEqual(["b", "a"]);
    expect(state.running.get("a")).toMatchObject({ attempt: 2, phase: "running", since: 30 });
    expect(state.counts).toEqual({ succeeded: 0, failed: 0, blocked: 0 });
    // A failed node put back to run (`--retry-failed`) leaves the failed count when it succeeds.
    fold([ev.failed(40, "a", "x"), ev.dispatched(50, "a", 3), ev.succeeded(60, "a")], state);
    expect(state.counts).toEqual({ succeeded: 1, failed: 0, blocked: 0 });
  });

  it("remembers only the latest failures, sanitized", () => {
    const state = fold(Array.from({ length: 10 }, (_, i) => ev.failed(i, `n${i}`, `${HOSTILE} ${i}`)));
    expect(state.failures).toHaveLength(MAX_FAILURES);
    expect(state.failures.at(-1)!.nodeId).toBe("n9");
    for (const failure of state.failures) expect(failure.message).not.toMatch(UNSAFE);
  });

  it("tracks the strategy and a switch mid-run, and gate failures", () => {
    const state = fold([ev.strategy(0, "hybrid", "hybrid"), ev.gate(1, "pass"), ev.gate(2, "fail", "no"), ev.strategy(3, "sequential", "kill-switch", 2)]);
    expect(state.strategy).toMatchObject({ strategy: "sequential", from: "hybrid", reason: "kill-switch", wave: 2 });
    // A later read that confirms the strategy keeps where the switch happened.
    fold([ev.strategy(4, "sequential", "kill-switch")], state);
    expect(state.strategy).toMatchObject({ from: "hybrid", wave: 2 });
    expect(state.gatesFailed).toBe(1);
    expect(describeStrategy({ strategy: "hybrid", reason: "flags", parallel: true, memory: false })).toBe("hybrid (flags; parallel)");
    expect(describeStrategy({ strategy: "sequential", reason: "flag-off", parallel: false, memory: false })).toBe("sequential (flag-off)");
    expect(describeStrategy({ strategy: "sequential", from: "hybrid", reason: "kill-switch", parallel: false, memory: true })).toBe("hybrid → sequential (kill-switch; memory)");
  });
});

describe("renderFrame", () => {
  const size = { columns: 80, rows: 24 };

  it("shows the run, the wave, running nodes with their elapsed time, counts, tokens and elapsed", () => {
    const state = fold([
      ev.started(1000, nodes(4, 2)),
      ev.strategy(1000, "hybrid", "hybrid"),
      ev.wave(1000, 0, ["n0", "n2"]),
      ev.dispatched(1000, "n0", 1, "solution-architect"),
      ev.dispatched(1500, "n2", 2),
      ev.succeeded(1900, "n1", { input: 1200, output: 300 }),
    ]);
    const lines = renderFrame(state, 4000, size);
    expect(lines).toEqual([
      "hybrid run epic · run-1",
      "wave 1/2 · running 2 · elapsed 3.0s",
      "done 1/4 · failed 0 · blocked 0 · tokens 1.2k in / 300 out",
      "strategy hybrid (hybrid; parallel, memory)",
      "     3.0s  n0  solution-architect",
      "     2.5s  n2  backend-engineer (attempt 2)",
    ]);
    // Time alone moves the elapsed times.
    expect(renderFrame(state, 5000, size)[1]).toContain("elapsed 4.0s");
    expect(renderFrame(state, 5000, size)[4]).toBe("     4.0s  n0  solution-architect");
  });

  it("says when it waits for a run, freezes elapsed at completion, and shows a switch and the latest failures", () => {
    expect(renderFrame(createViewState(), 0, size)[0]).toBe("hybrid: waiting for the run to start");
    const state = fold([
      ev.resumed(0, 3),
      ev.strategy(0, "hybrid", "hybrid"),
      ev.wave(0, 0, ["n0"]),
      ev.failed(100, "n0", "it broke"),
      ev.gate(150, "fail"),
      ev.strategy(200, "sequential", "kill-switch", 0),
      ev.completed(2000, "failed", 3, 0, 1),
    ]);
    const lines = renderFrame(state, 99_000, size);
    expect(lines[0]).toBe("hybrid resume epic · run-1");
    expect(lines[1]).toBe("wave 1/3 · running 0 · elapsed 2.0s · failed");
    expect(lines[2]).toBe("done 0/3 · failed 1 · blocked 0 · gates failed 1 · tokens 0 in / 0 out");
    expect(lines[3]).toBe("strategy hybrid → sequential after wave 1 (kill-switch)");
    expect(lines.at(-1)).toBe("failed n0: it broke");
  });

  it("names the open waves when eager mode runs several", () => {
    const state = fold([ev.started(0, nodes(6, 3)), ev.wave(0, 0, ["n0"]), ev.wave(0, 1, ["n1"]), ev.wave(0, 2, ["n2"])]);
    expect(describeWave(state)).toBe("waves 1-3/3");
    fold([ev.waveDone(1, 0), ev.waveDone(1, 1)], state);
    expect(describeWave(state)).toBe("wave 3/3");
    expect(describeWave(createViewState())).toBe("wave -");
  });

  it("caps the running list and cuts every line to the terminal, hostile names included", () => {
    const events: DispatchEvent[] = [ev.started(0, nodes(50))];
    for (let i = 0; i < 50; i++) events.push(ev.dispatched(i, `n${i}`, 1, `${HOSTILE} 日本語 ${"agent".repeat(40)}`));
    events.push(ev.failed(60, "n49", HOSTILE.repeat(50)), ev.strategy(61, "hybrid", HOSTILE));
    const state = fold(events);
    for (const columns of [20, 40, 80, 200]) {
      const lines = renderFrame(state, 100, { columns, rows: 40 });
      for (const line of lines) {
        expect(displayWidth(line)).toBeLessThan(columns);
        expect(line).not.toMatch(UNSAFE);
      }
      expect(lines.filter((line) => /^ +\d+\.\ds/.test(line))).toHaveLength(MAX_RUNNING_LINES - 1);
      expect(lines).toContainEqual(expect.stringMatching(/^ {2}… and 42 more|^ {2}… and 4/));
    }
  });

  it("keeps the frame shorter than the terminal, so it can always be redrawn in place", () => {
    const state = fold([ev.started(0, nodes(20)), ...Array.from({ length: 20 }, (_, i) => ev.dispatched(i, `n${i}`))]);
    for (const rows of [1, 5, 8, 10]) {
      const lines = renderFrame(state, 100, { columns: 80, rows });
      expect(lines.length).toBeLessThanOrEqual(Math.max(4, rows - 1));
    }
    expect(renderFrame(state, 100, { columns: 80, rows: 7 }).at(-1)).toBe("  … and 18 more");
  });

  it("handles 5,000 nodes: the frame stays a few lines whatever the size of the run", () => {
    const count = 5000;
    const state = fold([ev.started(0, nodes(count, 10)), ev.wave(0, 0, [])]);
    for (let i = 0; i < count; i++) reduceView(state, ev.dispatched(i, `n${i}`));
    for (let i = 0; i < count; i += 2) reduceView(state, ev.succeeded(count + i, `n${i}`, { input: 10, output: 1 }));
    // Many frames over a big state: each one is bounded by the screen, not by the run.
    let lines: string[] = [];
    for (let frame = 0; frame < 2000; frame++) lines = renderFrame(state, 20_000 + frame, { columns: 100, rows: 30 });
    expect(lines.length).toBeLessThanOrEqual(4 + MAX_RUNNING_LINES);
    expect(lines[2]).toMatch(/^done 2500\/5000 · failed 0 · blocked 0 · tokens 25\.0k in \/ 2\.5k out$/);
    expect(lines.at(-1)).toBe("  … and 2493 more");
  });
});

describe("plain lines", () => {
  it("prints one line per notable event, none for the rest", () => {
    const plain = createPlainFormatter(120);
    const out = [
      ev.started(1000, nodes(3, 2)),
      ev.strategy(1000, "hybrid", "hybrid"),
      ev.strategy(1000, "hybrid", "hybrid"),
      ev.wave(1000, 0, ["n0"]),
      ev.dispatched(1100, "n0"),
      ev.failed(1200, "n0", "flaky", false),
      ev.retrying(1200, "n0", "flaky"),
      ev.waiting(1300, "n0", "agent:backend"),
      ev.dispatched(1700, "n0", 2),
      ev.succeeded(2600, "n0", { input: 900, output: 200 }),
      ev.handoffFailed(2600, "n0", "github down"),
      ev.waveDone(2600, 0, 1),
      ev.gate(2700, "pass"),
      ev.gate(2700, "fail", "acceptance unchecked", "n1"),
      ev.gate(2700, "fail"),
      ev.strategy(2800, "sequential", "kill-switch", 0),
      ev.failed(2900, "n1", "nope", true, "permanent"),
      ev.blocked(3000, "n2", "n1"),
      ev.completed(3500, "failed", 3, 1, 1, 1),
    ].flatMap((event) => plain.format(event));
    expect(out).toEqual([
      "[0.0s] run run-1 started: epic, 3 nodes in 2 waves",
      "[0.0s] strategy hybrid (hybrid; parallel, memory)",
      "[0.0s] wave 1/2 started: 1 node",
      "[0.1s] start   n0 (backend-engineer)",
      "[0.2s] retry   n0 in 0.5s (attempt 2): transient: flaky",
      "[0.3s] waiting n0: breaker agent:backend is open",
      "[0.7s] start   n0 (backend-engineer) attempt 2",
      "[1.6s] done    n0 in 1.5s, 1.1k tokens",
      "[1.6s] handoff of n0 failed: github down",
      "[1.6s] wave 1/2 completed: 1 succeeded, 0 failed, 0 blocked",
      "[1.7s] gate G3 failed at node on n1: acceptance unchecked",
      "[1.7s] gate G3 failed at node",
      "[1.8s] strategy hybrid → sequential after wave 1 (kill-switch)",
      "[1.9s] FAILED  n1: permanent: nope",
      "[2.0s] blocked n2 by n1",
      "[2.5s] run failed: 1/3 succeeded, 1 failed, 1 blocked, 0 skipped; tokens 900 in / 200 out",
    ]);
    expect(plain.flush()).toEqual([]);
    // Events a reader does not need print nothing.
    expect(plain.format({ type: "node.timed-out", runId: "run-1", nodeId: "n0", agent: "a", at: 3600, attempt: 1, timeoutMs: 100 })).toEqual([]);
    expect(plain.format(ev.resumed(4000, 2))).toEqual(["[0.0s] run run-1 resumed: epic, 2 nodes in 2 waves"]);
  });

  it("sums up a cascade of blocks by one node instead of flooding", () => {
    const plain = createPlainFormatter();
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) lines.push(...plain.format(ev.blocked(i, `n${i}`, "root")));
    expect(lines).toHaveLength(BLOCKED_SHOWN);
    lines.push(...plain.format(ev.blocked(5000, "x", "other")));
    expect(lines.slice(BLOCKED_SHOWN)).toEqual(["blocked 3997 more by root (4000 in all)", "[5.0s] blocked x by other"]);
    for (let i = 0; i < 10; i++) plain.format(ev.blocked(6000, `y${i}`, "other"));
    expect(plain.flush()).toEqual([`blocked 8 more by other (11 in all)`]);
    expect(plain.state.counts.blocked).toBe(4011);
  });

  it("never prints an escape code, and bounds every line", () => {
    const plain = createPlainFormatter(60);
    const lines = [
      ev.dispatched(0, "n0", 1, HOSTILE),
      ev.failed(1, "n0", HOSTILE.repeat(1000)),
      ev.retrying(2, "n0", HOSTILE),
      ev.strategy(3, "hybrid", HOSTILE),
      ev.gate(4, "fail", HOSTILE),
    ].flatMap((event) => plain.format(event));
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).not.toMatch(UNSAFE);
      expect(displayWidth(line)).toBeLessThan(60);
    }
  });
});
