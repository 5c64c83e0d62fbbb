// The run store's per-file lock (every file two processes append to is written under one):
// proper-lockfile's atomic mkdir of `<file>.lock`, its mtime refreshed every 2 s while held and taken over once 10 s
// stale, so a writer that died does not block the others for long. Telemetry imports nothing of
// ours (only @hybrid/hybrid composes), so it takes proper-lockfile, not @hybrid/resilience's lock.
import lockfile from "proper-lockfile";

/** Stale threshold and refresh period of every lock the project takes (ms). */
export const LOCK_STALE_MS = 10_000;
export const LOCK_UPDATE_MS = 2_000;

/** A held lock: `lost` says whether another process took it over (this one stalled past the stale threshold). */
export interface HeldLock {
  readonly lockPath: string;
  /** Settles with the error when the lock is taken over while held; never rejects. */
  readonly lostSignal: Promise<Error>;
  lost(): Error | undefined;
  /** Lets go of the lock. A lock already lost is not ours to remove: nothing happens. */
  release(): Promise<void>;
}

/**
 * Takes the lock of `file` (which need not exist; its directory must), waiting with a randomized
 * exponential backoff for at most `waitMs` while another writer holds it. Returns "busy" when the
 * wait runs out. A lock lost while held is reported through `lost()` instead of proper-lockfile's
 * default of throwing from a timer, which would crash the process.
 */
export async function lockFile(file: string, waitMs: number): Promise<HeldLock | "busy"> {
  const lockPath = `${file}.lock`;
  let lost: Error | undefined;
  let signalLost: (error: Error) => void = () => undefined;
  const lostSignal = new Promise<Error>((resolve) => (signalLost = resolve));
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      lockfilePath: lockPath,
      realpath: false,
      stale: LOCK_STALE_MS,
      update: LOCK_UPDATE_MS,
      retries: { retries: 100_000, factor: 1.5, minTimeout: 5, maxTimeout: 200, randomize: true, maxRetryTime: waitMs },
      onCompromised: (error) => {
        lost ??= error;
        signalLost(error);
      },
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ELOCKED") return "busy";
    throw error;
  }
  return {
    lockPath,
    lostSignal,
    lost: () => lost,
    async release() {
      if (lost === undefined) await release();
    },
  };
}
