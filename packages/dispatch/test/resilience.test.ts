import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TransientError, createFileCheckpointStore, createMemoryCheckpointStore } from "@hybrid/resilience";
import { afterEach, describe, expect, it } from "vitest";
import { createCommandRunner, createDispatchController, createFunctionRunner, createSimulatedRunner } from "../src/index.js";
import type { DispatchEvent } from "../src/index.js";
import { alive, eventually, node, planOf, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function recorder(): { events: DispatchEvent[]; onEvent: (event: DispatchEvent) => void } {
  const events: DispatchEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}
const noSleep = async (): Promise<void> => {};

describe("timeouts", () => {
  it("fire per attempt (spec.timeoutMs over the policy), are journaled, retried, then fail as timeout", async () => {
    const { events, onEvent } = recorder();
    const controller = createDispatchController({ onEvent, sleep: noSleep, resilience: { retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 60_000, breaker: { consecutiveFailures: 10 } } });
    const hang = createFunctionRunner(() => new Promise<string>(() => {}));
    const result = await controller.run(planOf([node("slow", [], { timeoutMs: 20 })]), { runner: hang });
    expect(result.outcomes.slow).toMatchObject({ status: "failed", category: "timeout", attempts: 2 });
    expect(events.filter((e) => e.type === "node.timed-out")).toEqual([
      expect.objectContaining({ attempt: 1, timeoutMs: 20 }),
      expect.objectContaining({ attempt: 2, timeoutMs: 20 }),
    ]);
    expect(events.filter((e) => e.type === "node.retrying")).toHaveLength(1);
    expect(result.postMortem?.failed[0]).toMatchObject({ node: "slow", category: "timeout" });
  });

  it("kill the command runner's whole process group: no child is left behind", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const pids = join(dir, "pids");
    const runner = createCommandRunner({
      command: "sh",
      args: ["-c", `sleep 30 & echo $! >> ${pids}; sleep 30 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`],
      killGraceMs: 200,
    });
    const controller = createDispatchController({ resilience: { retry: { maxAttempts: 1 }, timeoutMs: 60_000 } });
    const result = await controller.run(planOf([node("stuck", [], { timeoutMs: 300 })]), { runner });
    expect(result.outcomes.stuck).toMatchObject({ status: "failed", category: "timeout" });
    const recorded = (await readFile(pids, "utf8")).trim().split("\n").map(Number);
    expect(recorded).toHaveLength(3);
    await eventually(() => recorded.every((pid) => !alive(pid)));
  });
});

describe("retries", () => {
  it("retries transient failures with seeded, journaled backoff; the same seed replays the same delays", async () => {
    const runOnce = async () => {
      const { events, onEvent } = recorder();
      const controller = createDispatchController({
        onEvent,
        seed: 99,
        sleep: noSleep,
        resilience: { retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 } },
      });
      const runner = createFunctionRunner((task) => {
        if (task.attempt < 3) throw new TransientError(`flaky ${task.attempt}`);
        return `ok on ${task.attempt}`;
      });
      const result = await controller.run(planOf([node("r")]), { runner });
      return { result, events };
    };
    const first = await runOnce();
    expect(first.result.outcomes.r).toMatchObject({ status: "succeeded", attempts: 3, output: "ok on 3" });
    const retrying = first.events.filter((e) => e.type === "node.retrying");
    expect(retrying.map((e) => [e.attempt, e.nextAttempt])).toEqual([[1, 2], [2, 3]]);
    const failed = first.events.filter((e) => e.type === "node.failed");
    expect(failed.map((e) => [e.attempt, e.final])).toEqual([[1, false], [2, false]]);
    expect(first.events.filter((e) => e.type === "node.dispatched").map((e) => e.attempt)).toEqual([1, 2, 3]);
    const second = await runOnce();
    const delays = (events: DispatchEvent[]) => events.filter((e) => e.type === "node.retrying").map((e) => e.delayMs);
    expect(delays(second.events)).toEqual(delays(first.events));
  });

  it("exhausted transient failures are final with category transient-exhausted; a command exit 75 is transient", async () => {
    const controller = createDispatchController({ sleep: noSleep, resilience: { retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } } });
    const runner = createCommandRunner({ command: "sh", args: ["-c", "echo busy >&2; exit 75"] });
    const result = await controller.run(planOf([node("t", [], { maxAttempts: 3 })]), { runner });
    expect(result.outcomes.t).toMatchObject({
      status: "failed",
      attempts: 3,
      category: "transient-exhausted",
      error: { code: "command-failed", exitCode: 75, stderrTail: "busy\n" },
    });
  });

  it("the simulated runner drives retries deterministically", async () => {
    const plan = planOf(Array.from({ length: 12 }, (_, i) => node(`s${i}`)));
    const go = () =>
      createDispatchController({ sleep: noSleep, resilience: { retry: { maxAttempts: 5, baseDelayMs: 0, maxDelayMs: 0 }, breaker: { consecutiveFailures: 1000 } } }).run(plan, {
        runner: createSimulatedRunner({ seed: 5, timeScale: 0, transientFailureRate: 0.3, permanentFailureRate: 0.1 }),
        mode: "eager",
      });
    const [a, b] = [await go(), await go()];
    const summary = (r: typeof a) => Object.values(r.outcomes).map((o) => [o.id, o.status, o.attempts]);
    expect(summary(a)).toEqual(summary(b));
    expect(Object.values(a.outcomes).some((o) => o.attempts > 1)).toBe(true);
  });
});

describe("circuit breakers (key = agent)", () => {
  it("open after consecutive failures; later nodes of that agent wait for the probe instead of failing; the state survives a restart", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    let now = 1_000_000;
    const clock = { now: () => now };
    // Waiting moves the test's clock: a 60 s cooldown passes at once.
    const sleep = async (ms: number): Promise<void> => {
      now += ms;
      await new Promise((resolve) => setImmediate(resolve));
    };
    const resilience = { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } };
    const plan = planOf([
      node("a", [], { agent: "flaky" }),
      node("b", [], { agent: "flaky" }),
      node("c", [], { agent: "flaky" }),
      node("d", [], { agent: "steady" }),
    ]);
    let healthy = false;
    const calls: Array<[string, number]> = [];
    const runner = createFunctionRunner((task) => {
      calls.push([task.nodeId, now]);
      if (task.agent === "flaky" && !healthy) throw new Error("agent crashed");
      return "ok";
    });
    const stateDir = join(dir, "state");
    const identity = (text: string): string => text;
    const store1 = createFileCheckpointStore({ dir: stateDir, redact: identity });
    const { events, onEvent } = recorder();
    const start = now;
    const first = await createDispatchController({ maxParallel: 1, clock, sleep, resilience, onEvent }).run(plan, { runner, store: store1, runId: "run-breaker" });
    await store1.close?.();
    expect(Object.values(first.outcomes).filter((o) => o.category === "breaker-open")).toEqual([]);
    expect(events.find((e) => e.type === "breaker.changed")).toMatchObject({ key: "flaky", from: "closed", to: "open", state: { state: "open" } });
    expect(first.outcomes.d!.status).toBe("succeeded");
    // The third flaky node ran only once the cooldown had passed, as the half-open probe.
    const third = calls.filter(([id]) => id !== "d")[2]!;
    expect(third[1] - start).toBeGreaterThanOrEqual(60_000);
    expect(events.some((e) => e.type === "node.waiting" && e.nodeId === third[0])).toBe(true);

    // A new process (new controller, new store instance): the journal brings the (re)opened breaker back.
    calls.length = 0;
    healthy = true;
    const store2 = createFileCheckpointStore({ dir: stateDir, redact: identity });
    const resumedAt = now;
    const second = await createDispatchController({ maxParallel: 1, clock, sleep, resilience }).resume(plan, { runId: "run-breaker", store: store2, runner, retryFailed: true });
    const journal = await store2.read("run-breaker");
    await store2.close?.();
    const resumed = journal.events.find((e) => e.type === "run.resumed");
    expect(resumed).toMatchObject({ breakers: { flaky: { state: "open" } } });
    expect(second.status).toBe("succeeded");
    expect(calls.map(([id]) => id).sort()).toEqual(["a", "b", "c"]);
    // Nothing of flaky ran before the restored cooldown ended.
    expect(Math.min(...calls.map(([, at]) => at))).toBeGreaterThan(resumedAt);
  });
});

describe("memory store sanity", () => {
  it("journals node.succeeded before dependents are dispatched, in eager mode too", async () => {
    const store = createMemoryCheckpointStore();
    const plan = planOf([node("a"), node("b", ["a"]), node("c", ["a"]), node("d", ["b", "c"])]);
    await createDispatchController().run(plan, { runner: createFunctionRunner(() => "ok"), store, runId: "run-order", mode: "eager" });
    const { events } = await store.read("run-order");
    const index = (type: string, id: string) => events.findIndex((e) => e.type === type && "nodeId" in e && e.nodeId === id);
    for (const [dep, dependent] of [["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"]] as const) {
      expect(index("node.succeeded", dep)).toBeLessThan(index("node.dispatched", dependent));
    }
  });
});
