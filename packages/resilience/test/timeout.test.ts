import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isAbortedError, isTimeoutError, withTimeout } from "@hybrid/resilience";

// Fake timers throughout: the deadline and the 200 ms an agent takes to die are moved by hand.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A promise the test settles by hand, and whether the thing awaiting it has settled. */
function controllable<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
function watch(promise: Promise<unknown>): { settled: () => boolean; outcome: Promise<unknown> } {
  let settled = false;
  const outcome = promise.then(
    (value) => ((settled = true), { value }),
    (error: unknown) => ((settled = true), { error }),
  );
  return { settled: () => settled, outcome };
}

describe("withTimeout", () => {
  it("resolves with fn's result when it finishes first, without aborting its signal", async () => {
    let inner: AbortSignal | undefined;
    await expect(withTimeout(async (signal) => ((inner = signal), 7), 10_000)).resolves.toBe(7);
    expect(inner?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("aborts fn's signal at the deadline but settles only after fn does: an agent that ignores the abort for 200 ms keeps the call open", async () => {
    const agent = controllable<string>();
    let inner!: AbortSignal;
    let abortedAt: number | undefined;
    const call = watch(
      withTimeout((signal) => {
        inner = signal;
        signal.addEventListener("abort", () => {
          abortedAt = Date.now();
          // The agent needs 200 ms to die after being told to stop.
          setTimeout(() => agent.reject(new Error("killed by SIGTERM")), 200);
        });
        return agent.promise;
      }, 1_000),
    );
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(999);
    expect(inner.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(inner.aborted).toBe(true);
    expect(isTimeoutError(inner.reason)).toBe(true);
    expect(abortedAt! - start).toBe(1_000);
    await vi.advanceTimersByTimeAsync(199);
    expect(call.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { error } = (await call.outcome) as { error: Error };
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ code: "timeout", timeoutMs: 1_000, message: "[resilience] operation timed out after 1000ms" });
    expect((error.cause as Error).message).toBe("killed by SIGTERM");
    expect(Date.now() - start).toBe(1_200);
  });

  it("keeps the value of an fn that resolves after the deadline (the work is done), still waiting for it", async () => {
    const agent = controllable<string>();
    const call = watch(withTimeout(() => agent.promise, 100));
    await vi.advanceTimersByTimeAsync(300);
    expect(call.settled()).toBe(false);
    agent.resolve("finished late");
    expect(await call.outcome).toEqual({ value: "finished late" });
  });

  it("passes fn's own error through when it fails before the deadline", async () => {
    await expect(withTimeout(async () => Promise.reject(new Error("own")), 10_000)).rejects.toThrow("own");
    await expect(
      withTimeout(() => {
        throw new Error("sync");
      }, 10_000),
    ).rejects.toThrow("sync");
  });

  it("rejects with AbortedError when the parent aborts, before the call or during it, after fn settles", async () => {
    const before = new AbortController();
    before.abort(new Error("stop"));
    let called = false;
    await expect(withTimeout(async () => void (called = true), 10_000, before.signal)).rejects.toSatisfy(isAbortedError);
    expect(called).toBe(false);

    const parent = new AbortController();
    const agent = controllable<string>();
    let inner!: AbortSignal;
    const call = watch(withTimeout((signal) => ((inner = signal), agent.promise), 10_000, parent.signal));
    parent.abort(new Error("user pressed Ctrl-C"));
    expect(inner.aborted).toBe(true);
    expect((inner.reason as Error).message).toBe("user pressed Ctrl-C");
    await vi.advanceTimersByTimeAsync(50);
    expect(call.settled()).toBe(false);
    agent.reject(new Error("stopped"));
    const { error } = (await call.outcome) as { error: Error };
    expect(isAbortedError(error)).toBe(true);
    expect((error.cause as Error).message).toBe("stopped");
  });

  it("reports the parent's abort, not a timeout, when the deadline passes while fn is still dying", async () => {
    const parent = new AbortController();
    const agent = controllable<void>();
    const call = watch(withTimeout(() => agent.promise, 100, parent.signal));
    await vi.advanceTimersByTimeAsync(50);
    parent.abort();
    await vi.advanceTimersByTimeAsync(500);
    agent.reject(new Error("stopped"));
    const { error } = (await call.outcome) as { error: unknown };
    expect(isAbortedError(error)).toBe(true);
  });

  it("reports the timeout when the parent aborts only after the deadline", async () => {
    const parent = new AbortController();
    const agent = controllable<void>();
    const call = watch(withTimeout(() => agent.promise, 100, parent.signal));
    await vi.advanceTimersByTimeAsync(100);
    parent.abort();
    agent.reject(new Error("stopped"));
    const { error } = (await call.outcome) as { error: unknown };
    expect(isTimeoutError(error)).toBe(true);
  });

  it("treats a non-finite or huge timeout as no deadline, still following the parent", async () => {
    await expect(withTimeout(async () => "done", Number.POSITIVE_INFINITY)).resolves.toBe("done");
    const agent = controllable<string>();
    const call = watch(withTimeout(() => agent.promise, 2 ** 40));
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(call.settled()).toBe(false);
    agent.resolve("eventually");
    expect(await call.outcome).toEqual({ value: "eventually" });
    const parent = new AbortController();
    const never = watch(withTimeout((signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))), Number.NaN, parent.signal));
    parent.abort();
    expect(isAbortedError(((await never.outcome) as { error: unknown }).error)).toBe(true);
  });

  it("clears its timer and its listener on the parent once settled", async () => {
    const parent = new AbortController();
    const add = vi.spyOn(parent.signal, "addEventListener");
    const remove = vi.spyOn(parent.signal, "removeEventListener");
    await withTimeout(async () => 1, 5_000, parent.signal);
    expect(vi.getTimerCount()).toBe(0);
    expect(remove).toHaveBeenCalledWith("abort", add.mock.calls[0]![1]);
  });
});
