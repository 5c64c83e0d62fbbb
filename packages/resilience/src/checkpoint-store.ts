import { LockedError } from "./errors.js";
import type { JournalEvent } from "./journal-events.js";
import type { Redact } from "./prepare-event.js";
import { checkedRedact, prepareEvent } from "./prepare-event.js";
import { assertValidRunId } from "./run-id.js";

/** What `read` returns: the good events in order, and warnings (for example a torn last line). */
export interface JournalRead {
  events: JournalEvent[];
  warnings: string[];
}

/** A run's exclusive writer lock, from `CheckpointStore.lock`. */
export interface RunLock {
  /** Lets go of the lock; safe to call twice. */
  release(): Promise<void>;
}

/**
 * An append-only journal per run. Implementations must pass `testCheckpointStore` from
 * `@hybrid/test-utils`.
 */
export interface CheckpointStore {
  /** Appends one event; durable when the promise resolves. Appends to one run keep call order. */
  append(runId: string, event: JournalEvent): Promise<void>;
  /** Every event of the run, oldest first; `{ events: [], warnings: [] }` if there is no journal. */
  read(runId: string): Promise<JournalRead>;
  /** Ids of runs that have a journal, sorted. */
  list(): Promise<string[]>;
  /**
   * Takes the run's exclusive writer lock, so that two processes (two terminals resuming one run)
   * cannot both write it; rejects with `LockedError` naming the holder. A dispatcher takes it before
   * it reads the journal to resume and holds it until the run settles. Optional: a store without it
   * cannot stop a second writer.
   */
  lock?(runId: string): Promise<RunLock>;
  /** Waits for pending appends and releases resources (and any lock it still holds). */
  close?(): Promise<void>;
}

/** Options of {@link createMemoryCheckpointStore}. */
export interface MemoryCheckpointStoreOptions {
  /** Applied to the free text of every event (outputs, error messages) before it is kept. @default identity */
  redact?: Redact;
}

/**
 * A store that keeps journals in memory: for tests and dry runs. Events are validated, redacted and
 * JSON round-tripped exactly as the file store does, and its lock is exclusive within the store, so
 * code tested against it behaves the same.
 */
export function createMemoryCheckpointStore(options: MemoryCheckpointStoreOptions = {}): CheckpointStore {
  const redact = options.redact === undefined ? (text: string) => text : checkedRedact(options.redact, "createMemoryCheckpointStore redact");
  const runs = new Map<string, JournalEvent[]>();
  const held = new Set<string>();
  return {
    async append(runId, event) {
      assertValidRunId(runId);
      const prepared = prepareEvent(runId, event, redact);
      const events = runs.get(runId) ?? [];
      events.push(prepared);
      runs.set(runId, events);
    },
    async read(runId) {
      assertValidRunId(runId);
      // Copies, so a caller mutating what it read cannot change the journal.
      return { events: structuredClone(runs.get(runId) ?? []), warnings: [] };
    },
    async list() {
      return [...runs.keys()].sort();
    },
    async lock(runId) {
      assertValidRunId(runId);
      if (held.has(runId)) throw new LockedError(`memory:${runId}`, `run ${runId}`, { pid: process.pid, hostname: "memory" });
      held.add(runId);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          held.delete(runId);
        },
      };
    },
    async close() {
      held.clear();
    },
  };
}
