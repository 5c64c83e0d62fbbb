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
  /**
   * Set by a sink that recorded this entry in its fallback because its primary target failed (the
   * GitHub sink after a timeout or an error): what went wrong, so the record is traceable.
   */
  fallbackReason?: string;
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

const markerPart = (value: string): string => encodeURIComponent(value);

/**
 * The hidden marker a handoff comment starts with: the idempotency key (what a retry or a restart
 * searches for, so it finds the comment instead of posting twice) and, for people, the run, node
 * and agent. Each value is URI-encoded, so no key can end the HTML comment or fake another field.
 */
export function handoffMarker(entry: Pick<HandoffEntry, "idempotencyKey" | "runId" | "nodeId" | "agent">): string {
  return `${handoffMarkerPrefix(entry.idempotencyKey)}run=${markerPart(entry.runId)} node=${markerPart(entry.nodeId)} agent=${markerPart(entry.agent)} -->`;
}

/** The start of the marker of key `idempotencyKey`: a comment whose body starts with it records that key. */
export function handoffMarkerPrefix(idempotencyKey: string): string {
  return `<!-- hybrid:handoff key=${markerPart(idempotencyKey)} `;
}
