// Waiting on work that may not honour an AbortSignal: in-process code (prepare, a sink, a function
// agent) cannot be killed, so when the signal aborts we stop waiting for it.

/** A promise that rejects with the signal's reason when it aborts; resolves never. */
export function abortPromise(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let dispose = (): void => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dispose = () => signal.removeEventListener("abort", onAbort);
  });
  return { promise, dispose };
}

/**
 * Waits for `work`, or rejects with `signal.reason` as soon as `signal` aborts (the work goes on;
 * its outcome is then ignored).
 */
export async function untilAborted<T>(work: Promise<T> | T, signal: AbortSignal | undefined): Promise<T> {
  // Nothing to wait for: a synchronous result (the default prepare) needs no race.
  if (signal === undefined || !(work instanceof Promise)) return work;
  const aborted = abortPromise(signal);
  try {
    return await Promise.race([Promise.resolve(work), aborted.promise]);
  } finally {
    aborted.dispose();
  }
}
