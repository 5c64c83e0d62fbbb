import { describe, expect, it } from "vitest";
import {
  AbortedError,
  TimeoutError,
  TransientError,
  createRetryPolicy,
  isAbortedError,
  isInvalidPolicyError,
  sleep,
} from "@hybrid/resilience";
import { failure, recordingSleep, seeded } from "./helpers.js";

const options = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

async function delaysFor(seed: number): Promise<number[]> {
  const recorder = recordingSleep();
  const policy = createRetryPolicy(options, { random: seeded(seed), sleep: recorder.sleep });
  await expect(
    policy.execute(async () => {
      throw new TransientError("flaky");
    }),
  ).rejects.toThrow("flaky");
  return recorder.delays;
}

describe("createRetryPolicy", () => {
  it("replays the exact delay sequence with the same seed", async () => {
    const first = await delaysFor(42);
    expect(first).toHaveLength(4);
    expect(await delaysFor(42)).toEqual(first);
    expect(await delaysFor(7)).not.toEqual(first);
  });

  it("keeps every delay within [base, ceiling] and decorrelated from the previous one", async () => {
    const policy = createRetryPolicy(options, { random: seeded(1) });
    let previous = 0;
    for (let attempt = 1; attempt < 30; attempt++) {
      const delay = policy.nextDelay(attempt, previous);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(Math.min(2_000, Math.max(100, (previous || 100 * 2 ** (attempt - 1)) * 3)));
      previous = delay;
    }
  });

  it("spans [base, 3 x previous] at the extremes of the random source", () => {
    expect(createRetryPolicy(options, { random: () => 0 }).nextDelay(1, 0)).toBe(100);
    expect(createRetryPolicy(options, { random: () => 0.999999 }).nextDelay(1, 0)).toBe(299);
    expect(createRetryPolicy(options, { random: () => 0.999999 }).nextDelay(2, 500)).toBe(1_499);
    expect(createRetryPolicy(options, { random: () => 0.999999 }).nextDelay(9, 1_900)).toBe(1_999);
    // Resuming at attempt 4 with no previous delay anchors on base x 2^3.
    expect(createRetryPolicy(options, { random: () => 0.999999 }).nextDelay(4, 0)).toBe(1_999);
    expect(createRetryPolicy({ ...options, baseDelayMs: 0 }, { random: () => 0.5 }).nextDelay(3, 0)).toBe(0);
  });

  it("retries transient failures until success and reports each retry before sleeping", async () => {
    const log: string[] = [];
    const policy = createRetryPolicy(options, {
      random: seeded(3),
      sleep: async (ms) => void log.push(`sleep ${ms}`),
    });
    const result = await policy.execute(
      async ({ attempt }) => {
        log.push(`attempt ${attempt}`);
        if (attempt < 3) throw failure({ status: 503 });
        return "ok";
      },
      {
        onRetry: async (info) => {
          await Promise.resolve();
          log.push(`retry ${info.attempt}->${info.nextAttempt} after ${info.delayMs}`);
        },
      },
    );
    expect(result).toBe("ok");
    expect(log.map((line) => line.split(" ")[0])).toEqual(["attempt", "retry", "sleep", "attempt", "retry", "sleep", "attempt"]);
    expect(log[1]).toMatch(/^retry 1->2 after \d+$/);
    expect(log[2]).toBe(`sleep ${log[1]!.split(" ").at(-1)}`);
  });

  it.each([
    ["a timeout", new TimeoutError(10)],
    ["exit code 75", failure({ exitCode: 75 })],
    ["transient: true", failure({ transient: true })],
    ["HTTP 429", failure({ status: 429 })],
    ["HTTP 500", failure({ status: 500 })],
  ])("retries %s", async (_, error) => {
    let calls = 0;
    const policy = createRetryPolicy(options, { sleep: async () => {} });
    await expect(
      policy.execute(async () => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(5);
  });

  it.each([
    ["a plain error", new Error("bad input")],
    ["HTTP 404", failure({ status: 404 })],
    ["exit code 1", failure({ exitCode: 1 })],
  ])("fails at once on a permanent error: %s", async (_, error) => {
    let calls = 0;
    const recorder = recordingSleep();
    const policy = createRetryPolicy(options, { sleep: recorder.sleep });
    await expect(
      policy.execute(async () => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(recorder.delays).toEqual([]);
  });

  it("resumes at startAttempt and always runs at least once", async () => {
    const seen: number[] = [];
    const policy = createRetryPolicy({ ...options, maxAttempts: 3 }, { sleep: async () => {} });
    await expect(
      policy.execute(
        async ({ attempt }) => {
          seen.push(attempt);
          throw new TransientError("again");
        },
        { startAttempt: 2 },
      ),
    ).rejects.toThrow();
    expect(seen).toEqual([2, 3]);
    seen.length = 0;
    await expect(
      policy.execute(
        async ({ attempt }) => {
          seen.push(attempt);
          throw new TransientError("again");
        },
        { startAttempt: 7 },
      ),
    ).rejects.toThrow();
    expect(seen).toEqual([7]);
  });

  it("cancels a backoff sleep when aborted (with the real sleep)", async () => {
    const controller = new AbortController();
    const policy = createRetryPolicy({ maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 });
    const run = policy.execute(
      async () => {
        throw new TransientError("down");
      },
      { signal: controller.signal, onRetry: () => void setImmediate(() => controller.abort(new Error("user"))) },
    );
    await expect(run).rejects.toSatisfy(isAbortedError);
  });

  it("cancels an injected sleep that ignores the signal", async () => {
    const controller = new AbortController();
    const policy = createRetryPolicy(options, { sleep: () => new Promise(() => {}) });
    const run = policy.execute(async () => {
      throw new TransientError("down");
    }, { signal: controller.signal, onRetry: () => void queueMicrotask(() => controller.abort()) });
    await expect(run).rejects.toBeInstanceOf(AbortedError);
  });

  it("rejects when aborted during onRetry, before sleeping", async () => {
    const controller = new AbortController();
    const recorder = recordingSleep();
    const policy = createRetryPolicy(options, { sleep: recorder.sleep });
    await expect(
      policy.execute(async () => {
        throw new TransientError("down");
      }, { signal: controller.signal, onRetry: () => controller.abort() }),
    ).rejects.toSatisfy(isAbortedError);
    expect(recorder.delays).toEqual([]);
  });

  it("turns an injected sleep's own rejection into an abort when the signal fired", async () => {
    const controller = new AbortController();
    const policy = createRetryPolicy(options, {
      sleep: async () => {
        controller.abort();
        throw new Error("sleep interrupted");
      },
    });
    await expect(
      policy.execute(async () => {
        throw new TransientError("down");
      }, { signal: controller.signal }),
    ).rejects.toSatisfy(isAbortedError);
  });

  it("passes an injected sleep's own failure through", async () => {
    const policy = createRetryPolicy(options, { sleep: async () => Promise.reject(new Error("timer broke")) });
    await expect(
      policy.execute(async () => {
        throw new TransientError("down");
      }),
    ).rejects.toThrow("timer broke");
  });

  it("does not start when the signal is already aborted, and stops retrying once it fires", async () => {
    const controller = new AbortController();
    controller.abort();
    const policy = createRetryPolicy(options, { sleep: async () => {} });
    let calls = 0;
    await expect(policy.execute(async () => void calls++, { signal: controller.signal })).rejects.toSatisfy(isAbortedError);
    expect(calls).toBe(0);

    const live = new AbortController();
    await expect(
      policy.execute(async ({ signal }) => {
        live.abort();
        throw signal.reason;
      }, { signal: live.signal }),
    ).rejects.toSatisfy(isAbortedError);
  });

  it("stops retrying when onRetry throws (the journal could not record the retry)", async () => {
    const policy = createRetryPolicy(options, { sleep: async () => {} });
    await expect(
      policy.execute(async () => {
        throw new TransientError("down");
      }, { onRetry: () => Promise.reject(new Error("disk full")) }),
    ).rejects.toThrow("disk full");
  });

  it("rejects bad options naming the path", () => {
    expect(() => createRetryPolicy({ maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 2 })).toThrow(/retry\.maxAttempts/);
    try {
      createRetryPolicy({ maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 5 });
    } catch (error) {
      expect(isInvalidPolicyError(error)).toBe(true);
    }
  });
});

describe("sleep", () => {
  it("resolves after the delay and rejects at once for an aborted signal", async () => {
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
    const controller = new AbortController();
    controller.abort();
    await expect(sleep(10_000, controller.signal)).rejects.toSatisfy(isAbortedError);
  });
});
