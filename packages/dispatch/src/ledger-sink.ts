import { mkdir, open, truncate } from "node:fs/promises";
import { resolve } from "node:path";
import { checkedRedact, withFileLock } from "@hybrid/resilience";
import { z } from "zod";
import { LedgerFormatError, parseOptions } from "./errors.js";
import { untilAborted } from "./abort.js";
import { RedactOptionSchema } from "./handoff-support.js";
import type { HandoffEntry, HandoffSink } from "./handoff.js";

/** Options of `createLedgerSink`. */
export const LedgerSinkOptionsSchema = z.strictObject({
  /** Directory of `ledger.jsonl` (created when missing). @default ".hybrid" */
  dir: z.string().min(1).default(".hybrid"),
  /** Applied to every text written (summary, agent, fallback reason; not the key or ids). Required. */
  redact: RedactOptionSchema,
  /** How long a record waits for another process that holds the ledger's lock. @default 30000 */
  lockWaitMs: z.number().int().nonnegative().default(30_000),
});

export type LedgerSinkOptions = z.input<typeof LedgerSinkOptionsSchema>;

/** The ledger's format version, carried by every line. */
export const LEDGER_FORMAT_VERSION = 1;

/** One line of `ledger.jsonl`. */
export interface LedgerRecord {
  /** Format version ({@link LEDGER_FORMAT_VERSION}). */
  v: number;
  /** The dispatch's idempotency key: one line per key. */
  idempotencyKey: string;
  runId: string;
  nodeId: string;
  agent: string;
  at: number;
  summary: string;
  issue?: HandoffEntry["issue"];
  /** Why this handoff is here and not where it was meant to go (the GitHub error), when it fell back. */
  fallbackReason?: string;
  url: string;
}

const NEWLINE = 0x0a;

/** What one process knows of the ledger file: the keys of its complete lines, and how far it has read. */
interface LedgerView {
  urls: Map<string, string>;
  /** Bytes of complete lines read so far. */
  offset: number;
}

/** Reads the lines appended since `view.offset`; returns the size of the file (past `offset`: a torn last line). */
async function catchUp(path: string, view: LedgerView): Promise<number> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return 0;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    // Shorter than what we read: replaced or cut by hand. Read it again from the start.
    if (size < view.offset) {
      view.urls.clear();
      view.offset = 0;
    }
    if (size === view.offset) return size;
    const buffer = Buffer.alloc(size - view.offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, view.offset);
    const end = buffer.lastIndexOf(NEWLINE, bytesRead - 1) + 1;
    for (const line of buffer.subarray(0, end).toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      let record: Partial<LedgerRecord>;
      try {
        record = JSON.parse(line) as Partial<LedgerRecord>;
      } catch {
        continue; // a line torn by a crash and later followed by others: it recorded nothing
      }
      if (record.v === undefined || typeof record.idempotencyKey !== "string" || typeof record.url !== "string") continue; // before keys
      if (record.v !== LEDGER_FORMAT_VERSION) throw new LedgerFormatError(path, record.v);
      if (!view.urls.has(record.idempotencyKey)) view.urls.set(record.idempotencyKey, record.url);
    }
    view.offset += end;
    return view.offset + (bytesRead - end);
  } finally {
    await handle.close();
  }
}

/**
 * The offline handoff sink: one JSON line per idempotency key in `<dir>/ledger.jsonl`, fsynced. Its
 * URL is `ledger://<absolute path>#<key, URI-encoded>`. Recording a key again (a retry, a restart,
 * another process) returns the first URL; a new key (a forced re-run of a changed node) records a
 * new line with its new summary. Processes that share the directory append under the ledger's file
 * lock and re-read the ledger under it before deciding, so no key is written twice and no line is
 * lost; a torn last line (a writer died mid-append) is never extended, and cut only under the lock.
 * Lines written before keys existed (no `v`) are kept but not matched.
 *
 * @example
 * const sink = createLedgerSink({ dir: ".hybrid", redact });
 */
export function createLedgerSink(options: LedgerSinkOptions): HandoffSink & { readonly path: string } {
  const config = parseOptions("ledger sink", LedgerSinkOptionsSchema, options);
  const redact = checkedRedact(config.redact, "ledger sink redact");
  const dir = resolve(config.dir);
  const path = resolve(dir, "ledger.jsonl");
  const view: LedgerView = { urls: new Map(), offset: 0 };
  let queue: Promise<unknown> = Promise.resolve();

  const append = async (entry: HandoffEntry, signal: AbortSignal | undefined): Promise<{ url: string }> => {
    const known = view.urls.get(entry.idempotencyKey);
    if (known !== undefined) return { url: known };
    signal?.throwIfAborted();
    const record: LedgerRecord = {
      v: LEDGER_FORMAT_VERSION,
      idempotencyKey: entry.idempotencyKey,
      runId: entry.runId,
      nodeId: entry.nodeId,
      agent: redact(entry.agent),
      at: entry.at,
      summary: redact(entry.summary),
      ...(entry.issue ? { issue: { owner: entry.issue.owner, repo: entry.issue.repo, number: entry.issue.number } } : {}),
      ...(entry.fallbackReason !== undefined ? { fallbackReason: redact(entry.fallbackReason) } : {}),
      url: `ledger://${path}#${encodeURIComponent(entry.idempotencyKey)}`,
    };
    await mkdir(dir, { recursive: true });
    return withFileLock(
      path,
      async (lock) => {
        // Another process may have recorded this key since we last looked.
        const size = await catchUp(path, view);
        const existing = view.urls.get(entry.idempotencyKey);
        if (existing !== undefined) return { url: existing };
        signal?.throwIfAborted();
        lock.assertHeld();
        // Under the lock nobody else is appending: bytes after the last newline are a dead writer's torn line.
        if (size > view.offset) await truncate(path, view.offset);
        const line = `${JSON.stringify(record)}\n`;
        const handle = await open(path, "a");
        try {
          await handle.write(line);
          await handle.sync();
        } finally {
          await handle.close();
        }
        view.offset += Buffer.byteLength(line);
        view.urls.set(entry.idempotencyKey, record.url);
        return { url: record.url };
      },
      { what: `handoff ledger ${path}`, waitMs: config.lockWaitMs },
    );
  };

  return {
    path,
    record(entry, recordOptions = {}) {
      const { signal } = recordOptions;
      if (signal?.aborted) return Promise.reject(signal.reason as unknown);
      // One record at a time in this process (the lock orders processes); a second record of a key
      // then finds the first one's line. An aborted caller stops waiting; its turn writes nothing.
      const result = queue.then(() => append(entry, signal));
      queue = result.catch(() => undefined);
      return untilAborted(result, signal);
    },
  };
}
