import { isAbortedError, isBrokenCircuitError, isTimeoutError, isTransientError } from "./errors.js";

/** How a failure should be treated: only `timeout` and `transient` are retried. */
export type ErrorClass = "timeout" | "transient" | "permanent" | "breaker-open" | "aborted";

/** BSD `EX_TEMPFAIL`: the conventional exit code for "try again later", used by agent runners. */
export const TRANSIENT_EXIT_CODE = 75;

// Socket-level failures that say nothing about the request itself; retrying them is safe.
const transientNetworkCodes = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "EAI_AGAIN", "ETIMEDOUT", "ENETUNREACH"]);

function field(err: unknown, name: string): unknown {
  return typeof err === "object" && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

// cockatiel (a policy library runners may use) marks its errors with boolean properties; we read
// the markers rather than depend on it.
const isCockatielCancellation = (err: unknown): boolean => field(err, "isTaskCancelledError") === true;
const isCockatielBrokenCircuit = (err: unknown): boolean => field(err, "isBrokenCircuitError") === true;

function httpStatus(err: unknown): number | undefined {
  const status = field(err, "status") ?? field(err, "statusCode") ?? field(field(err, "response"), "status");
  return typeof status === "number" ? status : undefined;
}

/**
 * Classifies a thrown value. Duck-typed on purpose: errors come from runners, HTTP clients and other
 * packages that do not share our classes.
 *
 * - `aborted`: our `AbortedError` or any `AbortError` (an AbortSignal fired).
 * - `timeout`: our `TimeoutError`, a DOM `TimeoutError` (`AbortSignal.timeout`) or cockatiel's cancellation.
 * - `breaker-open`: our `BrokenCircuitError` (or cockatiel's).
 * - `transient`: `TransientError`, `transient: true`, `exitCode === 75`, HTTP 429 or >= 500, socket resets.
 * - `permanent`: `transient: false`, and everything else; it fails at once.
 */
export function classifyError(err: unknown): ErrorClass {
  if (isAbortedError(err) || field(err, "name") === "AbortError") return "aborted";
  if (isTimeoutError(err) || isCockatielCancellation(err) || field(err, "name") === "TimeoutError") return "timeout";
  if (isBrokenCircuitError(err) || isCockatielBrokenCircuit(err)) return "breaker-open";
  if (isTransientError(err) || field(err, "transient") === true) return "transient";
  // An error that says it is not transient (a command runner configured without exit code 75 among
  // its transient codes, say) is believed over the heuristics below.
  if (field(err, "transient") === false) return "permanent";
  if (field(err, "exitCode") === TRANSIENT_EXIT_CODE) return "transient";
  const status = httpStatus(err);
  if (status !== undefined && (status === 429 || status >= 500)) return "transient";
  const code = field(err, "code");
  if (typeof code === "string" && transientNetworkCodes.has(code)) return "transient";
  return "permanent";
}

/** True when {@link classifyError} says the failure may go away on its own (`timeout` or `transient`). */
export function isRetryable(err: unknown): boolean {
  const kind = classifyError(err);
  return kind === "timeout" || kind === "transient";
}
