import { z } from "zod";

const brands = {
  CommandFailedError: Symbol.for("hybrid.dispatch.CommandFailedError"),
  CommandSpawnError: Symbol.for("hybrid.dispatch.CommandSpawnError"),
  OutputTooLargeError: Symbol.for("hybrid.dispatch.OutputTooLargeError"),
  DispatchAbortedError: Symbol.for("hybrid.dispatch.DispatchAbortedError"),
  DispatchOptionsError: Symbol.for("hybrid.dispatch.DispatchOptionsError"),
  SimulatedFailureError: Symbol.for("hybrid.dispatch.SimulatedFailureError"),
  HandoffError: Symbol.for("hybrid.dispatch.HandoffError"),
  ResumeMismatchError: Symbol.for("hybrid.dispatch.ResumeMismatchError"),
  LedgerFormatError: Symbol.for("hybrid.dispatch.LedgerFormatError"),
  InvalidAgentResultError: Symbol.for("hybrid.dispatch.InvalidAgentResultError"),
  GitHubIdentityError: Symbol.for("hybrid.dispatch.GitHubIdentityError"),
} as const;

export function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * A command runner's process exited non-zero (or was killed by a signal). `transient` is true for the
 * configured transient exit codes (75, EX_TEMPFAIL, by default), so the retry policy tries again.
 */
export class CommandFailedError extends Error {
  readonly code = "command-failed" as const;
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The last bytes the process wrote on stderr (redacted by the controller before it is journaled). */
  readonly stderrTail: string;
  readonly transient: boolean;
  readonly [brands.CommandFailedError] = true;

  constructor(init: { command: string; exitCode: number | null; signal: string | null; stderrTail: string; transient: boolean }) {
    const how = init.exitCode !== null ? `exited with code ${init.exitCode}` : `was killed by ${init.signal ?? "a signal"}`;
    const tail = init.stderrTail.trim();
    super(`[dispatch] command ${init.command} ${how}${init.transient ? " (transient)" : ""}${tail ? `: ${tail.slice(-300)}` : ""}`);
    this.name = "CommandFailedError";
    this.command = init.command;
    this.exitCode = init.exitCode;
    this.signal = init.signal;
    this.stderrTail = init.stderrTail;
    this.transient = init.transient;
  }
}

/** A command runner could not start its process at all (no such file, not executable). */
export class CommandSpawnError extends Error {
  readonly code = "command-spawn-failed" as const;
  readonly command: string;
  readonly [brands.CommandSpawnError] = true;

  constructor(command: string, cause: unknown) {
    super(`[dispatch] cannot start command ${command}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "CommandSpawnError";
    this.command = command;
  }
}

/** A runner produced more output than `maxOutputBytes`; the process group was killed. */
export class OutputTooLargeError extends Error {
  readonly code = "output-too-large" as const;
  readonly limitBytes: number;
  readonly [brands.OutputTooLargeError] = true;

  constructor(limitBytes: number) {
    super(`[dispatch] runner output exceeded ${limitBytes} bytes`);
    this.name = "OutputTooLargeError";
    this.limitBytes = limitBytes;
  }
}

/** Work was stopped because the run's signal aborted (graceful stop, or `abort-run` after a failure). */
export class DispatchAbortedError extends Error {
  readonly code = "aborted" as const;
  readonly [brands.DispatchAbortedError] = true;

  constructor(message = "run aborted", cause?: unknown) {
    super(`[dispatch] ${message}`, { cause });
    this.name = "DispatchAbortedError";
  }
}

/** One problem in the options given to a dispatch factory. */
export interface OptionsProblem {
  path: string;
  message: string;
}

/** Options given to `createDispatchController` or a runner/sink factory are invalid. */
export class DispatchOptionsError extends Error {
  readonly code = "invalid-options" as const;
  readonly problems: readonly OptionsProblem[];
  readonly [brands.DispatchOptionsError] = true;

  constructor(what: string, problems: readonly OptionsProblem[], cause?: unknown) {
    super(
      [`[dispatch] invalid ${what} options:`, ...problems.map((p) => `  - ${p.path || "(root)"}: ${p.message}`)].join("\n"),
      { cause },
    );
    this.name = "DispatchOptionsError";
    this.problems = problems;
  }
}

/** The permanent failure the simulated runner draws with `permanentFailureRate`. */
export class SimulatedFailureError extends Error {
  readonly code = "simulated-failure" as const;
  readonly nodeId: string;
  readonly attempt: number;
  readonly [brands.SimulatedFailureError] = true;

  constructor(nodeId: string, attempt: number) {
    super(`[dispatch] simulated permanent failure of ${nodeId} (attempt ${attempt})`);
    this.name = "SimulatedFailureError";
    this.nodeId = nodeId;
    this.attempt = attempt;
  }
}

/** A handoff sink could not record an entry (GitHub refused, the ledger could not be written). */
export class HandoffError extends Error {
  readonly code = "handoff-failed" as const;
  readonly nodeId: string;
  readonly [brands.HandoffError] = true;

  constructor(nodeId: string, cause: unknown) {
    super(`[dispatch] handoff for ${nodeId} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "HandoffError";
    this.nodeId = nodeId;
  }
}

/** The handoff ledger holds a line of a format version this version cannot read (written by a newer hybrid). */
export class LedgerFormatError extends Error {
  readonly code = "ledger-format" as const;
  readonly path: string;
  readonly version: unknown;
  readonly [brands.LedgerFormatError] = true;

  constructor(path: string, version: unknown) {
    super(`[dispatch] handoff ledger ${path} has a line of format version ${JSON.stringify(version)}; this version reads only version 1 (upgrade hybrid)`);
    this.name = "LedgerFormatError";
    this.path = path;
    this.version = version;
  }
}

/** `resume` was asked to continue a run whose journal belongs to another plan (and `force` is off). */
export class ResumeMismatchError extends Error {
  readonly code = "resume-mismatch" as const;
  readonly runId: string;
  readonly [brands.ResumeMismatchError] = true;

  constructor(runId: string, message: string, cause?: unknown) {
    super(`[dispatch] cannot resume run ${runId}: ${message}`, { cause });
    this.name = "ResumeMismatchError";
    this.runId = runId;
  }
}

/**
 * The GitHub sink cannot tell its own handoff comments from anybody else's: `GET /user` refused the
 * token (401/403/404: a GitHub App's installation token, say) and no `identity` was configured.
 * It then neither searches nor posts (a restart could not find its comment, and it must never
 * believe a marker someone else wrote); the handoff goes to the fallback with this error.
 */
export class GitHubIdentityError extends Error {
  readonly code = "identity-unknown" as const;
  /** What `GET /user` answered. */
  readonly userStatus: number;
  readonly [brands.GitHubIdentityError] = true;

  constructor(userStatus: number, cause?: unknown) {
    super(
      `[dispatch] GitHub sink: cannot tell its own handoff comments from others' (GET /user answered ${userStatus}), so it posts no handoff comment (its fallback records them); set \`identity\` to the login it posts as (a GitHub App: \`<app>[bot]\`)`,
      { cause },
    );
    this.name = "GitHubIdentityError";
    this.userStatus = userStatus;
  }
}

/** A runner resolved with something that is not a valid `AgentResult`: a permanent failure of that node. */
export class InvalidAgentResultError extends Error {
  readonly code = "invalid-result" as const;
  /** Never retried: the same runner would return the same kind of thing. */
  readonly transient = false as const;
  readonly nodeId: string;
  readonly problems: readonly OptionsProblem[];
  readonly [brands.InvalidAgentResultError] = true;

  constructor(nodeId: string, problems: readonly OptionsProblem[]) {
    super(
      `[dispatch] the runner returned an invalid result for node "${nodeId}": ` +
        problems.map((p) => `${p.path || "(result)"}: ${p.message}`).join("; "),
    );
    this.name = "InvalidAgentResultError";
    this.nodeId = nodeId;
    this.problems = problems;
  }
}

export const isInvalidAgentResultError = (e: unknown): e is InvalidAgentResultError => hasBrand(e, brands.InvalidAgentResultError);
export const isCommandFailedError = (e: unknown): e is CommandFailedError => hasBrand(e, brands.CommandFailedError);
export const isCommandSpawnError = (e: unknown): e is CommandSpawnError => hasBrand(e, brands.CommandSpawnError);
export const isOutputTooLargeError = (e: unknown): e is OutputTooLargeError => hasBrand(e, brands.OutputTooLargeError);
export const isDispatchAbortedError = (e: unknown): e is DispatchAbortedError => hasBrand(e, brands.DispatchAbortedError);
export const isDispatchOptionsError = (e: unknown): e is DispatchOptionsError => hasBrand(e, brands.DispatchOptionsError);
export const isSimulatedFailureError = (e: unknown): e is SimulatedFailureError =>
  hasBrand(e, brands.SimulatedFailureError);
export const isHandoffError = (e: unknown): e is HandoffError => hasBrand(e, brands.HandoffError);
export const isLedgerFormatError = (e: unknown): e is LedgerFormatError => hasBrand(e, brands.LedgerFormatError);
export const isGitHubIdentityError = (e: unknown): e is GitHubIdentityError => hasBrand(e, brands.GitHubIdentityError);
export const isResumeMismatchError = (e: unknown): e is ResumeMismatchError => hasBrand(e, brands.ResumeMismatchError);

/** Parses `input` with `schema`, turning a ZodError into a `DispatchOptionsError` naming each path. */
export function parseOptions<S extends z.ZodType>(what: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message }));
  throw new DispatchOptionsError(what, problems, result.error);
}
