// What both handoff sinks need: the required `redact` option (its results are checked by
// resilience's `checkedRedact`, the one check of redactors), and a way to stop waiting for a shared
// write when the caller's signal aborts.
import { z } from "zod";
import { abortPromise } from "./runner.js";

/**
 * A sink's `redact` option: required, because a sink writes artifacts people and agents read. A
 * missing one or a non-function is a `DispatchOptionsError`; one that returns something else than a
 * string (context's `redactSecrets`) an `InvalidRedactorError` naming the option, when the sink is made.
 */
export const RedactOptionSchema = z.custom<(text: string) => string>((value) => typeof value === "function", {
  message: "required: a function (text: string) => string applied to every text the sink writes; pass (text) => text to write text as is",
});

/**
 * Waits for `promise`, or rejects with `signal.reason` as soon as `signal` aborts (the work behind
 * `promise` goes on; its outcome is then ignored).
 */
export async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  const aborted = abortPromise(signal);
  try {
    return await Promise.race([promise, aborted.promise]);
  } finally {
    aborted.dispose();
  }
}
