import { mkdir, open, readFile, readdir, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { CheckpointStore, JournalRead, RunLock } from "./checkpoint-store.js";
import { LockedError } from "./errors.js";
import { acquireFileLock } from "./file-lock.js";
import type { FileLock } from "./file-lock.js";
import type { JournalEvent } from "./journal-events.js";
import { formatLine, scanJournal } from "./journal-format.js";
import { currentProcess } from "./process-identity.js";
import type { Redact } from "./prepare-event.js";
import { checkedRedact, prepareEvent } from "./prepare-event.js";
import { assertValidRunId, isValidRunId } from "./run-id.js";

/** Options of {@link createFileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /** State directory; journals go to `<dir>/runs/<runId>/journal.jsonl`. */
  dir: string;
  /**
   * Applied to the free text of every event (outputs, error messages, URLs) before it is written.
   * Required: a journal is an artifact on disk. Pass `@hybrid/context`'s `redact`, or an identity
   * function to write text in clear on purpose.
   */
  redact: Redact;
  /** A run's writer that stops refreshing its lock for this long (hung, or died on another host) loses it. @default 10000 */
  staleMs?: number;
  /** Told when a torn tail is cut off before the first append to an existing journal. @default ignore */
  onWarning?: (message: string) => void;
}

interface Pending {
  event: JournalEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// One writer per run and store. Appends queue up while a write+fsync is in flight and then go out
// together (group commit): one fsync per batch, yet no append resolves before its own bytes are on
// disk. It writes only while its process holds the run's lock.
class RunWriter {
  private handle: FileHandle | undefined;
  private lastSeq = 0;
  private needsNewline = false;
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly lock: () => Promise<FileLock>,
    private readonly onWarning: (message: string) => void,
  ) {}

  enqueue(event: JournalEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  async close(): Promise<void> {
    while (this.draining) await this.draining;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      const firstSeq = this.lastSeq;
      try {
        (await this.lock()).assertHeld();
        const handle = await this.ensureOpen();
        let text = this.needsNewline ? "\n" : "";
        for (const pending of batch) text += formatLine(++this.lastSeq, pending.event);
        await handle.write(text);
        // fdatasync: the bytes and the file size needed to read them back; mtime may lag, which is harmless.
        await handle.datasync();
        this.needsNewline = false;
        for (const pending of batch) pending.resolve();
      } catch (error) {
        // The file may hold part of the batch; reopening rescans it and cuts the torn tail.
        this.lastSeq = firstSeq;
        await this.handle?.close().catch(() => undefined);
        this.handle = undefined;
        for (const pending of batch) pending.reject(error);
      }
    }
    this.draining = undefined;
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(this.dir, { recursive: true });
    const handle = await open(this.file, "a+");
    try {
      const text = (await handle.readFile()).toString("utf8");
      const scan = scanJournal(this.file, text);
      if (scan.goodBytes < Buffer.byteLength(text, "utf8")) {
        // We hold the run's lock, so no one else is writing: a torn tail is a dead writer's, and it
        // would become a corrupt middle line once we append after it. Cut it first.
        for (const warning of scan.warnings) this.onWarning(`${warning}; truncated before appending`);
        await handle.truncate(scan.goodBytes);
      }
      this.lastSeq = scan.lastSeq;
      this.needsNewline = scan.needsNewline;
      if (text === "") await syncDirectory(this.dir);
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
    return handle;
  }
}

// A new file's directory entry must be durable too, or a crash can lose the whole journal.
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the file's own fsync is the best we get.
  } finally {
    await handle?.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ENOENT";
}

/**
 * The default store: `<dir>/runs/<runId>/journal.jsonl`, one checksummed, versioned event a line
 * (see docs/journal.md), appended and fsynced before `append` resolves. One process writes a run at
 * a time: the writer holds the run's lock (`lock(runId)`, or taken by the first append and held until
 * `close()`); a second process gets `LockedError` naming the holder.
 * @example const store = createFileCheckpointStore({ dir: ".hybrid", redact });
 */
export function createFileCheckpointStore(options: FileCheckpointStoreOptions): CheckpointStore {
  const runsDir = join(options.dir, "runs");
  const redact = checkedRedact(options.redact, "createFileCheckpointStore redact");
  const onWarning = options.onWarning ?? (() => undefined);
  const writers = new Map<string, RunWriter>();
  const locks = new Map<string, Promise<FileLock>>();
  const journalFile = (runId: string): string => join(runsDir, runId, "journal.jsonl");

  // The run's lock, taken once per store; a failed attempt is forgotten so a later call may retry.
  const lockOf = (runId: string): Promise<FileLock> => {
    let pending = locks.get(runId);
    if (!pending) {
      pending = acquireFileLock(journalFile(runId), { what: `run ${runId}`, ...(options.staleMs !== undefined ? { staleMs: options.staleMs } : {}) });
      locks.set(runId, pending);
      pending.catch(() => locks.delete(runId));
    }
    return pending;
  };

  const release = async (runId: string): Promise<void> => {
    const pending = locks.get(runId);
    if (!pending) return;
    await writers.get(runId)?.close();
    writers.delete(runId);
    locks.delete(runId);
    await (await pending.catch(() => undefined))?.release();
  };

  return {
    append(runId, event) {
      try {
        assertValidRunId(runId);
        const prepared = prepareEvent(runId, event, redact);
        let writer = writers.get(runId);
        if (!writer) {
          writer = new RunWriter(join(runsDir, runId), journalFile(runId), () => lockOf(runId), onWarning);
          writers.set(runId, writer);
        }
        return writer.enqueue(prepared);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async read(runId): Promise<JournalRead> {
      assertValidRunId(runId);
      const file = journalFile(runId);
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        if (isMissing(error)) return { events: [], warnings: [] };
        throw error;
      }
      const { events, warnings } = scanJournal(file, text);
      return { events, warnings };
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(runsDir);
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
      const found: string[] = [];
      for (const name of names.filter(isValidRunId)) {
        try {
          if ((await stat(journalFile(name))).isFile()) found.push(name);
        } catch {
          // A directory without a journal (or a stray file) is not a run.
        }
      }
      return found.sort();
    },
    async lock(runId): Promise<RunLock> {
      assertValidRunId(runId);
      const existing = locks.get(runId);
      // Held already through this store (another resume in this process, or an earlier append).
      if (existing && (await existing.then(() => true, () => false))) {
        throw new LockedError(journalFile(runId), `run ${runId}`, { ...currentProcess(), acquiredAt: Date.now() });
      }
      const held = await lockOf(runId);
      return {
        // Only this lock: after it was released, the run may be locked again through this store.
        release: async () => {
          if ((await locks.get(runId)?.catch(() => undefined)) === held) await release(runId);
        },
      };
    },
    async close() {
      await Promise.all([...new Set([...writers.keys(), ...locks.keys()])].map((runId) => release(runId)));
    },
  };
}
