// Stops a worker's agent when the worker dies without a chance to (kill -9, OOM, power): BullMQ
// then runs the job elsewhere once the lock expires, and the old agent must not be running too.
// The command runner's own exit hook covers every death but SIGKILL; this covers SIGKILL.
import { spawn } from "node:child_process";
import type { AgentProcess } from "../runner.js";

/**
 * A tiny shell in its own process group reads one line from a pipe only the worker holds. "done"
 * means the agent settled normally; end-of-file means the worker died: the agent's process group
 * gets SIGKILL (its owner is gone, nobody is left to be graceful for). No polling. Before it kills,
 * it checks that the group's leader is still the agent (same start time, /proc/<pid>/stat field 22),
 * so a group id reused by another program is never hit. dash (Debian's /bin/sh) has no `--` in its
 * kill: `-<pgid>` alone names the group.
 */
const WATCH = [
  'IFS= read -r line; [ "$line" = done ] && exit 0',
  'if [ -n "$2" ]; then started=$(sed "s/^.*) //" "/proc/$1/stat" 2>/dev/null | cut -d" " -f20); [ "$started" = "$2" ] || exit 0; fi',
  'kill -KILL "-$1" 2>/dev/null; exit 0',
].join("\n");

export interface Sentinel {
  /** The agent settled: the sentinel exits without touching anything. */
  release(): void;
}

/** Starts a sentinel for an agent's process group; resolves once it is running. */
export function watchAgent(agent: AgentProcess): Promise<Sentinel> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", WATCH, "hybrid-sentinel", String(agent.pgid), agent.pgid === agent.pid ? (agent.startTime ?? "") : ""], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
    child.stdin.on("error", () => {});
    child.once("error", reject);
    child.once("spawn", () => {
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      let released = false;
      resolve({
        release() {
          if (released) return;
          released = true;
          child.stdin.end("done\n");
        },
      });
    });
  });
}
