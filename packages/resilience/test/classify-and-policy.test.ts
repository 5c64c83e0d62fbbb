import { describe, expect, it } from "vitest";
import {
  AbortedError,
  BrokenCircuitError,
  FileLockLostError,
  InvalidJournalEventError,
  InvalidPolicyError,
  InvalidRedactorError,
  InvalidRunIdError,
  JournalCorruptError,
  JournalVersionError,
  LockedError,
  PlanMismatchError,
  ResiliencePolicySchema,
  TimeoutError,
  TransientError,
  classifyError,
  isAbortedError,
  isBrokenCircuitError,
  isFileLockLostError,
  isInvalidJournalEventError,
  isInvalidRedactorError,
  isJournalVersionError,
  isLockedError,
  isInvalidPolicyError,
  isInvalidRunIdError,
  isJournalCorruptError,
  isPlanMismatchError,
  isRetryable,
  isTimeoutError,
  isTransientError,
  resolveResiliencePolicy,
  assertValidRunId,
  isValidRunId,
} from "@hybrid/resilience";
import { failure } from "./helpers.js";

// cockatiel's errors, as a runner using cockatiel throws them: recognised by their marker fields.
const cockatielCancelled = Object.assign(new Error("Operation cancelled"), { isTaskCancelledError: true });
const cockatielBrokenCircuit = Object.assign(new Error("Execution prevented because the circuit breaker is open"), { isBrokenCircuitError: true });

describe("classifyError", () => {
  it.each([
    [new AbortedError(), "aborted"],
    [Object.assign(new Error("x"), { name: "AbortError" }), "aborted"],
    [new TimeoutError(5), "timeout"],
    [cockatielCancelled, "timeout"],
    [Object.assign(new Error("x"), { name: "TimeoutError" }), "timeout"],
    [new BrokenCircuitError("k", 1), "breaker-open"],
    [cockatielBrokenCircuit, "breaker-open"],
    [new TransientError("x"), "transient"],
    [failure({ transient: true }), "transient"],
    [failure({ exitCode: 75 }), "transient"],
    [failure({ status: 429 }), "transient"],
    [failure({ status: 502 }), "transient"],
    [failure({ statusCode: 503 }), "transient"],
    [failure({ response: { status: 500 } }), "transient"],
    [failure({ code: "ECONNRESET" }), "transient"],
    [failure({ status: 404 }), "permanent"],
    [failure({ transient: false, exitCode: 75 }), "permanent"],
    [failure({ transient: false, status: 503 }), "permanent"],
    [failure({ exitCode: 2 }), "permanent"],
    [failure({ code: "EACCES" }), "permanent"],
    [new Error("plain"), "permanent"],
    ["a string", "permanent"],
    [null, "permanent"],
  ] as const)("classifies %o as %s", (error, expected) => {
    expect(classifyError(error)).toBe(expected);
    expect(isRetryable(error)).toBe(expected === "timeout" || expected === "transient");
  });
});

describe("errors", () => {
  it("carry stable codes, [resilience] messages and brand guards that survive a second copy", () => {
    const cases: Array<[Error & { code: string }, (e: unknown) => boolean, string]> = [
      [new TransientError("t"), isTransientError, "transient"],
      [new TimeoutError(1), isTimeoutError, "timeout"],
      [new BrokenCircuitError("k", -5), isBrokenCircuitError, "breaker-open"],
      [new AbortedError(), isAbortedError, "aborted"],
      [new JournalCorruptError("f.jsonl", 3, "checksum mismatch"), isJournalCorruptError, "journal-corrupt"],
      [new PlanMismatchError("h1", "h2", { added: ["x"], removed: [], changed: ["y"] }, "run-1"), isPlanMismatchError, "plan-mismatch"],
      [new InvalidRunIdError("..", "bad"), isInvalidRunIdError, "invalid-run-id"],
      [new InvalidJournalEventError(undefined, [{ path: "", message: "bad" }]), isInvalidJournalEventError, "journal-event-invalid"],
      [new InvalidPolicyError([{ path: "retry", message: "bad" }]), isInvalidPolicyError, "invalid-policy"],
      [new LockedError("/x/journal.jsonl", "run r", { pid: 1, hostname: "h" }), isLockedError, "locked"],
      [new FileLockLostError("/x/journal.jsonl", "run r", new Error("ECOMPROMISED")), isFileLockLostError, "lock-lost"],
      [new JournalVersionError("/x/journal.jsonl", 1, 2, 1), isJournalVersionError, "journal-version-unsupported"],
      [new InvalidRedactorError("store redact", "bad"), isInvalidRedactorError, "invalid-redactor"],
    ];
    for (const [error, guard, code] of cases) {
      expect(error.code).toBe(code);
      expect(error.message.startsWith("[resilience] ")).toBe(true);
      expect(guard(error)).toBe(true);
      // A look-alike from another installed copy: same Symbol.for brand, different class.
      const foreign: Record<symbol, boolean> = Object.create(null);
      for (const symbol of Object.getOwnPropertySymbols(error)) foreign[symbol] = true;
      expect(Object.getOwnPropertySymbols(error)).toHaveLength(1);
      expect(guard(foreign)).toBe(true);
      // Each guard knows only its own brand.
      for (const [, other] of cases) if (other !== guard) expect(other(error)).toBe(false);
      expect(guard(new Error("other"))).toBe(false);
      expect(guard(null)).toBe(false);
    }
    expect(new BrokenCircuitError("k", -5).retryAfterMs).toBe(0);
    expect(new PlanMismatchError("h1", "h2", { added: [], removed: [], changed: [] }).message).toContain("journal planHash h1, current h2");
    expect(new JournalCorruptError("f.jsonl", 3, "checksum mismatch").message).toContain("f.jsonl:3");
  });
});

describe("resolveResiliencePolicy", () => {
  it("fills every default", () => {
    expect(resolveResiliencePolicy()).toEqual({
      retry: { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 30_000 },
      timeoutMs: 600_000,
      breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
    });
    expect(resolveResiliencePolicy({ retry: { maxAttempts: 5 }, breaker: { failureRate: {} } })).toMatchObject({
      retry: { maxAttempts: 5, baseDelayMs: 250 },
      breaker: { failureRate: { threshold: 0.5, windowMs: 60_000, minimumRequests: 10 } },
    });
    expect(ResiliencePolicySchema.parse({}).timeoutMs).toBe(600_000);
  });

  it("throws our error naming the path of each problem", () => {
    let caught: unknown;
    try {
      resolveResiliencePolicy({ retry: { maxAttempts: -1, baseDelayMs: 500, maxDelayMs: 100 }, timeoutMs: 0, extra: 1 } as never);
    } catch (error) {
      caught = error;
    }
    expect(isInvalidPolicyError(caught)).toBe(true);
    expect(caught).toBeInstanceOf(InvalidPolicyError);
    const paths = (caught as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["retry.maxAttempts", "timeoutMs", ""]));
    expect((caught as Error).message).toMatch(/^\[resilience\] invalid resilience policy/);
  });

  it("reports maxDelayMs below baseDelayMs", () => {
    expect(() => resolveResiliencePolicy({ retry: { baseDelayMs: 500, maxDelayMs: 100 } })).toThrow(/retry\.maxDelayMs: maxDelayMs must be >= baseDelayMs/);
  });
});

describe("run ids", () => {
  it("accepts safe segments and rejects the rest with a clear reason", () => {
    for (const id of ["run-1", "2024-05-01T10.00", "A_b.c"]) expect(isValidRunId(id)).toBe(true);
    expect(() => assertValidRunId("../etc")).toThrow(/must not contain '\.\.'/);
    expect(() => assertValidRunId("a/b")).toThrow(/must not contain '\/'/);
    expect(() => assertValidRunId("")).toThrow(/must not be empty/);
    expect(() => assertValidRunId(42)).toThrow(/must be a string/);
    expect(() => assertValidRunId("white space")).toThrow(/\[A-Za-z0-9\._-\]/);
    expect(isValidRunId("..")).toBe(false);
  });
});
