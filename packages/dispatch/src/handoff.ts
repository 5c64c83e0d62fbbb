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
}

/** Where handoffs are recorded: a ledger file offline, or a GitHub comment. Recording is idempotent per run+node. */
export interface HandoffSink {
  record(entry: HandoffEntry): Promise<{ url: string }>;
}

/** The marker a handoff comment carries, so a retry or a restart finds it instead of posting twice. */
export function handoffMarker(entry: Pick<HandoffEntry, "runId" | "nodeId" | "agent">): string {
  return `<!-- hybrid:handoff run=${entry.runId} node=${entry.nodeId} agent=${entry.agent} -->`;
}
