// What both handoff sinks need: the required `redact` option, checked where it is used, and a way
// to stop waiting for a shared write when the caller's signal aborts.
import { z } from "zod";
import { DispatchOptionsError } from "./errors.js";

/** A sink's `redact` option: required, because a sink writes artifacts people and agents read. */
export const RedactOptionSchema = z.custom<(text: string) => string>((value) => typeof value === "function", {
  message: "required: a function (text: string) => string applied to every text the sink writes; pass (text) => text to write text as is",
});

/**
 * `redact`, checked: a redactor that does not return a string (context's `redactSecrets` returns
 * `{ text, findings }`) is a configuration mistake, reported as such instead of writing "[object Object]".
 * Probed once with a harmless text, so the mistake is caught when the sink is made.
 * @throws DispatchOptionsError
 */
export function checkedRedact(what: string, redact: (text: string) => string): (text: string) => string {
  const checked = (text: string): string => {
    const result: unknown = redact(text);
    if (typeof result === "string") return result;
    const got = result === null ? "null" : typeof result === "object" ? "an object" : typeof result;
    throw new DispatchOptionsError(what, [
      {
        path: "redact",
        message: `must return a string, got ${got} (for context's redactSecrets, pass (text) => redactSecrets(text).text)`,
      },
    ]);
  };
  checked("hybrid handoff");
  return checked;
}

/**
 * Waits for `promise`, or rejects with `signal.reason` as soon as `signal` aborts (the work behind
 * `promise` goes on; its outcome is then ignored).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as unknown);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
