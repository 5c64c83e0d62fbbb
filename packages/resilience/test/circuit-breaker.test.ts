import { describe, expect, it } from "vitest";
import { AbortedError, BreakerStateSchema, BrokenCircuitError, createBreakerRegistry, isBrokenCircuitError, isInvalidPolicyError } from "@hybrid/resilience";
import type { BreakerChange, BreakerRegistry } from "@hybrid/resilience";
import { manualClock } from "./helpers.js";

const fail = async (): Promise<never> => {
  throw new Error("agent down");
};
const ok = async (): Promise<string> => "ok";

function deferred(): { promise: Promise<string>; resolve: () => void; reject: () => void } {
  let resolve!: () => void;
  let reject!: () => void;
  const promise = new Promise<string>((res, rej) => ((resolve = () => res("probe ok")), (reject = () => rej(new Error("probe failed")))));
  return { promise, resolve, reject };
}

async function failTimes(breakers: BreakerRegistry, key: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(breakers.execute(key, fail)).rejects.toThrow("agent down");
}

describe("createBreakerRegistry", () => {
  it("opens after N consecutive failures (a success resets the count) and then rejects without running", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry({ consecutiveFailures: 3, halfOpenAfterMs: 30_000 }, { clock: clock.now });
    await failTimes(breakers, "coder", 2);
    await breakers.execute("coder", ok);
    await failTimes(breakers, "coder", 2);
    expect(breakers.state("coder")).toBe("closed");
    expect(breakers.admission("coder")).toEqual({ admitted: true });
    await failTimes(breakers, "coder", 1);
    expect(breakers.state("coder")).toBe("open");

    let ran = false;
    const rejected = await breakers.execute("coder", async () => (ran = true)).catch((error: unknown) => error);
    expect(ran).toBe(false);
    expect(isBrokenCircuitError(rejected)).toBe(true);
    expect(rejected).toMatchObject({ code: "breaker-open", key: "coder", retryAfterMs: 30_000 });
    expect((rejected as Error).message).toBe('[resilience] circuit breaker "coder" is open; next probe in 30000ms');
    // Per key.
    expect(breakers.state("reviewer")).toBe("closed");
    expect(breakers.admission("reviewer")).toEqual({ admitted: true });
  });

  it("admission reports the remaining cooldown while open, and admits once it has passed", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry({ consecutiveFailures: 1, halfOpenAfterMs: 30_000 }, { clock: clock.now });
    await failTimes(breakers, "coder", 1);
    expect(breakers.admission("coder")).toEqual({ admitted: false, retryAfterMs: 30_000 });
    clock.advance(12_345);
    expect(breakers.admission("coder")).toEqual({ admitted: false, retryAfterMs: 17_655 });
    await expect(breakers.execute("coder", ok)).rejects.toMatchObject({ retryAfterMs: 17_655 });
    clock.advance(17_654);
    expect(breakers.admission("coder")).toEqual({ admitted: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(breakers.admission("coder")).toEqual({ admitted: true });
    expect(breakers.state("coder")).toBe("half-open");
  });

  it("half-open admits exactly one probe: a concurrent execute is rejected without running and admission says wait for the probe", async () => {
    const clock = manualClock();
    const changes: BreakerChange[] = [];
    const breakers = createBreakerRegistry({ consecutiveFailures: 1, halfOpenAfterMs: 1_000 }, { clock: clock.now, onChange: (c) => changes.push(c) });
    await failTimes(breakers, "tool", 1);
    clock.advance(1_000);
    const probe = deferred();
    let probes = 0;
    const first = breakers.execute("tool", () => (probes++, probe.promise));
    let second = 0;
    const rejected = await breakers.execute("tool", async () => void second++).catch((error: unknown) => error);
    expect(second).toBe(0);
    expect(rejected).toBeInstanceOf(BrokenCircuitError);
    expect(rejected).toMatchObject({ key: "tool", retryAfterMs: 0 });
    expect(breakers.admission("tool")).toEqual({ admitted: false, retryAfterMs: undefined });
    // However long the probe takes.
    clock.advance(60_000);
    expect(breakers.admission("tool")).toEqual({ admitted: false, retryAfterMs: undefined });
    expect(probes).toBe(1);

    probe.resolve();
    await expect(first).resolves.toBe("probe ok");
    expect(breakers.state("tool")).toBe("closed");
    expect(breakers.admission("tool")).toEqual({ admitted: true });
    expect(changes.map((change) => `${change.from}->${change.to}`)).toEqual(["closed->open", "open->half-open", "half-open->closed"]);
    expect(changes[2]).toMatchObject({ key: "tool", at: clock.now(), state: { state: "closed", consecutiveFailures: 0 } });
  });

  it("a failed probe reopens the breaker for another full cooldown", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry({ consecutiveFailures: 2, halfOpenAfterMs: 1_000 }, { clock: clock.now });
    await failTimes(breakers, "tool", 2);
    clock.advance(1_500);
    const probe = deferred();
    const running = breakers.execute("tool", () => probe.promise);
    clock.advance(200);
    probe.reject();
    await expect(running).rejects.toThrow("probe failed");
    expect(breakers.state("tool")).toBe("open");
    expect(breakers.toJSON().tool).toMatchObject({ state: "open", openedAt: clock.now(), consecutiveFailures: 3 });
    expect(breakers.admission("tool")).toEqual({ admitted: false, retryAfterMs: 1_000 });
    // The next probe is admitted once the new cooldown is over.
    clock.advance(1_000);
    await expect(breakers.execute("tool", ok)).resolves.toBe("ok");
  });

  it("does not count aborts against the breaker, and an aborted probe frees the probe slot", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry({ consecutiveFailures: 1, halfOpenAfterMs: 10 }, { clock: clock.now });
    await expect(breakers.execute("a", () => Promise.reject(new AbortedError()))).rejects.toBeInstanceOf(AbortedError);
    expect(breakers.state("a")).toBe("closed");
    await failTimes(breakers, "a", 1);
    clock.advance(10);
    await expect(breakers.execute("a", () => Promise.reject(new AbortedError()))).rejects.toBeInstanceOf(AbortedError);
    expect(breakers.state("a")).toBe("half-open");
    expect(breakers.admission("a")).toEqual({ admitted: true });
  });

  it("counts only what isFailure says is a failure", async () => {
    const breakers = createBreakerRegistry({ consecutiveFailures: 1 }, { isFailure: (error) => (error as Error).message !== "bad input" });
    await expect(breakers.execute("k", () => Promise.reject(new Error("bad input")))).rejects.toThrow();
    expect(breakers.state("k")).toBe("closed");
    await failTimes(breakers, "k", 1);
    expect(breakers.state("k")).toBe("open");
  });

  it("failure-rate mode: opens when the share of failures in the window reaches the threshold, once enough calls were seen", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry(
      { consecutiveFailures: 100, halfOpenAfterMs: 5_000, failureRate: { threshold: 0.5, windowMs: 10_000, minimumRequests: 6 } },
      { clock: clock.now },
    );
    // Alternating failure/success: never 2 failures in a row, but a high failure rate.
    for (let i = 0; i < 5; i++) {
      await breakers.execute("k", i % 2 === 0 ? fail : ok).catch(() => undefined);
      clock.advance(100);
    }
    expect(breakers.state("k")).toBe("closed"); // 3 of 5 failed, but only 5 calls: below minimumRequests
    await breakers.execute("k", ok);
    expect(breakers.state("k")).toBe("closed"); // 3 of 6 would be 50%, but a success does not open a breaker
    await breakers.execute("k", fail).catch(() => undefined);
    expect(breakers.state("k")).toBe("open"); // 4 of 7 failed
    expect(breakers.toJSON().k!.window).toHaveLength(7);
  });

  it("failure-rate mode forgets outcomes that fell out of the window", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry(
      { consecutiveFailures: 100, halfOpenAfterMs: 5_000, failureRate: { threshold: 0.5, windowMs: 1_000, minimumRequests: 4 } },
      { clock: clock.now },
    );
    for (let i = 0; i < 3; i++) await breakers.execute("k", fail).catch(() => undefined);
    clock.advance(1_000);
    for (let i = 0; i < 3; i++) await breakers.execute("k", ok);
    await breakers.execute("k", fail).catch(() => undefined);
    expect(breakers.state("k")).toBe("closed"); // 1 of 4 in the window
    expect(breakers.toJSON().k!.window!.map((sample) => sample.failed)).toEqual([false, false, false, true]);
  });

  it("round-trips its state through toJSON and initialState: an open breaker stays open with the same cooldown", async () => {
    const clock = manualClock();
    const options = { consecutiveFailures: 2, halfOpenAfterMs: 60_000, failureRate: { threshold: 0.9, windowMs: 60_000, minimumRequests: 50 } };
    const before = createBreakerRegistry(options, { clock: clock.now });
    await failTimes(before, "coder", 2);
    await before.execute("reviewer", ok);
    await failTimes(before, "reviewer", 1);
    const saved = JSON.parse(JSON.stringify(before.toJSON())) as ReturnType<BreakerRegistry["toJSON"]>;
    for (const state of Object.values(saved)) expect(BreakerStateSchema.parse(state)).toEqual(state);
    expect(saved.coder).toMatchObject({ state: "open", consecutiveFailures: 2, openedAt: clock.now() });
    clock.advance(10_000);

    const after = createBreakerRegistry(options, { clock: clock.now, initialState: saved });
    expect(after.toJSON()).toEqual(saved);
    expect(after.state("coder")).toBe("open");
    expect(after.admission("coder")).toEqual({ admitted: false, retryAfterMs: 50_000 });
    // reviewer keeps its failure count: one more failure opens it.
    await failTimes(after, "reviewer", 1);
    expect(after.state("reviewer")).toBe("open");
    clock.advance(50_000);
    await expect(after.execute("coder", ok)).resolves.toBe("ok");
    expect(after.toJSON().coder).toEqual({ state: "closed", consecutiveFailures: 0, window: [] });
    // The restored registry does not share state with the object it was given.
    expect(saved.coder!.state).toBe("open");
  });

  it("restores a half-open breaker with no probe out", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry({ halfOpenAfterMs: 10 }, { clock: clock.now, initialState: { k: { state: "half-open", consecutiveFailures: 5, openedAt: 0 } } });
    expect(breakers.admission("k")).toEqual({ admitted: true });
    await breakers.execute("k", ok);
    expect(breakers.state("k")).toBe("closed");
  });

  it("rejects invalid options and invalid initial state naming the path", () => {
    expect(() => createBreakerRegistry({ consecutiveFailures: 0 })).toThrow(/breaker\.consecutiveFailures/);
    let caught: unknown;
    try {
      createBreakerRegistry({}, { initialState: { coder: { state: "ajar", consecutiveFailures: 0 } as never } });
    } catch (error) {
      caught = error;
    }
    expect(isInvalidPolicyError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/initialState\.coder\.state/);
  });

  it("uses Date.now by default and reports unknown keys as closed", async () => {
    const breakers = createBreakerRegistry({});
    expect(breakers.toJSON()).toEqual({});
    await expect(breakers.execute("x", ok)).resolves.toBe("ok");
    expect(breakers.toJSON()).toEqual({ x: { state: "closed", consecutiveFailures: 0 } });
  });
});
