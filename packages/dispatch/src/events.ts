// dispatch's events are the journal's vocabulary, owned by @hybrid/resilience: every event the
// controller emits is exactly the event it journaled.
import type { JournalEvent, JournalEventOf, JournalEventType } from "@hybrid/resilience";

/** Every event the controller journals and emits: a discriminated union on `type`. */
export type DispatchEvent = JournalEvent;
/** The event of one type (`DispatchEventOf<"node.succeeded">`). */
export type DispatchEventOf<T extends JournalEventType> = JournalEventOf<T>;
/** The `type` of every dispatch event. */
export type DispatchEventType = JournalEventType;

/** Listener for dispatch events; called after the event is journaled. Errors thrown here are ignored. */
export type DispatchEventListener = (event: DispatchEvent) => void;

/** How a run ended. */
export type RunStatus = "succeeded" | "failed" | "aborted";

/** Outcomes of a run's nodes, by status. */
export interface RunCounts {
  total: number;
  succeeded: number;
  failed: number;
  blocked: number;
  skipped: number;
}
