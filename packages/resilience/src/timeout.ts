import { AbortedError, TimeoutError } from "./errors.js";

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); treat those as "no deadline".
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `fn` with a deadline, cooperatively: at the deadline (or when `parent` aborts) the signal
 * handed to `fn` is aborted, and the call settles only once `fn` itself has settled. That is the
 * point: whatever `fn` started (an agent's process group) is gone when the call settles, so a slot
 * freed afterwards is really free. `fn` must settle soon after its signal aborts. If `fn` resolves
 * anyway, its value is returned: the work is done, and throwing it away would only make a retry
 * do it twice.
 * @param timeoutMs deadline in ms; non-finite or huge values mean no deadline.
 * @throws TimeoutError when `fn` failed after the deadline passed.
 * @throws AbortedError when `fn` failed after `parent` aborted.
 */
export async function withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number, parent?: AbortSignal): Promise<T> {
  if (parent?.aborted) throw new AbortedError({ cause: parent.reason });
  const controller = new AbortController();
  let timedOut: TimeoutError | undefined;
  const onAbort = (): void => controller.abort(parent?.reason);
  parent?.addEventListener("abort", onAbort, { once: true });
  const timer =
    Number.isFinite(timeoutMs) && timeoutMs <= MAX_TIMER_MS
      ? setTimeout(() => {
          // A stop that came first stays the reason: a stopped node is not a timed-out (retryable) one.
          if (controller.signal.aborted) return;
          timedOut = new TimeoutError(timeoutMs);
          controller.abort(timedOut);
        }, Math.max(0, timeoutMs))
      : undefined;
  let outcome: { value: T } | { error: unknown };
  try {
    outcome = { value: await fn(controller.signal) };
  } catch (error) {
    outcome = { error };
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener("abort", onAbort);
  }
  if (!("error" in outcome)) return outcome.value;
  if (timedOut) throw new TimeoutError(timeoutMs, { cause: outcome.error });
  if (parent?.aborted) throw new AbortedError({ cause: outcome.error });
  throw outcome.error;
}
