import { FailureCategorySchema, classifyError } from "@hybrid/resilience";
import type { ErrorClass, ErrorInfo, FailureCategory } from "@hybrid/resilience";
import { isCommandFailedError, isDispatchAbortedError } from "./errors.js";

/** `classifyError`, plus our own abort error (which resilience does not know by brand). */
export function classify(error: unknown): ErrorClass {
  if (isDispatchAbortedError(error)) return "aborted";
  return classifyError(error);
}

/** The journal category of a final failure: the error's own `category` when it names a known one (a gate's), else from its class. */
export function failureCategory(error: unknown): FailureCategory {
  const own = FailureCategorySchema.safeParse(typeof error === "object" && error !== null ? (error as { category?: unknown }).category : undefined);
  if (own.success) return own.data;
  const kind = classify(error);
  if (kind === "transient") return "transient-exhausted";
  if (kind === "timeout" || kind === "breaker-open") return kind;
  return "permanent";
}

/** A journal-safe, redacted description of a thrown value, in the one error shape (`ErrorInfo`). */
export function errorInfo(error: unknown, redact: (text: string) => string): ErrorInfo {
  const info: ErrorInfo = { message: redact(error instanceof Error ? error.message : String(error)) };
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === "string") info.code = code;
  if (isCommandFailedError(error)) {
    if (error.exitCode !== null) info.exitCode = error.exitCode;
    if (error.signal !== null) info.signal = error.signal;
    info.stderrTail = redact(error.stderrTail);
  }
  return info;
}
