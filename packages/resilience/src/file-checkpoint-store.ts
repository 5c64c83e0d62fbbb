import { mkdir, open, readFile, readdir, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { CheckpointStore, JournalRead } from "./checkpoint-store.js";
import type { JournalEvent } from "./journal-events.js";
import { formatLine, scanJournal } from "./journal-format.js";
import type { Redact } from "./prepare-event.js";
import { prepareEvent } from "./prepare-event.js";
import { assertValidRunId, isValidRunId } from "./run-id.js";

/** Options of {@link createFileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /** State directory; journals go to `<dir>/runs/<runId>/journal.jsonl`. */
  dir: string;
  /** Applied to every string value (except identifiers) before it is written. @default identity */
  redact?: Redact;
  /** Told when a torn tail is cut off before the first append to an existing journal. @default ignore */
  onWarning?: (message: string) => void;
}

interface Pending {
  event: JournalEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// One writer per run. Appends queue up while a write+fsync is in flight and then go out together
// (group commit): one fsync per batch, yet no append resolves before its own bytes are on disk.
class RunWriter {
  private handle: FileHandle | undefined;
  private lastSeq = 0;
  private needsNewline = false;
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly onWarning: (message: string) => void,
  ) {}

  enqueue(event: JournalEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async close(): Promise<void> {
    await this.idle();
    await this.handle?.close();
    this.handle = undefined;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      const firstSeq = this.lastSeq;
      try {
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
        // A torn tail would become a corrupt middle line once we append after it: cut it first.
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
  return (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
}

/**
 * The default store: `<dir>/runs/<runId>/journal.jsonl`, one checksummed event a line, appended and
 * fsynced before `append` resolves. One process writes a run at a time.
 * @example const store = createFileCheckpointStore({ dir: ".hybrid", redact: redactSecrets });
 */
export function createFileCheckpointStore(options: FileCheckpointStoreOptions): CheckpointStore {
  const runsDir = join(options.dir, "runs");
  const redact = options.redact ?? ((text: string) => text);
  const onWarning = options.onWarning ?? (() => undefined);
  const writers = new Map<string, RunWriter>();
  const journalFile = (runId: string): string => join(runsDir, runId, "journal.jsonl");

  return {
    append(runId, event) {
      try {
        assertValidRunId(runId);
        const prepared = prepareEvent(runId, event, redact);
        let writer = writers.get(runId);
        if (!writer) {
          writer = new RunWriter(join(runsDir, runId), journalFile(runId), onWarning);
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
    async close() {
      await Promise.all([...writers.values()].map((writer) => writer.close()));
      writers.clear();
    },
  };
}
