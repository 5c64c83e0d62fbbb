import { InvalidJournalEventError, InvalidRedactorError } from "./errors.js";
import type { JournalEvent } from "./journal-events.js";
import { parseJournalEvent } from "./journal-events.js";

/** Redacts text before it is written or handed on. */
export type Redact = (text: string) => string;

/**
 * Checks that `redact` is a `(text) => string` and wraps it so that a result that is not a string
 * fails loudly, naming `where`: the usual mistake is passing context's `redactSecrets` (which
 * returns `{ text, findings }`) instead of its `redact`.
 * @throws InvalidRedactorError
 */
export function checkedRedact(redact: unknown, where: string): Redact {
  if (typeof redact !== "function") throw new InvalidRedactorError(where, `expected a (text) => string function, got ${redact === null ? "null" : typeof redact}`);
  const checked: Redact = (text) => {
    const result: unknown = redact(text);
    if (typeof result !== "string") {
      const got = result === null ? "null" : typeof result === "object" ? "an object" : typeof result;
      throw new InvalidRedactorError(where, `it returned ${got}, not a string (pass \`redact\`, not \`redactSecrets\`)`);
    }
    return result;
  };
  // Probed once now, so the mistake surfaces where the option is given, not deep inside a run.
  checked("hybrid redaction probe");
  return checked;
}

// The free-text fields of the vocabulary; everything else is an identifier, hash, number or enum,
// chosen by the workflow author or by us, and redacting it would break replay.
function redactEvent(event: JournalEvent, redact: Redact): JournalEvent {
  const copy = JSON.parse(JSON.stringify(event)) as JournalEvent & Record<string, unknown>;
  if (typeof copy.output === "string") {
    const output = redact(copy.output);
    if (output !== copy.output) copy.outputRedacted = true;
    copy.output = output;
  }
  if (typeof copy.url === "string") copy.url = redact(copy.url);
  const error = copy.error as { message: string; stderrTail?: string } | undefined;
  if (error) {
    error.message = redact(error.message);
    if (error.stderrTail !== undefined) error.stderrTail = redact(error.stderrTail);
  }
  return copy;
}

/**
 * What every store does before keeping an event: validate it against its type's schema, check it
 * belongs to `runId`, and redact its free text. The result is a JSON round trip of the input:
 * exactly what a reader gets back. `outputDigest` stays the dispatcher's (the identity of the
 * output its dependents were prepared from), even when the store's redaction changes the text.
 * @throws InvalidJournalEventError
 */
export function prepareEvent(runId: string, event: JournalEvent, redact: Redact): JournalEvent {
  const parsed = parseJournalEvent(event);
  if (parsed.runId !== runId) {
    throw new InvalidJournalEventError(parsed.type, [
      { path: "runId", message: `event is for run ${parsed.runId}, appended to run ${runId}` },
    ]);
  }
  return redactEvent(parsed, redact);
}
