// Ctrl-C and SIGTERM during a run. The first one aborts the run through the orchestrator's signal:
// nothing new starts, running agents' process groups are stopped, the journal is closed resumable,
// and the command exits 130 once the run has settled. A second one does not wait: it exits 130 at
// once (dispatch's exit hook still kills the agent groups this process started).

/** The stop signal of one run, and whether it was used. */
export interface Interrupts {
  readonly signal: AbortSignal;
  /** The signal that stopped the run, if one did. */
  received(): NodeJS.Signals | undefined;
  /** Stops listening (the run settled). */
  dispose(): void;
}

/** Options of `watchInterrupts`. */
export interface WatchOptions {
  /** Told when the first signal arrives (say that the run stops and how to force it). */
  onFirst(signal: NodeJS.Signals): void;
  /** Told when a second signal arrives, right before the process exits 130. */
  onForce(signal: NodeJS.Signals): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

/**
 * Listens for SIGINT and SIGTERM for the length of one run. While it listens, Node's default of
 * dying at once is replaced, which is what lets the run stop cleanly.
 */
export function watchInterrupts(options: WatchOptions): Interrupts {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (first === undefined) {
      first = signal;
      options.onFirst(signal);
      controller.abort(new Error(`[hybrid] interrupted by ${signal}`));
      return;
    }
    options.onForce(signal);
    process.exit(130);
  };
  for (const name of SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    received: () => first,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, handler);
    },
  };
}
