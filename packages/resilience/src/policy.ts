import { z } from "zod";
import { InvalidPolicyError } from "./errors.js";
import { toIssues } from "./zod-issues.js";

const ms = () => z.number().int().nonnegative();

/** Retry options: how many attempts and how far apart. */
export const RetryOptionsSchema = z
  .strictObject({
    /** Total attempts including the first one. @default 3 */
    maxAttempts: z.number().int().min(1).max(100).default(3),
    /** Smallest backoff between attempts, in ms. @default 250 */
    baseDelayMs: ms().default(250),
    /** Ceiling for any backoff, in ms. @default 30000 */
    maxDelayMs: ms().default(30_000),
  })
  .refine((retry) => retry.maxDelayMs >= retry.baseDelayMs, {
    message: "maxDelayMs must be >= baseDelayMs",
    path: ["maxDelayMs"],
  });

/** Failure-rate mode of the breaker: open when too large a share of recent calls failed. */
export const FailureRateSchema = z.strictObject({
  /** Share of failed calls (0 < threshold <= 1) in the window that opens the breaker. @default 0.5 */
  threshold: z.number().gt(0).max(1).default(0.5),
  /** Length of the sliding window, in ms. @default 60000 */
  windowMs: z.number().int().positive().default(60_000),
  /** Calls needed in the window before the rate is judged at all. @default 10 */
  minimumRequests: z.number().int().min(1).default(10),
});

/** Circuit-breaker options, applied to every key (agent or tool) of a registry. */
export const BreakerOptionsSchema = z.strictObject({
  /** Consecutive failures that open the breaker. @default 5 */
  consecutiveFailures: z.number().int().min(1).default(5),
  /** Optional failure-rate mode, checked in addition to consecutive failures. @default undefined */
  failureRate: FailureRateSchema.optional(),
  /** Cooldown after opening before a probe is let through, in ms. @default 30000 */
  halfOpenAfterMs: ms().default(30_000),
});

/**
 * The one place retry, timeout and breaker policy is configured.
 * @example resolveResiliencePolicy({ retry: { maxAttempts: 5 }, timeoutMs: 120_000 })
 */
export const ResiliencePolicySchema = z.strictObject({
  /** @default { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 30000 } */
  retry: RetryOptionsSchema.default({ maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 30_000 }),
  /** Per-attempt timeout, in ms. @default 600000 */
  timeoutMs: z.number().int().positive().default(600_000),
  /** @default { consecutiveFailures: 5, halfOpenAfterMs: 30000 } */
  breaker: BreakerOptionsSchema.default({ consecutiveFailures: 5, halfOpenAfterMs: 30_000 }),
});

/** What a user writes: every field optional. */
export type ResiliencePolicyOptions = z.input<typeof ResiliencePolicySchema>;
/** The resolved policy with every default filled in. */
export type ResiliencePolicy = z.output<typeof ResiliencePolicySchema>;
/** Resolved retry options. */
export type RetryOptions = ResiliencePolicy["retry"];
/** Resolved breaker options. */
export type BreakerOptions = ResiliencePolicy["breaker"];

/**
 * Parses options into a full policy.
 * @throws InvalidPolicyError naming the path of each problem (`retry.maxAttempts`).
 */
export function resolveResiliencePolicy(options: ResiliencePolicyOptions = {}): ResiliencePolicy {
  const result = ResiliencePolicySchema.safeParse(options);
  if (!result.success) throw new InvalidPolicyError(toIssues(result.error), { cause: result.error });
  return result.data;
}
