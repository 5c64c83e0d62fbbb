// The offline progress ledger: `<stateDir>/runs/<runId>/progress.md`, replaced atomically.
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Where a run's progress file lives (the run's own directory, next to its journal). */
export const progressFilePath = (stateDir: string, runId: string): string => resolve(stateDir, "runs", runId, "progress.md");

/**
 * Replaces `path` with `text`: written to a temporary file beside it, fsynced, renamed over it,
 * and the directory fsynced, so a reader (or a crash) sees the old file or the new one, never
 * half of one. Returns its `file://` URL.
 */
export async function writeFileAtomically(path: string, text: string): Promise<string> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.progress.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "w");
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  // The rename itself is durable only once the directory is; not every platform can open one.
  const directory = await open(dir, "r").catch(() => undefined);
  await directory?.sync().catch(() => undefined);
  await directory?.close();
  return pathToFileURL(path).href;
}
