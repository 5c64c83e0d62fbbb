// Exclusive locks on files that several processes may write (a run's journal, the handoff ledger).
// proper-lockfile does the locking (an atomic `mkdir` of `<file>.lock`, its mtime refreshed while
// held, taken over once stale); we add a holder record beside it, so a refused process can say who
// holds the lock, and so a holder that died on this host (kill -9) is recognised at once and its
// lock taken over after proper-lockfile's shortest stale threshold (2 s) instead of the full one.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";
import { FileLockLostError, LockedError } from "./errors.js";
import { currentProcess, isProcessAlive } from "./process-identity.js";
import type { ProcessIdentity } from "./process-identity.js";

/** Who holds a lock: the process, and when it took the lock (epoch ms). */
export interface LockHolder extends ProcessIdentity {
  acquiredAt: number;
}

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** A holder that stops refreshing its lock for this long (it hung or died elsewhere) loses it. @default 10000 */
  staleMs?: number;
  /** How long to wait for a live holder to let go before giving up with `LockedError`. @default 0 */
  waitMs?: number;
  /** What the lock protects, for messages (`run r-1`). @default the file path */
  what?: string;
  /** Told when the lock is lost while held (another process took it over as stale). */
  onLost?: (error: FileLockLostError) => void;
}

/** A held lock. */
export interface FileLock {
  readonly path: string;
  /** Throws `FileLockLostError` when another process took the lock over (this one stalled past `staleMs`). */
  assertHeld(): void;
  /** Lets go of the lock; safe to call twice. */
  release(): Promise<void>;
}

// proper-lockfile refuses stale thresholds under 2 s; a dead holder's lock is stale that long after its last refresh.
const DEAD_HOLDER_STALE_MS = 2000;
// A holder writes its record right after taking the lock; a refusal waits this long for it, so it can name the holder.
const HOLDER_RECORD_GRACE_MS = 1000;

const lockPathOf = (path: string): string => `${path}.lock`;
const holderPathOf = (path: string): string => `${path}.lock.holder`;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(holderPathOf(path), "utf8")) as Partial<LockHolder>;
    if (typeof parsed.pid !== "number" || typeof parsed.hostname !== "string") return undefined;
    return parsed as LockHolder;
  } catch {
    return undefined;
  }
}

async function writeHolder(path: string, holder: LockHolder): Promise<void> {
  const file = holderPathOf(path);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(holder));
  await rename(temporary, file);
}

type Release = () => Promise<void>;

async function tryLock(path: string, staleMs: number, onCompromised: (error: Error) => void): Promise<Release | "locked"> {
  // Refreshed every second (proper-lockfile's shortest), so even the 2 s dead-holder threshold never
  // takes a lock from a live holder whose event loop is not blocked for that long.
  const options = { lockfilePath: lockPathOf(path), realpath: false, stale: staleMs, update: 1000, retries: 0, onCompromised };
  try {
    return await lockfile.lock(path, options);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ELOCKED") return "locked";
    if (code !== "ENOENT") throw error;
    // The directory the file lives in does not exist yet: make it, then try once more.
    await mkdir(dirname(path), { recursive: true });
    try {
      return await lockfile.lock(path, options);
    } catch (again) {
      if ((again as { code?: unknown }).code === "ELOCKED") return "locked";
      throw again;
    }
  }
}

/**
 * Takes the exclusive lock of `path` (the file itself need not exist). Fails at once, or after
 * `waitMs`, with `LockedError` naming the holder when another live process holds it; takes over a
 * lock whose holder died on this host within about two seconds.
 * @throws LockedError
 */
export async function acquireFileLock(path: string, options: FileLockOptions = {}): Promise<FileLock> {
  const staleMs = Math.max(options.staleMs ?? 10_000, DEAD_HOLDER_STALE_MS);
  const what = options.what ?? path;
  const deadline = Date.now() + Math.max(0, options.waitMs ?? 0);
  let lost: FileLockLostError | undefined;
  const onCompromised = (error: Error): void => {
    lost ??= new FileLockLostError(path, what, error);
    options.onLost?.(lost);
  };
  const started = Date.now();
  let pause = 25;
  for (;;) {
    const holder = await readHolder(path);
    // A holder that is gone from this host will never refresh its lock again. One without a record
    // died between taking the lock and writing it (a live one writes it at once and refreshes the
    // lock every second): give it the short threshold too, for at most `staleMs`.
    const dead = holder !== undefined ? isProcessAlive(holder) === false : Date.now() - started < staleMs;
    const release = await tryLock(path, dead ? DEAD_HOLDER_STALE_MS : staleMs, onCompromised);
    if (release !== "locked") {
      try {
        await writeHolder(path, { ...currentProcess(), acquiredAt: Date.now() });
      } catch (error) {
        // Without our record, a stale one could make others think the holder is dead: do not hold it.
        await release().catch(() => undefined);
        throw error;
      }
      let released = false;
      return {
        path,
        assertHeld() {
          if (lost) throw lost;
        },
        async release() {
          if (released) return;
          released = true;
          // A lost lock is someone else's now, and so is the holder record beside it: touch neither.
          if (lost) return;
          // The holder record goes first, while the lock is still ours: after the rmdir it may be someone else's.
          await rm(holderPathOf(path), { force: true });
          await release().catch(() => undefined);
        },
      };
    }
    if (!dead && Date.now() >= deadline) {
      // The record was read before the lock was tried: the holder may have taken it in between.
      const named = holder ?? (await readHolder(path));
      if (named !== undefined ? isProcessAlive(named) !== false : Date.now() - started >= HOLDER_RECORD_GRACE_MS) {
        throw new LockedError(path, what, named);
      }
    }
    await delay(pause);
    pause = Math.min(pause * 2, 250);
  }
}

/** Runs `fn` holding the lock of `path`, and lets go afterwards, whatever `fn` does. */
export async function withFileLock<T>(path: string, fn: (lock: FileLock) => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const lock = await acquireFileLock(path, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
