import { describe, expect, it } from "vitest";
import { AbortedError, BrokenCircuitError, createBreakerRegistry, isBrokenCircuitError, isInvalidPolicyError } from "@hybrid/resilience";
import type { BreakerChange } from "@hybrid/resilience";
import { manualClock } from "./helpers.js";

const fail = async (): Promise<never> => {
  throw new Error("agent down");
};
const ok = async (): Promise<string> => "ok";

describe("createBreakerRegistry", () => {
  it("opens after N consecutive failures, rejects at once, goes half-open after the cooldown and closes on success", async () => {
    const clock = manualClock();
    const changes: BreakerChange[] = [];
    const breakers = createBreakerRegistry(
      { consecutiveFailures: 3, halfOpenAfterMs: 30_000 },
      { clock: clock.now, onChange: (change) => changes.push(change) },
    );
    await breakers.execute("coder", fail).catch(() => undefined);
    await breakers.execute("coder", ok); // a success resets the count
    for (let i = 0; i < 2; i++) await expect(breakers.execute("coder", fail)).rejects.toThrow("agent down");
    expect(breakers.state("coder")).toBe("closed");
    await expect(breakers.execute("coder", fail)).rejects.toThrow("agent down");
    expect(breakers.state("coder")).toBe("open");

    let ran = false;
    const rejected = await breakers.execute("coder", async () => (ran = true)).catch((error: unknown) => error);
    expect(ran).toBe(false);
    expect(isBrokenCircuitError(rejected)).toBe(true);
    expect(rejected).toMatchObject({ code: "breaker-open", key: "coder", retryAfterMs: 30_000 });
    expect(breakers.state("reviewer")).toBe("closed"); // per key

    clock.advance(29_999);
    await expect(breakers.execute("coder", ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    clock.advance(1);
    expect(breakers.state("coder")).toBe("half-open");
    await expect(breakers.execute("coder", ok)).resolves.toBe("ok");
    expect(breakers.state("coder")).toBe("closed");
    expect(changes.map((change) => `${change.from}->${change.to}`)).toEqual(["closed->open", "open->half-open", "half-open->closed"]);
    expect(changes[0]).toMatchObject({ key: "coder", at: clock.now() - 30_000, state: { state: "open" } });
  });

  it("re-opens when the half-open probe fails, and lets only one probe through at a time", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry({ consecutiveFailures: 1, halfOpenAfterMs: 1_000 }, { clock: clock.now });
    await breakers.execute("tool", fail).catch(() => undefined);
    clock.advance(1_000);
    let release!: () => void;
    const probe = breakers.execute("tool", () => new Promise<void>((resolve) => (release = resolve)));
    await expect(breakers.execute("tool", ok)).rejects.toMatchObject({ code: "breaker-open", retryAfterMs: 0 });
    release();
    await probe;
    expect(breakers.state("tool")).toBe("closed");

    await breakers.execute("tool", fail).catch(() => undefined);
    clock.advance(1_000);
    await expect(breakers.execute("tool", fail)).rejects.toThrow("agent down");
    expect(breakers.state("tool")).toBe("open");
    expect(breakers.toJSON().tool!.openedAt).toBe(clock.now());
  });

  it("does not count aborts against the breaker", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry({ consecutiveFailures: 1, halfOpenAfterMs: 10 }, { clock: clock.now });
    await expect(breakers.execute("a", () => Promise.reject(new AbortedError()))).rejects.toBeInstanceOf(AbortedError);
    expect(breakers.state("a")).toBe("closed");
    await breakers.execute("a", fail).catch(() => undefined);
    clock.advance(10);
    await expect(breakers.execute("a", () => Promise.reject(new AbortedError()))).rejects.toBeInstanceOf(AbortedError);
    expect(breakers.state("a")).toBe("half-open");
  });

  it("opens on a failure rate over the window once enough calls were seen", async () => {
    const clock = manualClock();
    const breakers = createBreakerRegistry(
      {
        consecutiveFailures: 100,
        halfOpenAfterMs: 5_000,
        failureRate: { threshold: 0.5, windowMs: 10_000, minimumRequests: 6 },
      },
      { clock: clock.now },
    );
    // Alternating success/failure: never 2 failures in a row, but a 50% failure rate.
    for (let i = 0; i < 5; i++) {
      await breakers.execute("k", i % 2 === 0 ? fail : ok).catch(() => undefined);
      clock.advance(100);
    }
    expect(breakers.state("k")).toBe("closed"); // only 5 calls: below minimumRequests
    await breakers.execute("k", ok);
    expect(breakers.state("k")).toBe("closed"); // 6 calls, 2 failed of 6 -> 33%
    await breakers.execute("k", fail).catch(() => undefined);
    expect(breakers.state("k")).toBe("open"); // 4 of 7 failed
  });

  it("forgets failures that fell out of the window", async () => {
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
    expect(breakers.toJSON().k!.window).toHaveLength(4);
  });

  it("keeps an open breaker open across a restart (toJSON -> initialState)", async () => {
    const clock = manualClock();
    const before = createBreakerRegistry({ consecutiveFailures: 2, halfOpenAfterMs: 60_000 }, { clock: clock.now });
    await before.execute("coder", fail).catch(() => undefined);
    await before.execute("coder", fail).catch(() => undefined);
    const saved = JSON.parse(JSON.stringify(before.toJSON()));
    clock.advance(10_000);

    const after = createBreakerRegistry({ consecutiveFailures: 2, halfOpenAfterMs: 60_000 }, { clock: clock.now, initialState: saved });
    expect(after.state("coder")).toBe("open");
    await expect(after.execute("coder", ok)).rejects.toMatchObject({ code: "breaker-open", retryAfterMs: 50_000 });
    clock.advance(50_000);
    await expect(after.execute("coder", ok)).resolves.toBe("ok");
    expect(after.toJSON()).toEqual({ coder: { state: "closed", consecutiveFailures: 0 } });
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

  it("offers execute as synchronous enter / succeeded / failed steps with the same state machine", () => {
    const clock = manualClock();
    const changes: string[] = [];
    const breakers = createBreakerRegistry(
      { consecutiveFailures: 2, halfOpenAfterMs: 1_000 },
      { clock: clock.now, onChange: (change) => changes.push(`${change.key}:${change.from}->${change.to}`) },
    );
    const first = breakers.enter("coder");
    expect(first).toMatchObject({ key: "coder", probe: false });
    expect(breakers.enter("coder")).toBe(first); // tickets are shared: no allocation per call
    breakers.failed(first, new Error("down"));
    breakers.failed(breakers.enter("coder"), new Error("down"));
    expect(breakers.state("coder")).toBe("open");
    expect(() => breakers.enter("coder")).toThrow(BrokenCircuitError);

    clock.advance(1_000);
    const probe = breakers.enter("coder");
    expect(probe.probe).toBe(true);
    // One probe at a time, until it settles.
    expect(() => breakers.enter("coder")).toThrow(BrokenCircuitError);
    breakers.succeeded(probe);
    expect(breakers.state("coder")).toBe("closed");
    breakers.succeeded(breakers.enter("coder"));
    expect(changes).toEqual(["coder:closed->open", "coder:open->half-open", "coder:half-open->closed"]);

    // An abort does not count, as with execute.
    const ticket = breakers.enter("coder");
    breakers.failed(ticket, new AbortedError({ what: "attempt" }));
    breakers.failed(ticket, new AbortedError({ what: "attempt" }));
    expect(breakers.state("coder")).toBe("closed");
  });

  it("refuses tickets it did not issue, and counts a throw while recording a success as a failure", () => {
    const clock = manualClock();
    const a = createBreakerRegistry({ consecutiveFailures: 1 }, { clock: clock.now });
    const b = createBreakerRegistry({ consecutiveFailures: 1 }, { clock: clock.now });
    const ticket = a.enter("coder");
    expect(() => b.succeeded(ticket)).toThrow(TypeError);
    expect(() => a.failed({ key: "coder", probe: false }, new Error("x"))).toThrow(TypeError);
    expect(a.state("coder")).toBe("closed");

    let calls = 0;
    const throwing = createBreakerRegistry(
      { consecutiveFailures: 1, halfOpenAfterMs: 10 },
      {
        clock: clock.now,
        onChange: (change) => {
          // The probe's success (half-open -> closed) has a listener that throws.
          if (change.to === "closed" && ++calls === 1) throw new Error("listener broke");
        },
      },
    );
    throwing.failed(throwing.enter("coder"), new Error("down"));
    clock.advance(10);
    const probe = throwing.enter("coder");
    expect(() => throwing.succeeded(probe)).toThrow("listener broke");
    // The throw counted against the half-open breaker, which opened again; the probe slot is free.
    expect(throwing.state("coder")).toBe("open");
    clock.advance(10);
    expect(throwing.enter("coder").probe).toBe(true);
  });

  it("uses Date.now by default", async () => {
    const breakers = createBreakerRegistry({});
    await expect(breakers.execute("x", ok)).resolves.toBe("ok");
    expect(breakers.toJSON()).toEqual({ x: { state: "closed", consecutiveFailures: 0 } });
  });
});
