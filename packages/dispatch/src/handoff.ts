/** The GitHub issue (or pull request) a node hands off on. */
export interface HandoffIssue {
  owner: string;
  repo: string;
  number: number;
}

/** One handoff: a node finished and its summary is recorded where people (and agents) will find it. */
export interface HandoffEntry {
  runId: string;
  nodeId: string;
  agent: string;
  /** Epoch milliseconds. */
  at: number;
  /** What the node produced, short; redacted by the sink before it is written. */
  summary: string;
  issue?: HandoffIssue;
  /**
   * The dispatch's idempotency key (it carries the node's spec hash): a sink records one handoff per
   * key, so a retry or a restart finds the existing record, while a forced re-run of a changed node
   * (a new key) records a new one.
   */
  idempotencyKey: string;
}

/** Per-call options of `HandoffSink.record`. */
export interface HandoffRecordOptions {
  /** Aborted when the run stops or the handoff timeout passes: stop waiting and reject. */
  signal?: AbortSignal;
}

/** Where handoffs are recorded: a ledger file offline, or a GitHub comment. Recording is idempotent per `idempotencyKey`. */
export interface HandoffSink {
  record(entry: HandoffEntry, options?: HandoffRecordOptions): Promise<{ url: string }>;
}

/** The marker a handoff comment carries, so a retry or a restart finds it instead of posting twice. */
export function handoffMarker(entry: Pick<HandoffEntry, "runId" | "nodeId" | "agent">): string {
  return `<!-- hybrid:handoff run=${entry.runId} node=${entry.nodeId} agent=${entry.agent} -->`;
}
