import type { JournalEvent } from "./journal-events.js";
import type { Redact } from "./prepare-event.js";
import { prepareEvent } from "./prepare-event.js";
import { assertValidRunId } from "./run-id.js";

/** What `read` returns: the good events in order, and warnings (for example a torn last line). */
export interface JournalRead {
  events: JournalEvent[];
  warnings: string[];
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
  /** Waits for pending appends and releases resources. */
  close?(): Promise<void>;
}

/** Options of {@link createMemoryCheckpointStore}. */
export interface MemoryCheckpointStoreOptions {
  /** Applied to every string value (except identifiers) before it is kept. @default identity */
  redact?: Redact;
}

/**
 * A store that keeps journals in memory: for tests and dry runs. Events are validated, redacted and
 * JSON round-tripped exactly as the file store does, so code tested against it behaves the same.
 */
export function createMemoryCheckpointStore(options: MemoryCheckpointStoreOptions = {}): CheckpointStore {
  const redact = options.redact ?? ((text: string) => text);
  const runs = new Map<string, JournalEvent[]>();
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
    async close() {},
  };
}
