// The exit codes of every command, in a module of their own: `hybrid --help` needs them, and
// nothing of the libraries that errors.ts loads to classify errors.

/** The exit codes of every command. */
export const EXIT = Object.freeze({
  ok: 0,
  /** The run failed or was escalated; a rollout move was refused; a check found a problem. */
  failed: 1,
  /** Bad input or usage: nothing was written. */
  usage: 2,
  /** A resume was refused: the plan changed without --force, or another process holds the run. */
  refused: 3,
  /** Stopped by SIGINT or SIGTERM; the run can be resumed. */
  interrupted: 130,
});
