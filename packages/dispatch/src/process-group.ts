// Process groups of command agents: whether a recorded group is still ours and alive, how to stop it
// for good, and a hook that kills every live agent group when this process exits or dies of a
// signal. The command runner uses all three; the controller calls `stopProcessGroup` on resume for
// every survivor of a dead orchestrator that the journal names.
import { readFileSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { processStartTime } from "@hybrid/resilience";
import { onExit } from "signal-exit";
import type { AgentProcess } from "./runner.js";

/** What `stopProcessGroup` found: it stopped the group, the group was already gone, or it lives on another host. */
export type StopProcessGroupOutcome = "stopped" | "gone" | "other-host";

/** Options of {@link stopProcessGroup}. */
export interface StopProcessGroupOptions {
  /** Time between SIGTERM and SIGKILL of the group. */
  graceMs: number;
  /** How often the group is checked for members while it dies. @default 20 */
  pollMs?: number;
}

type GroupSignal = "SIGTERM" | "SIGKILL" | 0;

/** Signals every member of group `pgid`; false when the group has no member we may signal. */
export function signalProcessGroup(pgid: number, signal: GroupSignal): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: no member left. EPERM: only members of another user, which cannot be an agent of ours.
    return false;
  }
}

let procfs: boolean | undefined;

/**
 * Whether group `pgid` has a member that still runs. A zombie (dead, not yet reaped by its parent)
 * runs nothing, but `kill(-pgid, 0)` still counts it; where `/proc` exists the members are read from
 * it, so a group whose last members are zombies of a parent that never reaps them counts as dead.
 */
export function processGroupHasLiveMembers(pgid: number): boolean {
  if (!signalProcessGroup(pgid, 0)) return false;
  procfs ??= (() => {
    try {
      readFileSync("/proc/self/stat");
      return true;
    } catch {
      return false;
    }
  })();
  if (!procfs) return true;
  for (const name of readdirSync("/proc")) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name: state (3), ppid (4), pgrp (5).
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3);
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}

/**
 * Whether the process group an agent led is still alive, and still the one recorded: `undefined`
 * for a group on another host (a group id means nothing there). Linux does not reuse a pid while it
 * is the id of a group that has members, so while the group has members, the process with pid ==
 * pgid is either gone (the leader exited, its group lives on) or the leader itself, identified by
 * its recorded start time; a process there with another start time means the group died and the
 * id now belongs to someone else.
 */
export function isProcessGroupAlive(agent: AgentProcess): boolean | undefined {
  if (agent.hostname !== hostname()) return undefined;
  if (!processGroupHasLiveMembers(agent.pgid)) return false;
  if (agent.startTime === undefined) return true;
  const leaderStart = processStartTime(agent.pgid);
  return leaderStart === undefined || leaderStart === agent.startTime;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops an agent's process group for good: SIGTERM to the group, SIGKILL after `graceMs` (repeated
 * while members remain, so a child forked during the grace goes too), and resolves only once the
 * group has no live member. Resolves `"gone"` when the recorded group is not alive (or is not ours
 * any more), `"other-host"` for a group on another machine (nothing can be done from here).
 *
 * @example await stopProcessGroup({ pid: 4242, pgid: 4242, hostname: "ci-1", startTime: "81234" }, { graceMs: 2000 });
 */
export async function stopProcessGroup(agent: AgentProcess, options: StopProcessGroupOptions): Promise<StopProcessGroupOutcome> {
  const alive = isProcessGroupAlive(agent);
  if (alive === undefined) return "other-host";
  if (!alive) return "gone";
  const pollMs = Math.max(1, options.pollMs ?? 20);
  const killAt = Date.now() + options.graceMs;
  let killed = false;
  signalProcessGroup(agent.pgid, "SIGTERM");
  // From here the group has had members at every check, so its id cannot have been reused.
  while (processGroupHasLiveMembers(agent.pgid)) {
    const now = Date.now();
    if (killed || now >= killAt) {
      killed = true;
      signalProcessGroup(agent.pgid, "SIGKILL");
      await sleep(pollMs);
    } else {
      await sleep(Math.min(pollMs, killAt - now));
    }
  }
  return "stopped";
}

// Groups of agents this process started and has not yet seen die, for the exit hook.
const liveGroups = new Set<number>();
let removeExitHook: (() => void) | undefined;

/**
 * Registers a live agent group: while any is registered, an exit hook (signal-exit) SIGKILLs every
 * registered group synchronously when this process exits, or dies of SIGINT/SIGTERM/SIGHUP that
 * nobody else handles (Ctrl-C of a library user), so no agent outlives its orchestrator. Nothing can
 * run on SIGKILL of this process: a resume stops such survivors from the journal. Returns the
 * function that unregisters the group (call it once the group is dead); the hook goes with the last one.
 */
export function trackProcessGroup(pgid: number): () => void {
  liveGroups.add(pgid);
  removeExitHook ??= onExit(() => {
    for (const group of liveGroups) signalProcessGroup(group, "SIGKILL");
  });
  let done = false;
  return () => {
    if (done) return;
    done = true;
    liveGroups.delete(pgid);
    if (liveGroups.size === 0 && removeExitHook !== undefined) {
      removeExitHook();
      removeExitHook = undefined;
    }
  };
}
