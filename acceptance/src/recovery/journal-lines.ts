// A reader of journal.jsonl that shares no code with @hybrid/resilience: JSON.parse per line and the
// `event` of each envelope, nothing else. The oracles count what the file says, so a store that
// misreports its own journal cannot vouch for itself.

/** The fields of a journaled event the oracles look at. */
export interface RawEvent {
  type: string;
  at: number;
  nodeId?: string;
  attempt?: number;
  status?: string;
  outcome?: string;
  category?: string;
  final?: boolean;
  idempotencyKey?: string;
  /** `error.code` of a failure, lifted out of the event. */
  errorCode?: string;
}

export interface RawJournal {
  events: RawEvent[];
  /** Lines that are not a JSON envelope with an event, by 1-based line number. */
  bad: Array<{ line: number; text: string }>;
}

/** Every line of a journal's text: the events of good lines, and the bad lines. */
export function parseJournal(text: string): RawJournal {
  const events: RawEvent[] = [];
  const bad: RawJournal["bad"] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      const envelope = JSON.parse(line) as { event?: RawEvent & { error?: { code?: string } } };
      if (typeof envelope.event?.type !== "string") throw new Error("no event");
      const { error, ...event } = envelope.event;
      events.push(error?.code !== undefined ? { ...event, errorCode: error.code } : event);
    } catch {
      bad.push({ line: index + 1, text: line.slice(0, 120) });
    }
  });
  return { events, bad };
}

/** How many events of each type. */
export function countTypes(events: readonly RawEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  return counts;
}

/** The status the journal's last process settled with, or null when it never settled (cut by a crash). */
export function finalStatus(events: readonly RawEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const type = events[i]!.type;
    if (type === "run.completed") return events[i]!.status ?? null;
    if (type === "run.started" || type === "run.resumed") return null;
  }
  return null;
}

const SETTLING = new Set(["node.succeeded", "node.failed", "node.timed-out", "node.reaped"]);

/** Attempts journaled as dispatched and not (yet) settled: agents a kill at this point leaves behind. */
export function unsettledAttempts(events: readonly RawEvent[]): string[] {
  const open = new Set<string>();
  for (const event of events) {
    const id = `${event.nodeId}#${event.attempt}`;
    if (event.type === "node.dispatched") open.add(id);
    else if (SETTLING.has(event.type)) open.delete(id);
  }
  return [...open];
}
