// State directories on a RAM disk: every journal append is fdatasync'ed, and hundreds of runs on a
// disk would measure the disk. The directory is reached through a link in the suite's scratch
// directory (so observability finds it while the scratch exists) and removed when the process exits,
// unless the scratch directory is still there then (`--keep`).
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/** `<workDir>/<name>`: a link to a fresh directory under /dev/shm when there is one, else a plain directory. */
export function ramStateDir(workDir: string, name: string): string {
  const link = join(workDir, name);
  const shm = (() => {
    try {
      return statSync("/dev/shm").isDirectory();
    } catch {
      return false;
    }
  })();
  if (!shm) {
    mkdirSync(link, { recursive: true });
    return link;
  }
  const target = mkdtempSync(join("/dev/shm", `hybrid-acceptance-${name}-`));
  symlinkSync(target, link, "dir");
  process.once("exit", () => {
    if (!existsSync(workDir)) rmSync(target, { recursive: true, force: true });
  });
  return link;
}
