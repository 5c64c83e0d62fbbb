import { describe, expect, it } from "vitest";
import { isAbortedError, isTimeoutError, withDeadline } from "../src/index.js";

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

describe("shared deadlines", () => {
  it("gives attempts started together one signal, and times each of them out", async () => {
    const run = parent();
    const signals: AbortSignal[] = [];
    const hang = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<number>(() => {});
    };
    // Started in the same millisecond (a fixed clock): one shared deadline.
    const sameMs = () => 1_000;
    const results = await Promise.all(
      [withDeadline(hang, 5, run.signal, sameMs), withDeadline(hang, 5, run.signal, sameMs)].map((p) => p.catch((e: unknown) => e)),
    );
    expect(results.every(isTimeoutError)).toBe(true);
    expect(signals[0]).toBe(signals[1]);
    expect(signals[0]!.aborted).toBe(true);
  });

  it("keeps the other attempts of a group running when one finishes early", async () => {
    const run = parent();
    let release: (value: number) => void = () => {};
    const sameMs = () => 1_000;
    const slow = withDeadline(() => new Promise<number>((resolve) => (release = resolve)), 60_000, run.signal, sameMs);
    const fast = withDeadline(async () => 1, 60_000, run.signal, sameMs);
    expect(await fast).toBe(1);
    release(2);
    expect(await slow).toBe(2);
  });

  it("opens a new group once the previous one has emptied", async () => {
    const run = parent();
    const sameMs = () => 1_000;
    let first: AbortSignal | undefined;
    await withDeadline(async (signal) => (first = signal, 1), 1000, run.signal, sameMs);
    let second: AbortSignal | undefined;
    await withDeadline(async (signal) => (second = signal, 1), 1000, run.signal, sameMs);
    expect(second).not.toBe(first);
    expect(first!.aborted).toBe(false);
  });

  it("leaves its group at once when fn throws synchronously, so no timer outlives it", async () => {
    const run = parent();
    const sameMs = () => 5_000;
    let first: AbortSignal | undefined;
    const thrown = withDeadline((signal) => {
      first = signal;
      throw new Error("sync");
    }, 60_000, run.signal, sameMs);
    await expect(thrown).rejects.toThrow("sync");
    let second: AbortSignal | undefined;
    await withDeadline(async (signal) => (second = signal, 1), 60_000, run.signal, sameMs);
    // Had the thrower stayed a member, the second attempt would have joined its still-open group.
    expect(second).not.toBe(first);
  });

  it("aborts every live group when the parent aborts", async () => {
    const run = parent();
    const hang = () => new Promise<number>(() => {});
    const pending = [withDeadline(hang, 60_000, run.signal), withDeadline(hang, 30_000, run.signal)].map((p) => p.catch((e: unknown) => e));
    run.abort(new Error("stop"));
    expect((await Promise.all(pending)).every(isAbortedError)).toBe(true);
  });
});
