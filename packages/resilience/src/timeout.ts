import { TimeoutStrategy, timeout } from "cockatiel";
import { isCockatielCancellation } from "./classify.js";
import { AbortedError, TimeoutError } from "./errors.js";

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); treat those as "no timeout".
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `fn` with a deadline, using cockatiel's aggressive timeout: the promise settles at the deadline
 * even if `fn` ignores its signal, and the signal handed to `fn` is aborted so the work can stop.
 * @param timeoutMs deadline in ms; non-finite or huge values mean no deadline.
 * @param parent aborting it aborts `fn`'s signal too; the call then rejects with `AbortedError`.
 * @throws TimeoutError when the deadline passes first.
 */
export async function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<T> {
  if (parent?.aborted) throw new AbortedError({ cause: parent.reason });
  if (!Number.isFinite(timeoutMs) || timeoutMs > MAX_TIMER_MS) {
    return runUnbounded(fn, parent);
  }
  // abortOnReturn: false: a finished call keeps its signal un-aborted, so a caller that handed the
  // signal to a longer-lived resource is not surprised by an abort after success.
  const policy = timeout(Math.max(0, timeoutMs), { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  try {
    return await policy.execute(({ signal }) => fn(signal), parent);
  } catch (error) {
    // cockatiel reports both its own deadline and a parent abort as TaskCancelledError.
    if (parent?.aborted) throw new AbortedError({ cause: parent.reason });
    if (isCockatielCancellation(error)) throw new TimeoutError(timeoutMs, { cause: error });
    throw error;
  }
}

async function runUnbounded<T>(fn: (signal: AbortSignal) => Promise<T>, parent?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent?.reason);
  parent?.addEventListener("abort", onAbort, { once: true });
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (parent?.aborted) throw new AbortedError({ cause: parent.reason });
    throw error;
  } finally {
    parent?.removeEventListener("abort", onAbort);
  }
}
