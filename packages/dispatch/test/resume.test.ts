import { readFile } from "node:fs/promises";
import { createFileCheckpointStore, createMemoryCheckpointStore, createRetryPolicy } from "@hybrid/resilience";
import type { CheckpointStore } from "@hybrid/resilience";
import { afterEach, describe, expect, it } from "vitest";
import { createDispatchController, createFunctionRunner, createLedgerSink } from "../src/index.js";
import type { AgentRunner, DispatchEvent, NodeOutcome } from "../src/index.js";
import { node, planOf, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const identity = (text: string): string => text;
const fast = { retry: { maxAttempts: 1 }, timeoutMs: 10_000 };

async function fileStore(): Promise<CheckpointStore> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return createFileCheckpointStore({ dir, redact: identity });
}

/**
 * A runner whose output names the spec it ran and the exact upstream outputs in its prompt, plus a
 * fresh number: the test can tell which version of what each output was built from, and a re-run
 * always produces a new output.
 */
function lineageRunner(log: string[]): AgentRunner {
  let serial = 0;
  return createFunctionRunner((task) => {
    log.push(task.nodeId);
    serial += 1;
    return `${task.nodeId}[${task.node.scope}]#${serial}{${task.prompt.replaceAll("\n", "|")}}`;
  });
}

describe("resume after a forced resume was interrupted (issue: stale or poisoned reuse)", () => {
  const original = () => planOf([node("d"), node("x", ["d"])]);
  const changed = () => planOf([node("d", [], { scope: "d, version 2" }), node("x", ["d"])]);

  it("stopped before anything ran: the next resume re-runs d and x instead of failing forever", async () => {
    const store = await fileStore();
    const controller = createDispatchController({ resilience: fast });
    const log: string[] = [];
    expect((await controller.run(original(), { runner: lineageRunner(log), store, runId: "r1" })).status).toBe("succeeded");

    const stop = new AbortController();
    stop.abort();
    const interrupted = await controller.resume(changed(), { runId: "r1", store, runner: lineageRunner(log), force: true, signal: stop.signal });
    expect(interrupted.status).toBe("aborted");
    expect(log).toEqual(["d", "x"]);

    for (const force of [false, true]) {
      const resumed = await controller.resume(changed(), { runId: "r1", store, runner: lineageRunner(log), force });
      expect(resumed.status).toBe("succeeded");
      if (!force) {
        expect(log).toEqual(["d", "x", "d", "x"]);
        expect(resumed.outcomes.x!.output).toContain("d, version 2");
      } else {
        // Nothing changed since: both are reused.
        expect(log).toEqual(["d", "x", "d", "x"]);
        expect(resumed.outcomes.x!.reused).toBe(true);
      }
    }
  });

  it("stopped after d re-ran: the next resume re-runs x on the new d, never reusing x built on the old d", async () => {
    const store = await fileStore();
    const controller = createDispatchController({ resilience: fast });
    const log: string[] = [];
    await controller.run(original(), { runner: lineageRunner(log), store, runId: "r2" });
    const stop = new AbortController();
    const stopAfterD = createFunctionRunner((task) => {
      log.push(task.nodeId);
      // Stop right after d's success (not during it: that would race the function runner's abort).
      if (task.nodeId === "d") setImmediate(() => stop.abort());
      return `d[${task.node.scope}]#new`;
    });
    const interrupted = await controller.resume(changed(), { runId: "r2", store, runner: stopAfterD, force: true, signal: stop.signal });
    expect(interrupted.outcomes.d!.status).toBe("succeeded");
    expect(interrupted.outcomes.x!.status).not.toBe("succeeded");

    const resumed = await controller.resume(changed(), { runId: "r2", store, runner: lineageRunner(log) });
    expect(resumed.status).toBe("succeeded");
    expect(resumed.outcomes.d).toMatchObject({ reused: true, output: "d[d, version 2]#new" });
    expect(resumed.outcomes.x!.reused).toBeUndefined();
    expect(resumed.outcomes.x!.output).toContain("d[d, version 2]#new");
    expect(log).toEqual(["d", "x", "d", "x"]);
  });

  it("a completion is reused only with the very upstream outputs it was built from (closure under dependencies)", async () => {
    // a → b → c: a is retried after failing, so b (built on nothing yet) ... instead: change a, run only a.
    const store = createMemoryCheckpointStore();
    const controller = createDispatchController({ resilience: fast });
    const log: string[] = [];
    const chain = (version: string) => planOf([node("a", [], { scope: `a ${version}` }), node("b", ["a"]), node("c", ["b"])]);
    await controller.run(chain("v1"), { runner: lineageRunner(log), store, runId: "r3" });
    const stop = new AbortController();
    const onlyA = createFunctionRunner((task) => {
      log.push(task.nodeId);
      setImmediate(() => stop.abort());
      return task.nodeId === "a" ? "a v2 output" : new Promise<string>(() => {});
    });
    await controller.resume(chain("v2"), { runId: "r3", store, runner: onlyA, force: true, signal: stop.signal });
    const resumed = await controller.resume(chain("v2"), { runId: "r3", store, runner: lineageRunner(log) });
    // b may or may not have been dispatched before the stop; it never completed, so it runs again.
    expect(log.slice(0, 4)).toEqual(["a", "b", "c", "a"]);
    expect(log.slice(-2)).toEqual(["b", "c"]);
    expect(log.filter((id) => id === "a")).toHaveLength(2);
    const outputs = Object.fromEntries(Object.entries(resumed.outcomes).map(([id, outcome]) => [id, (outcome as NodeOutcome).output]));
    expect(outputs.b).toContain("a v2 output");
    expect(outputs.c).toContain(outputs.b!.split("{")[0]!);
  });
});

describe("what a resume keeps from the journal", () => {
  it("continues in the journaled mode (eager) when none is given, and an explicit mode wins", async () => {
    const store = createMemoryCheckpointStore();
    const plan = planOf([node("a"), node("slow"), node("b", ["a"]), node("c", ["slow"])]);
    const stop = new AbortController();
    const first = createFunctionRunner((task) => {
      if (task.nodeId === "a") stop.abort();
      return "ok";
    });
    await createDispatchController({ maxParallel: 1 }).run(plan, { runner: first, store, runId: "r-mode", mode: "eager", signal: stop.signal });
    const events: DispatchEvent[] = [];
    const resumed = await createDispatchController({ onEvent: (event) => events.push(event) }).resume(plan, { runId: "r-mode", store, runner: createFunctionRunner(() => "ok") });
    expect(resumed.mode).toBe("eager");
    expect(events[0]).toMatchObject({ type: "run.resumed", mode: "eager" });
    const explicit = await createDispatchController().resume(plan, { runId: "r-mode", store, runner: createFunctionRunner(() => "ok"), mode: "wave" });
    expect(explicit.mode).toBe("wave");
  });

  it("keeps the journaled retry seed, so a resumed run draws the delays the first process would have", async () => {
    const store = createMemoryCheckpointStore();
    const plan = planOf([node("flaky")]);
    const retry = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100_000 };
    const stop = new AbortController();
    const runner = createFunctionRunner(async (task, signal) => {
      if (task.attempt === 3 && !stop.signal.aborted) {
        stop.abort();
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      }
      throw Object.assign(new Error("busy"), { transient: true });
    });
    const delays = (events: DispatchEvent[]) => events.flatMap((event) => (event.type === "node.retrying" ? [[event.attempt, event.delayMs]] : []));
    const firstEvents: DispatchEvent[] = [];
    await createDispatchController({ seed: 7, sleep: async () => {}, onEvent: (e) => firstEvents.push(e), resilience: { retry } }).run(plan, { runId: "r-seed", store, runner, signal: stop.signal });
    const resumedEvents: DispatchEvent[] = [];
    // This controller would draw from seed 99; the run's journaled seed (7) wins.
    await createDispatchController({ seed: 99, sleep: async () => {}, onEvent: (e) => resumedEvents.push(e), resilience: { retry } }).resume(plan, { runId: "r-seed", store, runner });
    const seven = createRetryPolicy(retry, { seed: 7 });
    const ninetyNine = createRetryPolicy(retry, { seed: 99 });
    expect(delays(firstEvents)).toEqual([[1, seven.delayAfter(1, "flaky")], [2, seven.delayAfter(2, "flaky")]]);
    expect(delays(resumedEvents)).toEqual([[4, seven.delayAfter(4, "flaky")]]);
    expect(seven.delayAfter(4, "flaky")).not.toBe(ninetyNine.delayAfter(4, "flaky"));
  });
});

describe("handoffs of forced re-runs (dedupe on the idempotency key)", () => {
  it("a changed node records a new handoff with its new summary; unchanged nodes keep theirs", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const ledger = createLedgerSink({ dir, redact: identity });
    const store = createMemoryCheckpointStore();
    const controller = createDispatchController({ handoffSink: ledger });
    const runner = createFunctionRunner((task) => `summary of ${task.nodeId} (${task.node.scope})`);
    const v1 = planOf([node("keep"), node("change")]);
    const first = await controller.run(v1, { runner, store, runId: "r-h" });
    const v2 = planOf([node("keep"), node("change", [], { scope: "second version" })]);
    const second = await controller.resume(v2, { runId: "r-h", store, runner, force: true });
    expect(second.outcomes.keep!.handoffUrl).toBe(first.outcomes.keep!.handoffUrl);
    expect(second.outcomes.change!.handoffUrl).not.toBe(first.outcomes.change!.handoffUrl);
    const lines = (await readFile(ledger.path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { summary: string });
    expect(lines.map((line) => line.summary).sort()).toEqual([
      "summary of change (scope of change)",
      "summary of change (second version)",
      "summary of keep (scope of keep)",
    ]);
  });
});

describe("ids that are also Object.prototype names", () => {
  it("runs and resumes nodes named constructor, toString, valueOf and hasOwnProperty", async () => {
    const store = createMemoryCheckpointStore();
    const ids = ["constructor", "toString", "valueOf", "hasOwnProperty"];
    const plan = planOf([node("constructor"), node("toString", ["constructor"]), node("valueOf", ["toString"]), node("hasOwnProperty", ["constructor", "valueOf"])]);
    const stop = new AbortController();
    const seenUpstream: Record<string, string[]> = {};
    const runner = createFunctionRunner((task) => {
      if (task.nodeId === "valueOf" && !stop.signal.aborted) stop.abort();
      return `out of ${task.nodeId}`;
    });
    const controller = createDispatchController();
    const prepare = (n: { id: string }, upstream: Readonly<Record<string, string>>) => {
      seenUpstream[n.id] = Object.keys(upstream);
      return { prompt: Object.values(upstream).join(",") };
    };
    await controller.run(plan, { runner, store, runId: "r-proto", prepare, signal: stop.signal });
    const resumed = await controller.resume(plan, { runId: "r-proto", store, runner, prepare });
    expect(resumed.status).toBe("succeeded");
    expect(Object.keys(resumed.outcomes).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(resumed.outcomes[id]!.status).toBe("succeeded");
    expect(seenUpstream.hasOwnProperty).toEqual(["constructor", "valueOf"]);
    expect(Object.getPrototypeOf(resumed.outcomes)).toBeNull();
  });
});
