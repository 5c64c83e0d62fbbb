import { InvalidRunIdError } from "./errors.js";

// One safe path segment on every OS: no separators, no `..`, no Windows-reserved characters,
// bounded length, and it must start with a letter or digit so it cannot look like an option (`-rf`).
const SAFE_RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Checks that a run id can be used as a directory name.
 * @throws InvalidRunIdError naming the problem.
 */
export function assertValidRunId(runId: unknown): asserts runId is string {
  if (typeof runId !== "string") throw new InvalidRunIdError(runId, "must be a string");
  if (runId === "" ) throw new InvalidRunIdError(runId, "must not be empty");
  if (runId === "." || runId === ".." || runId.includes("..")) {
    throw new InvalidRunIdError(runId, "must not contain '..'");
  }
  if (/[/\\]/.test(runId)) throw new InvalidRunIdError(runId, "must not contain '/' or '\\'");
  if (!SAFE_RUN_ID.test(runId)) {
    throw new InvalidRunIdError(
      runId,
      "use 1-128 characters from [A-Za-z0-9._-], starting with a letter or digit",
    );
  }
}

/** True when {@link assertValidRunId} would accept `runId`. */
export function isValidRunId(runId: unknown): runId is string {
  try {
    assertValidRunId(runId);
    return true;
  } catch {
    return false;
  }
}
