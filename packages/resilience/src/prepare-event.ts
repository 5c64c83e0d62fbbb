import { digestOutput } from "./digest.js";
import type { JournalEvent } from "./journal-events.js";
import { parseJournalEvent } from "./journal-events.js";
import { InvalidJournalEventError } from "./errors.js";

/** Redacts text before it is written; identity by default. */
export type Redact = (text: string) => string;

// Identifiers are left alone: redacting a node id or plan hash would break replay, and they are
// chosen by the workflow author, not copied from agent output.
const IDENTIFIER_KEYS = new Set([
  "type",
  "runId",
  "nodeId",
  "id",
  "agent",
  "planHash",
  "specHash",
  "workflowId",
  "idempotencyKey",
  "outputDigest",
  "key",
  "from",
  "to",
  "state",
  "status",
  "category",
  "blockedBy",
  "dependsOn",
  "priority",
]);

function redactValue(value: unknown, redact: Redact, key: string | undefined): unknown {
  if (key !== undefined && IDENTIFIER_KEYS.has(key)) return value;
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact, undefined));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, redact, k)]));
  }
  return value;
}

/**
 * What every store does before keeping an event: validate it, check it belongs to `runId`,
 * redact its free text, and give a node output its digest. The digest is of the stored (redacted)
 * output, so it always verifies what a replay will hand downstream.
 * @throws InvalidJournalEventError
 */
export function prepareEvent(runId: string, event: JournalEvent, redact: Redact): JournalEvent {
  const parsed = parseJournalEvent(event);
  if (parsed.runId !== runId) {
    throw new InvalidJournalEventError(parsed.type, [
      { path: "runId", message: `event is for run ${parsed.runId}, appended to run ${runId}` },
    ]);
  }
  // A JSON round trip first: the stored event is exactly what a reader will get back.
  const plain = JSON.parse(JSON.stringify(parsed)) as JournalEvent;
  const redacted = redactValue(plain, redact, undefined) as JournalEvent;
  if (typeof redacted.output === "string") {
    if (redacted.output !== plain.output) redacted.outputRedacted = true;
    redacted.outputDigest = digestOutput(redacted.output);
  }
  return redacted;
}
