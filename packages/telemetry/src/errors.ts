import { z } from "zod";

/** One located problem: a path such as `nodes[2].attempts` and what is wrong there. */
export interface TelemetryProblem {
  path: string;
  message: string;
}

const optionsBrand = Symbol.for("hybrid.telemetry.TelemetryOptionsError");
const recordBrand = Symbol.for("hybrid.telemetry.InvalidRunRecordError");
const corruptBrand = Symbol.for("hybrid.telemetry.RunStoreCorruptError");
const notStartedBrand = Symbol.for("hybrid.telemetry.RunNotStartedError");

/** Turns a ZodError into located problems, one per issue, with zod's own path formatter (`nodes[3].attempts`). */
export function zodProblems(error: z.ZodError): TelemetryProblem[] {
  return error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message }));
}

function list(problems: readonly TelemetryProblem[]): string {
  return problems.map((p) => `  - ${p.path === "" ? "(root)" : p.path}: ${p.message}`).join("\n");
}

/** Thrown when `createTelemetry`, a store or a report is given options that do not parse. */
export class TelemetryOptionsError extends Error {
  readonly code = "telemetry-invalid-options" as const;
  readonly problems: readonly TelemetryProblem[];
  readonly [optionsBrand] = true;

  constructor(what: string, problems: readonly TelemetryProblem[], cause?: unknown) {
    super(`[telemetry] invalid ${what} options:\n${list(problems)}`, { cause });
    this.name = "TelemetryOptionsError";
    this.problems = problems;
  }
}

/** Thrown when a record handed to a store does not match `RunRecordSchema`. */
export class InvalidRunRecordError extends Error {
  readonly code = "run-record-invalid" as const;
  readonly problems: readonly TelemetryProblem[];
  readonly runId: string | undefined;
  readonly [recordBrand] = true;

  constructor(problems: readonly TelemetryProblem[], runId?: string, cause?: unknown) {
    super(`[telemetry] invalid run record${runId ? ` ${runId}` : ""}:\n${list(problems)}`, { cause });
    this.name = "InvalidRunRecordError";
    this.problems = problems;
    this.runId = runId;
  }
}

/** One unreadable line of a JSONL run store (1-based line number). */
export interface CorruptLine {
  line: number;
  reason: string;
}

/** Thrown when `runs.jsonl` holds an unreadable or invalid line before its last line. */
export class RunStoreCorruptError extends Error {
  readonly code = "run-store-corrupt" as const;
  readonly file: string;
  /** Every bad line, first one first; `line` of the first is also in the message. */
  readonly lines: readonly CorruptLine[];
  readonly [corruptBrand] = true;

  constructor(file: string, lines: readonly CorruptLine[]) {
    const first = lines[0]!;
    const more = lines.length > 1 ? ` (and ${lines.length - 1} more bad line${lines.length === 2 ? "" : "s"})` : "";
    super(`[telemetry] ${file}:${first.line}: ${first.reason}${more}`);
    this.name = "RunStoreCorruptError";
    this.file = file;
    this.lines = lines;
  }
}

/** Thrown by `finish()` (or `snapshot()`) when no `run.started` or `run.resumed` event named the run. */
export class RunNotStartedError extends Error {
  readonly code = "run-not-started" as const;
  readonly [notStartedBrand] = true;

  constructor(missing: string) {
    super(`[telemetry] cannot finish a run that never started: no ${missing} (feed its run.started or run.resumed event first)`);
    this.name = "RunNotStartedError";
  }
}

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

export const isTelemetryOptionsError = (value: unknown): value is TelemetryOptionsError =>
  hasBrand(value, optionsBrand);
export const isInvalidRunRecordError = (value: unknown): value is InvalidRunRecordError =>
  hasBrand(value, recordBrand);
export const isRunStoreCorruptError = (value: unknown): value is RunStoreCorruptError => hasBrand(value, corruptBrand);
export const isRunNotStartedError = (value: unknown): value is RunNotStartedError => hasBrand(value, notStartedBrand);

const sinkBrand = Symbol.for("hybrid.telemetry.RunRecordSinkError");

/** Thrown by `finish()` when one or more sinks failed to write the record (the others still ran). */
export class RunRecordSinkError extends Error {
  readonly code = "sink-write-failed" as const;
  readonly runId: string;
  /** One entry per failed sink: its index in `sinks` and what it threw. */
  readonly failures: readonly { sink: number; error: unknown }[];
  readonly [sinkBrand] = true;

  constructor(runId: string, failures: readonly { sink: number; error: unknown }[]) {
    const first = failures[0]!;
    const detail = first.error instanceof Error ? first.error.message : String(first.error);
    super(`[telemetry] run ${runId}: ${failures.length} sink(s) failed to write the record; sink ${first.sink}: ${detail}`, {
      cause: first.error,
    });
    this.name = "RunRecordSinkError";
    this.runId = runId;
    this.failures = failures;
  }
}

export const isRunRecordSinkError = (value: unknown): value is RunRecordSinkError => hasBrand(value, sinkBrand);

const lockBrand = Symbol.for("hybrid.telemetry.RunStoreLockError");

/**
 * Thrown by a run store's `append` when it could not hold the store's lock: another writer kept it
 * past the bounded wait (`reason: "busy"`), or the lock was taken over while this process held it
 * (`reason: "lost"`, the process stalled past the stale threshold). Nothing was appended in the
 * first case; in the second the record was not written if `written` is false.
 */
export class RunStoreLockError extends Error {
  readonly code = "run-store-lock-failed" as const;
  readonly file: string;
  readonly reason: "busy" | "lost";
  /** Whether the line had already been written (and fsynced) when the loss was seen. */
  readonly written: boolean;
  readonly [lockBrand] = true;

  constructor(file: string, reason: "busy" | "lost", written: boolean, cause?: unknown) {
    const what =
      reason === "busy"
        ? `another writer held ${file}.lock for the whole bounded wait; nothing was appended`
        : `the lock ${file}.lock was taken over while this process held it; the record was ${written ? "written before the loss was seen" : "not written"}`;
    super(`[telemetry] ${file}: ${what}`, { cause });
    this.name = "RunStoreLockError";
    this.file = file;
    this.reason = reason;
    this.written = written;
  }
}

export const isRunStoreLockError = (value: unknown): value is RunStoreLockError => hasBrand(value, lockBrand);
