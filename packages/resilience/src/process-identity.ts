import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who a process is, well enough to tell it from a later process that got the same pid: the pid, the
 * host, and the kernel's start time of the process (field 22 of `/proc/<pid>/stat`, in clock ticks
 * since boot; absent where there is no `/proc`).
 */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  startTime?: string;
}

/** The kernel's start time of `pid` (Linux), or undefined when it cannot be read (no such process, no /proc). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: split after its last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** This process, as a lock holder or an agent's parent records it. */
export function currentProcess(): ProcessIdentity {
  const startTime = processStartTime(process.pid);
  return { pid: process.pid, hostname: hostname(), ...(startTime !== undefined ? { startTime } : {}) };
}

/**
 * Whether the process `identity` names is still running on this host. A pid that is alive but
 * started at another time is a different process (the pid was reused), so it counts as gone. For
 * another host the answer is unknown: `undefined`.
 */
export function isProcessAlive(identity: ProcessIdentity): boolean | undefined {
  if (identity.hostname !== hostname()) return undefined;
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else; ESRCH: it is gone.
    if ((error as { code?: unknown }).code !== "EPERM") return false;
  }
  if (identity.startTime === undefined) return true;
  const now = processStartTime(identity.pid);
  return now === undefined || now === identity.startTime;
}
