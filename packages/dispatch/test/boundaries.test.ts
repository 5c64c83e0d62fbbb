// What crosses dispatch's boundaries: breakers that recover, prepare and sinks that hang, runners
// that return garbage, retry delays that must not depend on who failed first.
import { createFileCheckpointStore, createMemoryCheckpointStore, createRetryPolicy, isInvalidRedactorError } from "@hybrid/resilience";
import { afterEach, describe, expect, it } from "vitest";
import { createDispatchController, createFunctionRunner } from "../src/index.js";
import type { AgentRunner, DispatchEvent, HandoffSink } from "../src/index.js";
import { node, planOf, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A clock the test owns, and a sleep that moves it: breaker cooldowns pass without waiting. */
function fakeTime(start = 1_000_000) {
  let time = start;
  return {
    clock: { now: () => time },
    sleep: async (ms: number) => {
      time += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
    advance: (ms: number) => void (time += ms),
  };
}

describe("an open circuit breaker makes nodes wait, never fail (issue 9, item 7)", () => {
  it("after the cooldown, four ready nodes of the recovered agent all succeed; the probe goes first, one at a time", async () => {
    const time = fakeTime();
    const events: DispatchEvent[] = [];
    let healthy = false;
    const running = { now: 0, peakDuringProbe: 0 };
    const runner = createFunctionRunner(async (task) => {
      if (task.nodeId === "trip") throw new Error("agent down");
      running.now += 1;
      await new Promise((resolve) => setImmediate(resolve));
      running.now -= 1;
      if (!healthy) throw new Error("agent down");
      return `ok ${task.nodeId}`;
    });
    // "trip" fails and opens the breaker of agent "coder" (threshold 1); w1..w4 become ready after it.
    const plan = planOf([node("trip"), ...["w1", "w2", "w3", "w4"].map((id) => node(id, ["gate"])), node("gate", [], { agent: "other" })]);
    const gateRunner: AgentRunner = {
      run: async (task, signal) => {
        if (task.nodeId === "gate") {
          // The gate finishes only after "trip" has failed: by then coder's breaker is open.
          while (!events.some((event) => event.type === "breaker.changed" && event.to === "open")) await new Promise((resolve) => setImmediate(resolve));
          healthy = true;
          return { output: "gate open" };
        }
        return runner.run(task, signal);
      },
    };
    const controller = createDispatchController({
      maxParallel: 4,
      clock: time.clock,
      sleep: time.sleep,
      onEvent: (event) => events.push(event),
      resilience: { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 30_000 } },
    });
    const result = await controller.run(plan, { runner: gateRunner, mode: "eager" });
    expect(result.outcomes.trip).toMatchObject({ status: "failed", category: "permanent" });
    for (const id of ["w1", "w2", "w3", "w4"]) expect(result.outcomes[id], id).toMatchObject({ status: "succeeded" });
    expect(Object.values(result.outcomes).filter((outcome) => outcome.category === "breaker-open")).toEqual([]);
    const waiting = events.filter((event) => event.type === "node.waiting");
    expect(waiting.length).toBeGreaterThan(0);
    // Open → half-open (one probe) → closed: the probe succeeded and let the others through.
    const changes = events.flatMap((event) => (event.type === "breaker.changed" ? [`${event.from}->${event.to}`] : []));
    expect(changes).toEqual(["closed->open", "open->half-open", "half-open->closed"]);
    // No node of coder was dispatched while the breaker was open.
    let open = false;
    for (const event of events) {
      if (event.type === "breaker.changed") open = event.to === "open";
      if (event.type === "node.dispatched" && event.agent === "coder") expect(open, `${event.nodeId} dispatched while open`).toBe(false);
    }
  });

  it("a breaker restored open from the journal makes a resumed node wait out the rest of the cooldown", async () => {
    const time = fakeTime();
    const store = createMemoryCheckpointStore();
    const plan = planOf([node("a"), node("b")]);
    const failing = createFunctionRunner(() => {
      throw new Error("down");
    });
    const resilience = { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } };
    const first = await createDispatchController({ maxParallel: 1, clock: time.clock, sleep: time.sleep, resilience }).run(plan, { runner: failing, store, runId: "r-open" });
    // a failed and opened the breaker; b waited out the cooldown, probed, failed and reopened it.
    expect(first.outcomes.a!.status).toBe("failed");
    expect(first.outcomes.b!.status).toBe("failed");
    const journal = (await store.read("r-open")).events;
    const lastOpen = journal.findLast((event) => event.type === "breaker.changed" && event.to === "open")!;
    const events: DispatchEvent[] = [];
    const resumed = await createDispatchController({ clock: time.clock, sleep: time.sleep, resilience, onEvent: (e) => events.push(e) }).resume(plan, {
      runId: "r-open",
      store,
      runner: createFunctionRunner(() => "fine now"),
      retryFailed: true,
    });
    expect(resumed.status).toBe("succeeded");
    expect(events.some((event) => event.type === "node.waiting")).toBe(true);
    const firstDispatch = events.find((event) => event.type === "node.dispatched")!;
    expect(firstDispatch.at).toBeGreaterThanOrEqual(lastOpen.at + 60_000);
  });
});

describe("prepare and handoff sinks honour stops and deadlines (issue 9, item 8)", () => {
  it("prepare gets the attempt's signal; a prepare that ignores it times out with the attempt and run() settles", async () => {
    const signals: AbortSignal[] = [];
    const controller = createDispatchController({ resilience: { retry: { maxAttempts: 1 }, timeoutMs: 30 } });
    const result = await controller.run(planOf([node("a")]), {
      runner: createFunctionRunner(() => "never reached"),
      prepare: (_node, _upstream, { signal }) => {
        signals.push(signal);
        return new Promise<{ prompt: string }>(() => {});
      },
    });
    expect(result.outcomes.a).toMatchObject({ status: "failed", category: "timeout" });
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
  });

  it("a stop ends a run whose prepare hangs", async () => {
    const stop = new AbortController();
    const controller = createDispatchController({ resilience: { retry: { maxAttempts: 1 }, timeoutMs: 600_000 } });
    const pending = controller.run(planOf([node("a")]), {
      runner: createFunctionRunner(() => "never reached"),
      prepare: () => {
        setImmediate(() => stop.abort());
        return new Promise<{ prompt: string }>(() => {});
      },
      signal: stop.signal,
    });
    const result = await pending;
    expect(result.status).toBe("aborted");
    expect(result.outcomes.a!.status).toBe("aborted");
  });

  it("a sink that hangs is cut off after handoffTimeoutMs: handoff.failed is journaled and the success stands", async () => {
    let sawSignal: AbortSignal | undefined;
    const hanging: HandoffSink = {
      record: (_entry, options) => {
        sawSignal = options?.signal;
        return new Promise(() => {});
      },
    };
    const events: DispatchEvent[] = [];
    const controller = createDispatchController({ handoffSink: hanging, handoffTimeoutMs: 20, onEvent: (e) => events.push(e) });
    const result = await controller.run(planOf([node("a"), node("b", ["a"])]), { runner: createFunctionRunner(() => "ok") });
    expect(result.status).toBe("succeeded");
    expect(result.outcomes.a!.handoffError).toMatchObject({ code: "handoff-failed", message: expect.stringContaining("did not answer within 20ms") });
    expect(events.filter((event) => event.type === "handoff.failed").map((event) => event.nodeId)).toEqual(["a", "b"]);
    expect(sawSignal?.aborted).toBe(true);
  });

  it("a stop during a hanging handoff settles the run", async () => {
    const stop = new AbortController();
    const hanging: HandoffSink = {
      record: () => {
        setImmediate(() => stop.abort());
        return new Promise(() => {});
      },
    };
    const controller = createDispatchController({ handoffSink: hanging, handoffTimeoutMs: 600_000 });
    const result = await controller.run(planOf([node("a"), node("b", ["a"])]), { runner: createFunctionRunner(() => "ok"), signal: stop.signal });
    expect(result.status).toBe("aborted");
    expect(result.outcomes.a!.status).toBe("succeeded");
    expect(result.outcomes.b!.status).toBe("skipped");
  });
});

describe("runner results are validated at the boundary (issue 9, item 9)", () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ["NaN tokens", { output: "x", tokens: { input: Number.NaN, output: 1 } }, /tokens\.input/],
    ["negative tokens", { output: "x", tokens: { input: 1, output: -3 } }, /tokens\.output/],
    ["a number as output", { output: 42 }, /output/],
    ["nothing", undefined, /expected object/],
  ];
  for (const withStore of [false, true]) {
    it(`a malformed result fails that node only, permanently, saying what was wrong (${withStore ? "with" : "without"} a store)`, async () => {
      for (const [label, value, message] of bad) {
        const { dir, cleanup } = await tempDir();
        cleanups.push(cleanup);
        const store = withStore ? createFileCheckpointStore({ dir, redact: (text) => text }) : undefined;
        const runner: AgentRunner = { run: async (task) => (task.nodeId === "bad" ? (value as never) : { output: "fine" }) };
        const controller = createDispatchController({ resilience: { retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 } } });
        const result = await controller.run(planOf([node("bad"), node("good"), node("after", ["bad"])]), { runner, ...(store ? { store } : {}) });
        expect(result.outcomes.bad, label).toMatchObject({ status: "failed", category: "permanent", attempts: 1, error: { code: "invalid-result", message: expect.stringMatching(message) } });
        expect(result.outcomes.good!.status, label).toBe("succeeded");
        expect(result.outcomes.after, label).toMatchObject({ status: "blocked", blockedBy: "bad" });
        await store?.close?.();
      }
    });
  }

  it("tokens may be omitted: recorded as unknown, not as 0", async () => {
    const events: DispatchEvent[] = [];
    const controller = createDispatchController({ onEvent: (e) => events.push(e) });
    const result = await controller.run(planOf([node("a")]), { runner: { run: async () => ({ output: "no usage reported" }) } });
    expect(result.outcomes.a!.status).toBe("succeeded");
    expect(result.outcomes.a!.tokens).toBeUndefined();
    const succeeded = events.find((event) => event.type === "node.succeeded")!;
    expect("tokens" in succeeded).toBe(false);
  });
});

describe("retry delays are a function of (seed, node, attempt) (issue 9, item 11)", () => {
  it("two nodes failing in different orders get the same delays per node and attempt", async () => {
    const retry = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10_000 };
    const delaysFor = async (slowFirst: "a" | "b") => {
      const events: DispatchEvent[] = [];
      const runner = createFunctionRunner(async (task) => {
        // The other node fails first: a shared random stream would hand the delays out differently.
        if (task.nodeId !== slowFirst) for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        throw Object.assign(new Error("busy"), { transient: true });
      });
      await createDispatchController({ seed: 42, maxParallel: 2, sleep: async () => {}, onEvent: (e) => events.push(e), resilience: { retry, breaker: { consecutiveFailures: 100 } } }).run(planOf([node("a"), node("b")]), { runner });
      return events.flatMap((event) => (event.type === "node.retrying" ? [`${event.nodeId}@${event.attempt}=${event.delayMs}`] : [])).sort();
    };
    const one = await delaysFor("a");
    const other = await delaysFor("b");
    expect(one).toEqual(other);
    const policy = createRetryPolicy(retry, { seed: 42 });
    expect(one).toEqual(["a@1", "a@2", "b@1", "b@2"].map((k) => `${k}=${policy.delayAfter(Number(k.slice(2)), k[0]!)}`).sort());
  });
});

describe("redact options fail loudly when wired wrong (issue 10, item 4)", () => {
  it("a redact that returns an object (redactSecrets passed as redact) is refused where it is given", () => {
    const redactSecretsLike = (text: string) => ({ text, findings: [] });
    expect(() => createDispatchController({ redact: redactSecretsLike as never })).toThrow(/pass `redact`, not `redactSecrets`/);
    expect(() => createFileCheckpointStore({ dir: "/nonexistent", redact: redactSecretsLike as never })).toThrow(/pass `redact`, not `redactSecrets`/);
    expect(() => createFileCheckpointStore({ dir: "/nonexistent" } as never)).toThrow(/expected a \(text\) => string function/);
    let thrown: unknown;
    try {
      createDispatchController({ redact: redactSecretsLike as never });
      expect.unreachable();
    } catch (error) {
      thrown = error;
    }
    expect(isInvalidRedactorError(thrown)).toBe(true);
  });
});
