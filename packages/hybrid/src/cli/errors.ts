// The CLI's own errors, and the one place that decides which exit code any error means. Library
// errors keep their messages (they already name the file, the path and the problem); the CLI only
// classifies them by their brand guards, so two installed copies still classify alike.
import { isPathOutsideRepoError } from "@hybrid/context";
import { isDispatchOptionsError } from "@hybrid/dispatch";
import { isGraphValidationError, isWorkflowLoadError } from "@hybrid/graph";
import { isInvalidRunIdError, isJournalCorruptError, isJournalVersionError, isLockedError, isPlanMismatchError } from "@hybrid/resilience";
import { isInvalidScheduleOptionsError } from "@hybrid/scheduler";
import { isRunStoreCorruptError, isTelemetryOptionsError } from "@hybrid/telemetry";
import { isConfigError } from "../config-errors.js";
import { isOrchestratorOptionsError, isRunNotFoundError } from "../orchestrator-errors.js";
import { isRolloutError, isRolloutStateError } from "../rollout-errors.js";
import { EXIT } from "./exit-codes.js";

const cliErrorBrand = Symbol.for("hybrid.hybrid.CliError");

/** One located problem, as the library errors carry them. */
export interface CliProblem {
  code: string;
  path: string;
  message: string;
}

/** An error of the CLI itself: bad usage, a file in the way, a run id already taken. */
export class CliError extends Error {
  readonly code: "usage" | "files-exist" | "run-exists" | "doc-path" | "run-options" | "model-options" | "redis-unreachable";
  readonly exitCode: number;
  readonly problems: readonly CliProblem[];
  /** The file the problems are in, when there is one. */
  readonly file: string | undefined;
  readonly [cliErrorBrand] = true;

  constructor(code: CliError["code"], message: string, options: { problems?: readonly CliProblem[]; file?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message.startsWith("[hybrid]") ? message : `[hybrid] ${message}`, { cause: options.cause });
    this.name = "CliError";
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT.usage;
    this.problems = options.problems ?? [];
    this.file = options.file;
  }
}

/** Whether `value` is a `CliError` (from any installed copy of this package). */
export const isCliError = (value: unknown): value is CliError =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[cliErrorBrand] === true;

/** Bad input of any kind the libraries report: the user fixes a file or an option. */
const BAD_INPUT: ReadonlyArray<(error: unknown) => boolean> = [
  isWorkflowLoadError,
  isGraphValidationError,
  isConfigError,
  isInvalidRunIdError,
  isPathOutsideRepoError,
  isRunNotFoundError,
  isRolloutStateError,
  isOrchestratorOptionsError,
  isInvalidScheduleOptionsError,
  isDispatchOptionsError,
  isTelemetryOptionsError,
  isRunStoreCorruptError,
  isJournalVersionError,
  isJournalCorruptError,
];

/** The exit code an error means. */
export function exitCodeOf(error: unknown): number {
  if (isCliError(error)) return error.exitCode;
  if (isPlanMismatchError(error) || isLockedError(error)) return EXIT.refused;
  if (isRolloutError(error)) return EXIT.failed;
  if (BAD_INPUT.some((matches) => matches(error))) return EXIT.usage;
  return EXIT.failed;
}

/** What `--json` prints for an error: its code, message, and located problems when it has them. */
export function errorDocument(error: unknown): { error: { code: string; exitCode: number; message: string; file?: string; problems?: unknown } } {
  const exitCode = exitCodeOf(error);
  if (!(error instanceof Error)) return { error: { code: "unknown", exitCode, message: String(error) } };
  const { code, file, problems, reasons } = error as Error & { code?: unknown; file?: unknown; problems?: unknown; reasons?: unknown };
  const listed = Array.isArray(problems) && problems.length > 0 ? problems : Array.isArray(reasons) ? reasons : undefined;
  return {
    error: {
      code: typeof code === "string" ? code : error.name,
      exitCode,
      message: error.message,
      ...(typeof file === "string" ? { file } : {}),
      ...(listed ? { problems: listed } : {}),
    },
  };
}
