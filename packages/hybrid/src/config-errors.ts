// The errors of loading a configuration. One class: every way a configuration can be wrong (a
// missing file, bad YAML, a bad key, a bad environment variable, a bad provider value) is reported
// at once as a list of located problems, so one run of `hybrid flags` shows them all.

/** One thing wrong with the configuration, located as precisely as its origin allows. */
export interface ConfigProblem {
  /** Dot path of the key (`rollout.percentage`, `concurrency.caps.security`); `""` is the whole document. */
  path: string;
  message: string;
  /** The file the problem is in (the config file, or the rollout state file). */
  file?: string;
  /** 1-based line and column in `file`, when the problem came from its text. */
  line?: number;
  column?: number;
  /** The environment variable the bad value came from. */
  variable?: string;
  /** The OpenFeature flag the bad value came from. */
  flag?: string;
}

const configErrorBrand = Symbol.for("hybrid.hybrid.ConfigError");

function describe(problem: ConfigProblem): string {
  const at = [problem.file, problem.line === undefined ? undefined : `${problem.line}:${problem.column ?? 1}`].filter(Boolean).join(":");
  const origin = problem.variable ?? (problem.flag === undefined ? undefined : `flag ${problem.flag}`) ?? at;
  return `${origin ? `${origin} ` : ""}${problem.path === "" ? "(document)" : problem.path}: ${problem.message}`;
}

/**
 * Thrown by `loadConfig` (and `selectStrategy` on a bad config): `problems` lists every problem,
 * each with its key path and, when it came from the file, its line and column.
 * `code` is `config-not-found` when an explicitly given file does not exist, else `invalid-config`.
 */
export class ConfigError extends Error {
  readonly code: "invalid-config" | "config-not-found";
  readonly problems: readonly ConfigProblem[];
  /** The config file, when one was read. */
  readonly file: string | undefined;
  readonly [configErrorBrand] = true;

  constructor(problems: readonly ConfigProblem[], options: { file?: string | undefined; code?: ConfigError["code"]; cause?: unknown } = {}) {
    const count = problems.length;
    const head = `[hybrid] invalid configuration${options.file ? ` ${options.file}` : ""}: ${count} problem${count === 1 ? "" : "s"}`;
    const shown = problems.slice(0, 20).map((problem) => `  - ${describe(problem)}`);
    if (count > shown.length) shown.push(`  … and ${count - shown.length} more`);
    super([head, ...shown].join("\n"), { cause: options.cause });
    this.name = "ConfigError";
    this.code = options.code ?? "invalid-config";
    this.problems = problems;
    this.file = options.file;
  }
}

/** Whether `value` is a `ConfigError` (from any installed copy of this package). */
export const isConfigError = (value: unknown): value is ConfigError =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[configErrorBrand] === true;
