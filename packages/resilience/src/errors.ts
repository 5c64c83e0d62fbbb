// Every error carries a stable `code` and a `Symbol.for` brand, so `isXxxError` still works when two
// copies of this package are installed side by side (where `instanceof` would fail).

const brands = {
  transient: Symbol.for("hybrid.resilience.TransientError"),
  timeout: Symbol.for("hybrid.resilience.TimeoutError"),
  brokenCircuit: Symbol.for("hybrid.resilience.BrokenCircuitError"),
  aborted: Symbol.for("hybrid.resilience.AbortedError"),
  journalCorrupt: Symbol.for("hybrid.resilience.JournalCorruptError"),
  planMismatch: Symbol.for("hybrid.resilience.PlanMismatchError"),
  invalidRunId: Symbol.for("hybrid.resilience.InvalidRunIdError"),
  invalidPolicy: Symbol.for("hybrid.resilience.InvalidPolicyError"),
  invalidEvent: Symbol.for("hybrid.resilience.InvalidJournalEventError"),
  locked: Symbol.for("hybrid.resilience.LockedError"),
  lockLost: Symbol.for("hybrid.resilience.FileLockLostError"),
  journalVersion: Symbol.for("hybrid.resilience.JournalVersionError"),
  invalidRedactor: Symbol.for("hybrid.resilience.InvalidRedactorError"),
} as const;

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** A failure worth retrying: the same call may succeed later (rate limit, flaky network, busy agent). */
export class TransientError extends Error {
  readonly code = "transient" as const;
  readonly transient = true as const;
  readonly [brands.transient] = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(`[resilience] ${message}`, { cause: options.cause });
    this.name = "TransientError";
  }
}

/** An operation ran longer than its `timeoutMs`; its signal has been aborted. */
export class TimeoutError extends Error {
  readonly code = "timeout" as const;
  readonly timeoutMs: number;
  readonly [brands.timeout] = true;

  constructor(timeoutMs: number, options: { cause?: unknown; what?: string } = {}) {
    super(`[resilience] ${options.what ?? "operation"} timed out after ${timeoutMs}ms`, { cause: options.cause });
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** The circuit breaker for `key` is open: the call was rejected without running. */
export class BrokenCircuitError extends Error {
  readonly code = "breaker-open" as const;
  readonly key: string;
  /** Milliseconds until the breaker lets a probe through (0 when a probe is already running). */
  readonly retryAfterMs: number;
  readonly [brands.brokenCircuit] = true;

  constructor(key: string, retryAfterMs: number) {
    super(`[resilience] circuit breaker "${key}" is open; next probe in ${Math.max(0, retryAfterMs)}ms`);
    this.name = "BrokenCircuitError";
    this.key = key;
    this.retryAfterMs = Math.max(0, retryAfterMs);
  }
}

/** The caller aborted (its AbortSignal fired); nothing is retried after an abort. */
export class AbortedError extends Error {
  readonly code = "aborted" as const;
  readonly [brands.aborted] = true;

  constructor(options: { cause?: unknown; what?: string } = {}) {
    super(`[resilience] ${options.what ?? "operation"} aborted`, { cause: options.cause });
    this.name = "AbortedError";
  }
}

/** A journal line before the last one is unreadable or fails its checksum; the run cannot be trusted. */
export class JournalCorruptError extends Error {
  readonly code = "journal-corrupt" as const;
  readonly file: string;
  /** 1-based line number of the first bad line. */
  readonly line: number;
  readonly reason: string;
  readonly [brands.journalCorrupt] = true;

  constructor(file: string, line: number, reason: string, options: { cause?: unknown } = {}) {
    super(`[resilience] journal ${file}:${line} is corrupt: ${reason}`, { cause: options.cause });
    this.name = "JournalCorruptError";
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** Which nodes differ between the journal's plan and the current one. */
export interface PlanDifference {
  added: string[];
  removed: string[];
  changed: string[];
}

/** The workflow changed since the journal was written; resuming needs `force`. */
export class PlanMismatchError extends Error {
  readonly code = "plan-mismatch" as const;
  readonly runId: string | undefined;
  readonly journalPlanHash: string;
  readonly currentPlanHash: string;
  readonly difference: PlanDifference;
  readonly [brands.planMismatch] = true;

  constructor(journalPlanHash: string, currentPlanHash: string, difference: PlanDifference, runId?: string) {
    const parts = (["added", "removed", "changed"] as const)
      .filter((kind) => difference[kind].length > 0)
      .map((kind) => `${kind}: ${difference[kind].join(", ")}`);
    super(
      `[resilience] cannot resume run${runId ? ` ${runId}` : ""}: the workflow changed ` +
        `(journal planHash ${journalPlanHash}, current ${currentPlanHash}` +
        `${parts.length > 0 ? `; ${parts.join("; ")}` : ""}). ` +
        "Resume with force to keep only the outputs of unchanged nodes.",
    );
    this.name = "PlanMismatchError";
    this.runId = runId;
    this.journalPlanHash = journalPlanHash;
    this.currentPlanHash = currentPlanHash;
    this.difference = difference;
  }
}

/** A run id that is not a safe single path segment (`..`, `/`, empty, control characters…). */
export class InvalidRunIdError extends Error {
  readonly code = "invalid-run-id" as const;
  readonly runId: unknown;
  readonly [brands.invalidRunId] = true;

  constructor(runId: unknown, reason: string) {
    super(`[resilience] invalid run id ${JSON.stringify(String(runId))}: ${reason}`);
    this.name = "InvalidRunIdError";
    this.runId = runId;
  }
}

/** One problem found while validating options or an event, located by its path (`retry.maxAttempts`). */
export interface ValidationIssue {
  path: string;
  message: string;
}

function listIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `  - ${issue.path === "" ? "(root)" : issue.path}: ${issue.message}`).join("\n");
}

/** `resolveResiliencePolicy` was given options that do not match `ResiliencePolicySchema`. */
export class InvalidPolicyError extends Error {
  readonly code = "invalid-policy" as const;
  readonly issues: readonly ValidationIssue[];
  readonly [brands.invalidPolicy] = true;

  constructor(issues: readonly ValidationIssue[], options: { cause?: unknown } = {}) {
    super(`[resilience] invalid resilience policy:\n${listIssues(issues)}`, { cause: options.cause });
    this.name = "InvalidPolicyError";
    this.issues = issues;
  }
}

/** A journal event handed to a store does not match `JournalEventSchema`; nothing was written. */
export class InvalidJournalEventError extends Error {
  readonly code = "journal-event-invalid" as const;
  readonly issues: readonly ValidationIssue[];
  readonly eventType: string | undefined;
  readonly [brands.invalidEvent] = true;

  constructor(eventType: string | undefined, issues: readonly ValidationIssue[], options: { cause?: unknown } = {}) {
    super(`[resilience] invalid journal event ${eventType ?? "(no type)"}:\n${listIssues(issues)}`, {
      cause: options.cause,
    });
    this.name = "InvalidJournalEventError";
    this.issues = issues;
    this.eventType = eventType;
  }
}

/** Who holds a lock, as far as its holder record says. */
export interface LockHolderInfo {
  pid: number;
  hostname: string;
  acquiredAt?: number;
}

function describeHolder(holder: LockHolderInfo | undefined): string {
  if (!holder) return "another process (no holder record yet)";
  const since = typeof holder.acquiredAt === "number" ? ` since ${new Date(holder.acquiredAt).toISOString()}` : "";
  return `process ${holder.pid} on ${holder.hostname}${since}`;
}

/** Another live process holds the lock (a second writer would corrupt the file); nothing was changed. */
export class LockedError extends Error {
  readonly code = "locked" as const;
  readonly path: string;
  /** What the lock protects (`run r-1`). */
  readonly what: string;
  readonly holder: LockHolderInfo | undefined;
  readonly [brands.locked] = true;

  constructor(path: string, what: string, holder: LockHolderInfo | undefined) {
    super(
      `[resilience] ${what} is locked by ${describeHolder(holder)} (lock ${path}.lock). ` +
        "Only one process may write it at a time: wait for that one to finish or stop it; " +
        "a lock whose holder died is taken over automatically.",
    );
    this.name = "LockedError";
    this.path = path;
    this.what = what;
    this.holder = holder;
  }
}

/** A held lock was taken over by another process (this one stalled past the stale threshold); stop writing. */
export class FileLockLostError extends Error {
  readonly code = "lock-lost" as const;
  readonly path: string;
  readonly what: string;
  readonly [brands.lockLost] = true;

  constructor(path: string, what: string, cause: unknown) {
    super(`[resilience] lost the lock of ${what} (${path}.lock): another process may be writing it now`, { cause });
    this.name = "FileLockLostError";
    this.path = path;
    this.what = what;
  }
}

/** A journal written in a format version this reader does not know; it is refused rather than misread. */
export class JournalVersionError extends Error {
  readonly code = "journal-version-unsupported" as const;
  readonly file: string;
  readonly line: number;
  readonly version: unknown;
  readonly supported: number;
  readonly [brands.journalVersion] = true;

  constructor(file: string, line: number, version: unknown, supported: number) {
    super(
      `[resilience] journal ${file}:${line} is format version ${JSON.stringify(version)}; this version of ` +
        `@hybrid/resilience reads version ${supported} only. Upgrade hybrid to resume this run.`,
    );
    this.name = "JournalVersionError";
    this.file = file;
    this.line = line;
    this.version = version;
    this.supported = supported;
  }
}

/** A `redact` option is not a `(text) => string`, or returned something else than a string. */
export class InvalidRedactorError extends Error {
  readonly code = "invalid-redactor" as const;
  /** Which option (`createFileCheckpointStore redact`). */
  readonly where: string;
  readonly [brands.invalidRedactor] = true;

  constructor(where: string, problem: string) {
    super(`[resilience] invalid ${where}: ${problem}`);
    this.name = "InvalidRedactorError";
    this.where = where;
  }
}

/** True for an {@link InvalidRedactorError} from any installed copy of this package. */
export const isInvalidRedactorError = (e: unknown): e is InvalidRedactorError => hasBrand(e, brands.invalidRedactor);

/** True for a {@link LockedError} from any installed copy of this package. */
export const isLockedError = (e: unknown): e is LockedError => hasBrand(e, brands.locked);
/** True for a {@link FileLockLostError} from any installed copy of this package. */
export const isFileLockLostError = (e: unknown): e is FileLockLostError => hasBrand(e, brands.lockLost);
/** True for a {@link JournalVersionError} from any installed copy of this package. */
export const isJournalVersionError = (e: unknown): e is JournalVersionError => hasBrand(e, brands.journalVersion);

/** True for a {@link TransientError} from any installed copy of this package. */
export const isTransientError = (e: unknown): e is TransientError => hasBrand(e, brands.transient);
/** True for a {@link TimeoutError} from any installed copy of this package. */
export const isTimeoutError = (e: unknown): e is TimeoutError => hasBrand(e, brands.timeout);
/** True for a {@link BrokenCircuitError} from any installed copy of this package. */
export const isBrokenCircuitError = (e: unknown): e is BrokenCircuitError => hasBrand(e, brands.brokenCircuit);
/** True for an {@link AbortedError} from any installed copy of this package. */
export const isAbortedError = (e: unknown): e is AbortedError => hasBrand(e, brands.aborted);
/** True for a {@link JournalCorruptError} from any installed copy of this package. */
export const isJournalCorruptError = (e: unknown): e is JournalCorruptError => hasBrand(e, brands.journalCorrupt);
/** True for a {@link PlanMismatchError} from any installed copy of this package. */
export const isPlanMismatchError = (e: unknown): e is PlanMismatchError => hasBrand(e, brands.planMismatch);
/** True for an {@link InvalidRunIdError} from any installed copy of this package. */
export const isInvalidRunIdError = (e: unknown): e is InvalidRunIdError => hasBrand(e, brands.invalidRunId);
/** True for an {@link InvalidPolicyError} from any installed copy of this package. */
export const isInvalidPolicyError = (e: unknown): e is InvalidPolicyError => hasBrand(e, brands.invalidPolicy);
/** True for an {@link InvalidJournalEventError} from any installed copy of this package. */
export const isInvalidJournalEventError = (e: unknown): e is InvalidJournalEventError =>
  hasBrand(e, brands.invalidEvent);
