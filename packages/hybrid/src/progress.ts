// The progress ledger: at every wave boundary the run's state goes to one comment on the epic
// issue, edited in place, and to `<stateDir>/runs/<runId>/progress.md`. It never fails the run.
import { AbortedError, checkedRedact, isAbortedError, isTimeoutError, withTimeout } from "@hybrid/resilience";
import type { ErrorInfo } from "@hybrid/resilience";
import type { z } from "zod";
import { describeGitHubError, raceAbort } from "./github-client.js";
import { parseReportingOptions } from "./progress-errors.js";
import { progressFilePath, writeFileAtomically } from "./progress-file.js";
import { createProgressComments, UnknownIdentityError } from "./progress-github.js";
import { ProgressReporterOptionsSchema, ProgressSnapshotSchema } from "./progress-options.js";
import type { ProgressReporterOptions, ProgressSnapshot } from "./progress-options.js";
import { renderProgress } from "./progress-render.js";

/** What became of one `update`: where the ledger is, and what went wrong, if anything. */
export interface ProgressUpdateResult {
  /** The progress comment's URL, else (offline, or GitHub failed) the `file://` URL of `progress.md`. */
  url?: string;
  /** What failed (redacted): `invalid-snapshot`, `aborted`, `timeout`, `identity-unknown`, `identity-mismatch`, `github-failed`, `file-write-failed`. */
  error?: ErrorInfo;
}

/** Per-call options of `ProgressReporter.update`. */
export interface ProgressUpdateOptions {
  /** Stop waiting: the call resolves with an `aborted` error; the write stops once no caller waits for it. */
  signal?: AbortSignal;
}

/** Shows a run's progress on its epic issue (and in a file); made by {@link createProgressReporter}. */
export interface ProgressReporter {
  /** Writes `snapshot` (coalesced with later ones). Never rejects: a failure comes back as `error`. */
  update(snapshot: ProgressSnapshot, options?: ProgressUpdateOptions): Promise<ProgressUpdateResult>;
  /** Resolves once every update given so far has been written (or has failed). Never rejects. */
  flush(): Promise<void>;
}

type Snapshot = z.output<typeof ProgressSnapshotSchema>;

interface Waiter {
  resolve: (result: ProgressUpdateResult) => void;
  signal: AbortSignal | undefined;
  settled: boolean;
  /** Removes the waiter's abort listener: a run's signal outlives many updates. */
  unlisten: () => void;
  /** Called once the waiter has its result (or has given up): the write checks whether anyone still waits. */
  gone?: () => void;
}

/** A run's newest snapshot not yet written, and every caller waiting for it (or for one it replaced). */
interface Slot {
  snapshot: Snapshot;
  waiters: Waiter[];
}

/**
 * The progress ledger of runs. `update(snapshot)` renders the run's Markdown table (node, agent,
 * status, attempts, handoff link; run id, mode, wave k/n, counts, last update time), redacted,
 * and writes it to `<stateDir>/runs/<runId>/progress.md` (atomically: write, fsync, rename) and,
 * with `github`, to one comment per run on the epic issue, marked `<!-- hybrid:progress run=<runId> -->`:
 * posted once, then edited in place; after a restart a new reporter finds it again by its marker,
 * trusting only comments by the identity. Writes are serialized; snapshots that arrive while one
 * is written are coalesced per run (the latest wins; their callers get its result). Each write is
 * bounded by `timeoutMs` and stops when every caller waiting for it has aborted. Nothing throws
 * into the run: failures come back as `error`, for the orchestrator to log.
 *
 * Not coordinated across processes: two processes reporting one run at the same moment (the run's
 * lock excludes it) could both search, find nothing and post; every later writer then edits the
 * oldest.
 *
 * @throws ReportingOptionsError on invalid options (when it is made, not during a run).
 * @example
 * const progress = createProgressReporter({ stateDir: ".hybrid", redact, github: { auth: token, issue } });
 * const { error } = await progress.update(snapshot);
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const config = parseReportingOptions("progress reporter options", ProgressReporterOptionsSchema, options);
  const redact = checkedRedact(config.redact, "progress reporter redact");
  const comments = config.github ? createProgressComments(config.github) : undefined;
  const pending = new Map<string, Slot>();
  let pumping: Promise<void> | undefined;

  const failure = (code: string, text: string): ErrorInfo => ({ code, message: redact(`[hybrid] progress ledger: ${text}`) });
  const describe = (error: unknown, where: string, otherwise: () => ErrorInfo): ErrorInfo => {
    if (isTimeoutError(error)) return failure("timeout", `${where}: write timed out after ${config.timeoutMs}ms`);
    if (isAbortedError(error)) return failure("aborted", `${where}: write aborted`);
    if (error instanceof UnknownIdentityError) return failure(error.code, error.message.replace(/^\[hybrid\] /, ""));
    return otherwise();
  };

  // One deadline for the file and GitHub together. Each part catches its own failure (a deadline
  // or a stop included: `bound` aborts with a TimeoutError or the AbortedError of `abandonment`).
  const write = (snapshot: Snapshot, signal: AbortSignal): Promise<ProgressUpdateResult> =>
    withTimeout(async (bound) => {
      const body = renderProgress(snapshot, redact);
      const path = progressFilePath(config.stateDir, snapshot.runId);
      let fileUrl: string | undefined;
      let fileError: ErrorInfo | undefined;
      try {
        fileUrl = await raceAbort(writeFileAtomically(path, body), bound);
      } catch (error) {
        fileError = describe(error, path, () => failure("file-write-failed", `${path}: ${(error as Error).message}`));
      }
      if (comments === undefined) return { ...(fileUrl ? { url: fileUrl } : {}), ...(fileError ? { error: fileError } : {}) };
      try {
        const posted = await comments.write(snapshot.runId, body, bound);
        const warning = posted.warning ?? fileError;
        return { url: posted.url, ...(warning ? { error: { ...warning, message: redact(warning.message) } } : {}) };
      } catch (error) {
        return { ...(fileUrl ? { url: fileUrl } : {}), error: describe(error, "GitHub", () => failure("github-failed", describeGitHubError(error))) };
      }
    }, config.timeoutMs, signal);

  const settle = (waiter: Waiter, result: ProgressUpdateResult): void => {
    if (waiter.settled) return;
    waiter.settled = true;
    waiter.unlisten();
    waiter.resolve(result);
    waiter.gone?.();
  };

  // Stopped once every waiter of the write is gone (aborted).
  const abandonment = (waiters: Waiter[]): AbortSignal => {
    const controller = new AbortController();
    const check = (): void => {
      if (waiters.every((w) => w.settled)) controller.abort(new AbortedError({ what: "progress write" }));
    };
    for (const w of waiters) w.gone = check;
    return controller.signal;
  };

  const pump = async (): Promise<void> => {
    for (let next = pending.entries().next(); !next.done; next = pending.entries().next()) {
      const [runId, slot] = next.value;
      pending.delete(runId);
      const live = slot.waiters.filter((w) => !w.settled);
      if (live.length === 0) continue;
      // Nothing may escape into the run, not even a redactor that throws.
      const result = await write(slot.snapshot, abandonment(live)).catch(
        (): ProgressUpdateResult => ({ error: { code: "progress-failed", message: "[hybrid] progress ledger: the write failed unexpectedly (does the redactor throw?)" } }),
      );
      for (const w of live) settle(w, result);
    }
    pumping = undefined;
  };

  return {
    update(snapshot, updateOptions = {}) {
      const { signal } = updateOptions;
      const parsed = ProgressSnapshotSchema.safeParse(snapshot);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
        return Promise.resolve({ error: failure("invalid-snapshot", `invalid snapshot: ${problems}`) });
      }
      if (signal?.aborted) return Promise.resolve({ error: failure("aborted", "update aborted") });
      return new Promise<ProgressUpdateResult>((resolve) => {
        const onAbort = (): void => settle(waiter, { error: failure("aborted", "update aborted") });
        const waiter: Waiter = { resolve, signal, settled: false, unlisten: () => signal?.removeEventListener("abort", onAbort) };
        signal?.addEventListener("abort", onAbort, { once: true });
        const slot = pending.get(parsed.data.runId);
        if (slot) {
          slot.snapshot = parsed.data;
          slot.waiters.push(waiter);
        } else {
          pending.set(parsed.data.runId, { snapshot: parsed.data, waiters: [waiter] });
        }
        pumping ??= pump();
      });
    },
    async flush() {
      while (pumping) await pumping;
    },
  };
}
