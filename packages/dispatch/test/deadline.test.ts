import { isAbortedError, isTimeoutError } from "@hybrid/resilience";
import { describe, expect, it } from "vitest";
import { withDeadline } from "../src/deadline.js";

const parent = () => new AbortController();

describe("withDeadline", () => {
  it("passes results and errors through", async () => {
    expect(await withDeadline(async () => 1, 1000, parent().signal)).toBe(1);
    await expect(withDeadline(async () => Promise.reject(new Error("x")), 1000, parent().signal)).rejects.toThrow("x");
    expect(await withDeadline(async () => 2, Number.POSITIVE_INFINITY, parent().signal)).toBe(2);
    expect(await withDeadline(async () => 3, 2 ** 40, parent().signal)).toBe(3);
  });

  it("settles at the deadline even if fn ignores its signal, and aborts that signal", async () => {
    let seen: AbortSignal | undefined;
    let finish: (value: number) => void = () => {};
    const running = withDeadline(
      (signal) => {
        seen = signal;
        return new Promise<number>((resolve) => (finish = resolve));
      },
      5,
      parent().signal,
    );
    const error = await running.catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect(seen?.aborted).toBe(true);
    finish(1); // a late result is ignored
  });

  it("rejects with AbortedError when the parent aborts, before or during the call", async () => {
    const before = parent();
    before.abort(new Error("stop"));
    expect(isAbortedError(await withDeadline(async () => 1, 1000, before.signal).catch((e: unknown) => e))).toBe(true);
    const during = parent();
    let seen: AbortSignal | undefined;
    const running = withDeadline(
      (signal) => {
        seen = signal;
        return new Promise<number>((_, reject) => signal.addEventListener("abort", () => reject(new Error("late"))));
      },
      60_000,
      during.signal,
    );
    during.abort(new Error("stop"));
    expect(isAbortedError(await running.catch((e: unknown) => e))).toBe(true);
    expect(seen?.aborted).toBe(true);
  });
});
