import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AbortedError, TimeoutError, TransientError, createRetryPolicy, isAbortedError, isInvalidPolicyError, sleep } from "@hybrid/resilience";
import type { RetryInfo } from "@hybrid/resilience";
import { failure, recordingSleep } from "./helpers.js";

const options = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };
const alwaysTransient = async (): Promise<never> => {
  throw new TransientError("flaky");
};

/** The delays one call sleeps when every attempt fails transiently. */
async function sleptDelays(seed: number, key: string, startAttempt = 1, maxAttempts = options.maxAttempts): Promise<number[]> {
  const recorder = recordingSleep();
  const policy = createRetryPolicy({ ...options, maxAttempts }, { seed, sleep: recorder.sleep });
  await expect(policy.execute(alwaysTransient, { key, startAttempt })).rejects.toThrow("flaky");
  return recorder.delays;
}

describe("createRetryPolicy: delays", () => {
  it("draws each delay from (seed, key, attempt) alone: the same seed gives the same delays, another seed or key others", async () => {
    const first = await sleptDelays(42, "build");
    expect(first).toHaveLength(4);
    expect(await sleptDelays(42, "build")).toEqual(first);
    expect(await sleptDelays(7, "build")).not.toEqual(first);
    expect(await sleptDelays(42, "docs")).not.toEqual(first);
    const policy = createRetryPolicy(options, { seed: 42 });
    expect([1, 2, 3, 4].map((attempt) => policy.delayAfter(attempt, "build"))).toEqual(first);
  });

  it("gives the same delay for (seed, key, attempt) whatever else ran before or in between (two keys interleaved in different orders)", async () => {
    const order = (keys: string[]): Promise<Record<string, number[]>> => {
      const slept: Record<string, number[]> = { a: [], b: [] };
      const policy = createRetryPolicy(options, { seed: 9, sleep: async () => {} });
      // Each key's onRetry sees its own delays; the calls interleave as the keys list says.
      const run = (key: string) =>
        policy.execute(alwaysTransient, { key, onRetry: (info: RetryInfo) => void slept[key]!.push(info.delayMs) }).catch(() => undefined);
      return keys.reduce((chain, key) => chain.then(() => run(key)), Promise.resolve()).then(() => slept);
    };
    const together = await Promise.all([
      (async () => {
        const slept: Record<string, number[]> = { a: [], b: [] };
        const policy = createRetryPolicy(options, { seed: 9, sleep: async () => {} });
        await Promise.all(["a", "b"].map((key) => policy.execute(alwaysTransient, { key, onRetry: (info) => void slept[key]!.push(info.delayMs) }).catch(() => undefined)));
        return slept;
      })(),
      order(["a", "b"]),
      order(["b", "a"]),
      order(["b", "b", "a"]),
    ]);
    const [interleaved, ab, ba, bba] = together;
    expect(ab).toEqual(interleaved);
    expect(ba).toEqual(interleaved);
    expect(bba!.a).toEqual(interleaved!.a);
    expect(bba!.b).toEqual([...interleaved!.b!, ...interleaved!.b!]);
    expect(interleaved!.a).not.toEqual(interleaved!.b);
    // And delayAfter is a pure function of its arguments, whatever was asked before.
    const policy = createRetryPolicy(options, { seed: 9 });
    const third = policy.delayAfter(3, "a");
    for (let i = 1; i < 20; i++) policy.delayAfter(i, `noise-${i}`);
    expect(policy.delayAfter(3, "a")).toBe(third);
    expect(createRetryPolicy(options, { seed: 9 }).delayAfter(3, "a")).toBe(third);
  });

  it("a resumed policy (startAttempt 3) sleeps exactly the delays a single process would have", async () => {
    const single = await sleptDelays(1234, "impl", 1, 6);
    expect(single).toHaveLength(5);
    // The first process slept after attempts 1 and 2, then crashed during attempt 3.
    const resumed = await sleptDelays(1234, "impl", 3, 6);
    expect(resumed).toEqual(single.slice(2));
  });

  it("is decorrelated jitter: each delay in [base, min(cap, 3 × previous)] (the first in [base, 3 × base]), integers, and not constant", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.string({ maxLength: 12 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 40 }),
        (seed, key, base, capFactor) => {
          const cap = base * capFactor;
          const policy = createRetryPolicy({ maxAttempts: 20, baseDelayMs: base, maxDelayMs: cap }, { seed });
          let previous = base;
          for (let attempt = 1; attempt <= 12; attempt++) {
            const delay = policy.delayAfter(attempt, key);
            expect(Number.isInteger(delay)).toBe(true);
            expect(delay).toBeGreaterThanOrEqual(base);
            expect(delay).toBeLessThanOrEqual(Math.min(cap, 3 * previous));
            previous = delay;
          }
        },
      ),
      { seed: 20_261_129, numRuns: 300 },
    );
    // Not constant: across keys and attempts the delays spread over the allowed range.
    const policy = createRetryPolicy({ maxAttempts: 20, baseDelayMs: 100, maxDelayMs: 100_000 }, { seed: 5 });
    const firsts = Array.from({ length: 200 }, (_, i) => policy.delayAfter(1, `node-${i}`));
    // 200 draws over the 200 integers of [100, 300): about 126 distinct values are expected.
    expect(new Set(firsts).size).toBeGreaterThan(90);
    expect(Math.min(...firsts)).toBeLessThan(120);
    expect(Math.max(...firsts)).toBeGreaterThan(280);
    const chain = Array.from({ length: 8 }, (_, i) => policy.delayAfter(i + 1, "node-0"));
    expect(new Set(chain).size).toBeGreaterThan(4);
    // Decorrelated: a delay depends on the one before it (its upper bound is 3 × previous), so a
    // short delay caps the next; with base 100 the second delay after a 120 ms first is at most 360.
    const shortFirst = firsts.findIndex((delay) => delay < 120);
    expect(policy.delayAfter(2, `node-${shortFirst}`)).toBeLessThanOrEqual(3 * firsts[shortFirst]!);
  });

  it("caps every delay at maxDelayMs and gives 0 with a base of 0", () => {
    const policy = createRetryPolicy({ maxAttempts: 50, baseDelayMs: 1_000, maxDelayMs: 1_500 }, { seed: 3 });
    for (let attempt = 1; attempt < 40; attempt++) expect(policy.delayAfter(attempt, "k")).toBeLessThanOrEqual(1_500);
    expect(createRetryPolicy({ baseDelayMs: 0, maxDelayMs: 0 }, { seed: 3 }).delayAfter(5, "k")).toBe(0);
    // Attempt numbers below 1 are treated as the first.
    expect(policy.delayAfter(0, "k")).toBe(policy.delayAfter(1, "k"));
    // Without a key, the key is "".
    expect(policy.delayAfter(2)).toBe(policy.delayAfter(2, ""));
  });

  it("picks a random seed when none is given", () => {
    const seen = new Set(Array.from({ length: 10 }, () => createRetryPolicy({ baseDelayMs: 1, maxDelayMs: 1_000_000 }).delayAfter(4, "k")));
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe("createRetryPolicy: execution", () => {
  it("retries transient failures until success and reports each retry before sleeping", async () => {
    const log: string[] = [];
    const policy = createRetryPolicy(options, { seed: 3, sleep: async (ms) => void log.push(`sleep ${ms}`) });
    const result = await policy.execute(
      async ({ attempt }) => {
        log.push(`attempt ${attempt}`);
        if (attempt < 3) throw failure({ status: 503 });
        return "ok";
      },
      {
        key: "n1",
        onRetry: async (info) => {
          await Promise.resolve();
          log.push(`retry ${info.attempt}->${info.nextAttempt} after ${info.delayMs}`);
        },
      },
    );
    expect(result).toBe("ok");
    const delay = (attempt: number) => policy.delayAfter(attempt, "n1");
    expect(log).toEqual(["attempt 1", `retry 1->2 after ${delay(1)}`, `sleep ${delay(1)}`, "attempt 2", `retry 2->3 after ${delay(2)}`, `sleep ${delay(2)}`, "attempt 3"]);
  });

  it("waits at least a failure's retryAfterMs (a provider's Retry-After), never past maxDelayMs, and ignores junk hints", async () => {
    const hinted = async (hints: unknown[]): Promise<number[]> => {
      const recorder = recordingSleep();
      const policy = createRetryPolicy({ ...options, maxAttempts: hints.length + 1 }, { seed: 5, sleep: recorder.sleep });
      let call = 0;
      await expect(policy.execute(async () => Promise.reject(Object.assign(failure({ status: 429 }), { retryAfterMs: hints[call++] })), { key: "m" })).rejects.toBeDefined();
      return recorder.delays;
    };
    const policy = createRetryPolicy(options, { seed: 5 });
    const backoff = [1, 2, 3, 4, 5, 6].map((attempt) => policy.delayAfter(attempt, "m"));
    // Every backoff here is below 1,500 ms (maxDelayMs 2,000): a 1,500 ms hint wins each time.
    expect(backoff.every((ms) => ms < 1_500)).toBe(true);
    expect(await hinted([1_500, 1_500])).toEqual([1_500, 1_500]);
    // A short hint never shortens the backoff; a huge one stops at maxDelayMs.
    expect(await hinted([1, 10 ** 12])).toEqual([backoff[0], 2_000]);
    // Hints that are not a finite positive number of ms change nothing.
    expect(await hinted([Number.NaN, -5, Infinity, "9000", null, {}])).toEqual(backoff);
  });

  it.each([
    ["a timeout", new TimeoutError(10)],
    ["exit code 75", failure({ exitCode: 75 })],
    ["transient: true", failure({ transient: true })],
    ["HTTP 429", failure({ status: 429 })],
    ["HTTP 500", failure({ status: 500 })],
  ])("retries %s up to maxAttempts and rethrows the last error", async (_, error) => {
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
    ["an open breaker", failure({ code: "breaker-open", isBrokenCircuitError: true })],
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
    const record = async ({ attempt }: { attempt: number }): Promise<never> => {
      seen.push(attempt);
      throw new TransientError("again");
    };
    await expect(policy.execute(record, { startAttempt: 2 })).rejects.toThrow("again");
    expect(seen).toEqual([2, 3]);
    seen.length = 0;
    await expect(policy.execute(record, { startAttempt: 7 })).rejects.toThrow("again");
    expect(seen).toEqual([7]);
  });

  it("cancels a backoff sleep when aborted (with the real sleep, a 60 s backoff)", async () => {
    const controller = new AbortController();
    const policy = createRetryPolicy({ maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 });
    let attempts = 0;
    const run = policy.execute(
      async () => {
        attempts++;
        throw new TransientError("down");
      },
      { signal: controller.signal, onRetry: () => void setImmediate(() => controller.abort(new Error("user"))) },
    );
    await expect(run).rejects.toSatisfy(isAbortedError);
    expect(attempts).toBe(1);
  });

  it("cancels an injected sleep that ignores the signal", async () => {
    const controller = new AbortController();
    const policy = createRetryPolicy(options, { sleep: () => new Promise(() => {}) });
    const run = policy.execute(alwaysTransient, { signal: controller.signal, onRetry: () => void queueMicrotask(() => controller.abort()) });
    await expect(run).rejects.toBeInstanceOf(AbortedError);
  });

  it("rejects when aborted during onRetry, before sleeping", async () => {
    const controller = new AbortController();
    const recorder = recordingSleep();
    const policy = createRetryPolicy(options, { sleep: recorder.sleep });
    await expect(policy.execute(alwaysTransient, { signal: controller.signal, onRetry: () => controller.abort() })).rejects.toSatisfy(isAbortedError);
    expect(recorder.delays).toEqual([]);
  });

  it("turns an injected sleep's own rejection into an abort when the signal fired, and passes it through otherwise", async () => {
    const controller = new AbortController();
    const aborting = createRetryPolicy(options, {
      sleep: async () => {
        controller.abort();
        throw new Error("sleep interrupted");
      },
    });
    await expect(aborting.execute(alwaysTransient, { signal: controller.signal })).rejects.toSatisfy(isAbortedError);
    const broken = createRetryPolicy(options, { sleep: async () => Promise.reject(new Error("timer broke")) });
    await expect(broken.execute(alwaysTransient)).rejects.toThrow("timer broke");
  });

  it("an injected sleep that resolves after the signal fired still ends in an abort", async () => {
    const controller = new AbortController();
    const policy = createRetryPolicy(options, {
      sleep: async () => {
        controller.abort();
      },
    });
    let attempts = 0;
    await expect(
      policy.execute(
        async () => {
          attempts++;
          throw new TransientError("down");
        },
        { signal: controller.signal },
      ),
    ).rejects.toSatisfy(isAbortedError);
    expect(attempts).toBe(1);
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
      policy.execute(
        async ({ signal }) => {
          calls++;
          live.abort();
          throw signal.reason;
        },
        { signal: live.signal },
      ),
    ).rejects.toSatisfy(isAbortedError);
    expect(calls).toBe(1);
  });

  it("stops retrying when onRetry throws (the journal could not record the retry)", async () => {
    const recorder = recordingSleep();
    const policy = createRetryPolicy(options, { sleep: recorder.sleep });
    await expect(policy.execute(alwaysTransient, { onRetry: () => Promise.reject(new Error("disk full")) })).rejects.toThrow("disk full");
    expect(recorder.delays).toEqual([]);
  });

  it("rejects bad options with InvalidPolicyError naming the path", () => {
    expect(() => createRetryPolicy({ maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 2 })).toThrow(/retry\.maxAttempts/);
    let caught: unknown;
    try {
      createRetryPolicy({ maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 5 });
    } catch (error) {
      caught = error;
    }
    expect(isInvalidPolicyError(caught)).toBe(true);
    expect((caught as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path)).toEqual(["retry.maxDelayMs"]);
  });
});

describe("sleep", () => {
  it("resolves after the delay, rejects at once for an aborted signal, and rejects when aborted while sleeping", async () => {
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
    const aborted = new AbortController();
    aborted.abort();
    await expect(sleep(10_000, aborted.signal)).rejects.toSatisfy(isAbortedError);
    const during = new AbortController();
    const sleeping = sleep(60_000, during.signal);
    during.abort();
    await expect(sleeping).rejects.toSatisfy(isAbortedError);
  });
});
