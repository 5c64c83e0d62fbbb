import { mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import {
  InvalidRunRecordError,
  RunStoreCorruptError,
  RunStoreLockError,
  TelemetryOptionsError,
  zodProblems,
  type CorruptLine,
} from "./errors.js";
import { lockFile, type HeldLock } from "./file-lock.js";
import { redactDeep, redactOption } from "./redact.js";
import { RunRecordSchema, type RunRecord } from "./run-record.js";
import type { RunRecordSink } from "./telemetry.js";

const time = z.union([z.number(), z.date().transform((d) => d.getTime()), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);

/** Filter of `query`: on `startedAt` (`from` inclusive, `to` exclusive) and on exact fields. */
export const RunQuerySchema = z.object({
  /** Epoch ms, Date or ISO date-time. */
  from: time.optional(),
  /** Epoch ms, Date or ISO date-time (exclusive). */
  to: time.optional(),
  mode: z.enum(["sequential", "hybrid"]).optional(),
  workflowId: z.string().optional(),
  taskType: z.string().optional(),
});
export type RunQuery = z.input<typeof RunQuerySchema>;

/** Options of `createJsonlRunStore`. */
export const JsonlRunStoreOptionsSchema = z.object({
  /** Directory that holds `runs.jsonl`; created on first append. */
  dir: z.string().min(1),
  /** Applied to every string of a record before it is written. Required: pass a redactor, or `(text) => text` to opt out visibly. */
  redact: redactOption("createJsonlRunStore"),
  /** Longest wait (ms) for another writer (process) to let go of `runs.jsonl.lock` before `append` fails. @default 30000 */
  lockWaitMs: z.number().int().min(0).max(600_000).default(30_000),
  /** Receives warnings such as a torn last line. @default process.emitWarning */
  onWarning: z
    .custom<(message: string) => void>((v) => typeof v === "function")
    .default(() => (message: string) => process.emitWarning(message, { code: "HYBRID_TELEMETRY" })),
});
export type JsonlRunStoreOptions = z.input<typeof JsonlRunStoreOptionsSchema>;

/** Every line of the store, read without throwing: what `validateRunRecords` works from. */
export interface RunStoreScan {
  file: string;
  records: { line: number; record: RunRecord }[];
  /** Lines before the last that are not JSON or not a valid record (`value`: the parsed JSON, if any). */
  invalid: (CorruptLine & { value?: unknown })[];
  /** The last line when it is incomplete (a write cut short); ignored. */
  tornTail: CorruptLine | undefined;
}

/** Run records, one JSON document a line in `<dir>/runs.jsonl`. Also a `RunRecordSink`. */
export interface JsonlRunStore extends RunRecordSink {
  readonly file: string;
  /** Validates, redacts, then under the file's lock appends one line and fsyncs before resolving. */
  append(record: RunRecord): Promise<void>;
  /** Records matching the filter, in file order; throws `RunStoreCorruptError` on a bad line. */
  query(filter?: RunQuery): Promise<RunRecord[]>;
  /** Reads every line without throwing. */
  scan(): Promise<RunStoreScan>;
}

/** Offset just after the last newline before `size` (0 when there is none). */
async function afterLastNewline(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const index = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (index >= 0) return start + index + 1;
    end = start;
  }
  return 0;
}

function problemOf(text: string): { reason: string; value?: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = RunRecordSchema.safeParse(value);
  const where = parsed.success ? [] : zodProblems(parsed.error).map((p) => `${p.path}: ${p.message}`);
  return { reason: `not a valid run record: ${where.join("; ")}`, value };
}

/** Test seams: called with the lock held, before anything is written. Not part of the public API. */
export interface RunStoreHooks {
  afterLock?: (lock: HeldLock) => Promise<void>;
}

/**
 * Creates the default file-based run store. Several processes may append to the same file: each
 * append holds `runs.jsonl.lock` (see file-lock.ts), repairs a torn tail only while holding it, and
 * writes its whole line with one `write` plus `fsync`. Readers take no lock and never truncate.
 * @example
 * const store = createJsonlRunStore({ dir: ".hybrid", redact });
 * await store.append(record);
 * const hybridRuns = await store.query({ mode: "hybrid", from: "2025-01-01T00:00:00Z" });
 */
export function createJsonlRunStore(options: JsonlRunStoreOptions): JsonlRunStore {
  return createJsonlRunStoreWith(options, {});
}

/** Appends `bytes` at the end of the file (O_APPEND), looping only on a short write. */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

export function createJsonlRunStoreWith(options: JsonlRunStoreOptions, hooks: RunStoreHooks): JsonlRunStore {
  const parsedOptions = JsonlRunStoreOptionsSchema.safeParse(options ?? {});
  if (!parsedOptions.success) {
    throw new TelemetryOptionsError("createJsonlRunStore", zodProblems(parsedOptions.error), parsedOptions.error);
  }
  const { dir, redact, onWarning, lockWaitMs } = parsedOptions.data;
  const file = join(dir, "runs.jsonl");
  // Appends of one process are queued, so they do not contend for the lock with each other.
  let queue: Promise<unknown> = Promise.resolve();

  /** Cuts a torn tail (a line a crashed writer left unfinished). Only ever called with the lock held. */
  const repairTail = async (handle: FileHandle): Promise<void> => {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    // Under the lock no live writer is mid-line, so this tail was never acknowledged: cut it off, or
    // the new line would be glued onto it and both would be lost.
    const cut = await afterLastNewline(handle, size);
    onWarning(`[telemetry] ${file}: dropped a torn last line (${size - cut} bytes) before appending`);
    await handle.truncate(cut);
  };

  const appendNow = async (record: RunRecord): Promise<void> => {
    const checked = RunRecordSchema.safeParse(redactDeep(record, redact));
    if (!checked.success) {
      throw new InvalidRunRecordError(zodProblems(checked.error), (record as { runId?: string }).runId, checked.error);
    }
    const bytes = Buffer.from(`${JSON.stringify(checked.data)}\n`, "utf8");
    await mkdir(dir, { recursive: true });
    const lock = await lockFile(file, lockWaitMs);
    if (lock === "busy") throw new RunStoreLockError(file, "busy", false);
    try {
      await hooks.afterLock?.(lock);
      const handle = await open(file, "a+");
      try {
        if (lock.lost()) throw new RunStoreLockError(file, "lost", false, lock.lost());
        await repairTail(handle);
        await writeAll(handle, bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Seen only now: the line is on disk, but another writer may have repaired a "torn" tail under it.
      if (lock.lost()) throw new RunStoreLockError(file, "lost", true, lock.lost());
    } finally {
      await lock.release().catch((error: unknown) => {
        onWarning(`[telemetry] ${file}: could not remove ${lock.lockPath} (${(error as Error).message}); it goes stale in 10 s`);
      });
    }
  };

  const scan = async (): Promise<RunStoreScan> => {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { file, records: [], invalid: [], tornTail: undefined };
      throw error;
    }
    const lines = text.split("\n");
    const complete = text.endsWith("\n");
    if (complete || text === "") lines.pop();
    const result: RunStoreScan = { file, records: [], invalid: [], tornTail: undefined };
    lines.forEach((line, index) => {
      if (line.trim() === "") return;
      const number = index + 1;
      const isTail = !complete && index === lines.length - 1;
      let record: RunRecord | undefined;
      try {
        const parsed = RunRecordSchema.safeParse(JSON.parse(line));
        if (parsed.success) record = parsed.data;
      } catch {
        // problemOf below says why
      }
      if (record) {
        result.records.push({ line: number, record });
        return;
      }
      const problem = problemOf(line);
      if (isTail) result.tornTail = { line: number, reason: `torn last line: ${problem.reason}` };
      else result.invalid.push({ line: number, ...problem });
    });
    if (result.tornTail) onWarning(`[telemetry] ${file}:${result.tornTail.line}: ignored a torn last line`);
    return result;
  };

  const append = (record: RunRecord): Promise<void> => {
    const next = queue.then(() => appendNow(record));
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    file,
    append,
    write: append,
    scan,
    async query(filter = {}) {
      const parsed = RunQuerySchema.safeParse(filter);
      if (!parsed.success) throw new TelemetryOptionsError("query", zodProblems(parsed.error), parsed.error);
      const f = parsed.data;
      const result = await scan();
      if (result.invalid.length > 0) throw new RunStoreCorruptError(file, result.invalid.map(({ line, reason }) => ({ line, reason })));
      return result.records
        .map((r) => r.record)
        .filter(
          (r) =>
            (f.from === undefined || r.startedAt >= f.from) &&
            (f.to === undefined || r.startedAt < f.to) &&
            (f.mode === undefined || r.mode === f.mode) &&
            (f.workflowId === undefined || r.workflowId === f.workflowId) &&
            (f.taskType === undefined || r.taskType === f.taskType),
        );
    },
  };
}
