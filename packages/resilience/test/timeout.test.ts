import { describe, expect, it } from "vitest";
import { isAbortedError, isTimeoutError, withTimeout } from "@hybrid/resilience";

// These use real timers with tiny deadlines and never assert on elapsed time.
const never = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("inner saw abort"))));

describe("withTimeout", () => {
  it("resolves with the result when fn finishes first, without aborting its signal", async () => {
    let inner: AbortSignal | undefined;
    await expect(withTimeout(async (signal) => ((inner = signal), 7), 10_000)).resolves.toBe(7);
    expect(inner?.aborted).toBe(false);
  });

  it("rejects with TimeoutError and aborts the inner signal at the deadline", async () => {
    let inner: AbortSignal | undefined;
    const error = await withTimeout((signal) => ((inner = signal), new Promise(() => {})), 5).catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ code: "timeout", timeoutMs: 5 });
    expect(inner?.aborted).toBe(true);
  });

  it("passes fn's own error through", async () => {
    await expect(withTimeout(async () => Promise.reject(new Error("own")), 10_000)).rejects.toThrow("own");
  });

  it("rejects with AbortedError when the parent aborts, before or during the call", async () => {
    const before = new AbortController();
    before.abort();
    await expect(withTimeout(never, 10_000, before.signal)).rejects.toSatisfy(isAbortedError);
    const during = new AbortController();
    const run = withTimeout(never, 10_000, during.signal);
    setImmediate(() => during.abort());
    await expect(run).rejects.toSatisfy(isAbortedError);
  });

  it("treats a non-finite or huge timeout as no deadline, still following the parent", async () => {
    await expect(withTimeout(async () => "done", Number.POSITIVE_INFINITY)).resolves.toBe("done");
    await expect(withTimeout(async () => Promise.reject(new Error("own")), 2 ** 40)).rejects.toThrow("own");
    const parent = new AbortController();
    const run = withTimeout(never, Number.POSITIVE_INFINITY, parent.signal);
    setImmediate(() => parent.abort());
    await expect(run).rejects.toSatisfy(isAbortedError);
  });
});
