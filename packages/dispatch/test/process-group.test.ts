import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { processStartTime } from "@hybrid/resilience";
import { liveGroupMembers } from "@hybrid/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { isProcessGroupAlive, processGroupHasLiveMembers, signalProcessGroup, stopProcessGroup } from "../src/process-group.js";
import type { AgentProcess } from "../src/runner.js";
import { alive, eventually, tempDir } from "./helpers.js";

// Every group a test starts, killed at the end whatever happened.
const groups = new Set<number>();
afterAll(() => {
  for (const pgid of groups) signalProcessGroup(pgid, "SIGKILL");
});

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once("exit", (code, signal) => resolve({ code, signal }));
  });

/** A detached shell running `script`: the leader of its own group, as a command agent is. */
function group(script: string): { child: ChildProcess; agent: AgentProcess } {
  const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
  const pid = child.pid!;
  groups.add(pid);
  const startTime = processStartTime(pid);
  return { child, agent: { pid, pgid: pid, hostname: hostname(), ...(startTime !== undefined ? { startTime } : {}) } };
}

/** Resolves `promise` and reads the group's live members at that very moment. */
const settleAndProbe = <T>(promise: Promise<T>, pgid: number): Promise<{ value: T; members: number[] }> =>
  promise.then((value) => ({ value, members: liveGroupMembers(pgid) }));

describe("isProcessGroupAlive", () => {
  it("is true for a live group with its leader's start time, undefined on another host, false once dead", async () => {
    const { child, agent } = group("sleep 60");
    expect(isProcessGroupAlive(agent)).toBe(true);
    expect(isProcessGroupAlive({ ...agent, hostname: `not-${hostname()}` })).toBeUndefined();
    expect(isProcessGroupAlive({ pid: agent.pid, pgid: agent.pgid, hostname: agent.hostname })).toBe(true);
    signalProcessGroup(agent.pgid, "SIGKILL");
    await exited(child);
    expect(isProcessGroupAlive(agent)).toBe(false);
  });

  it("treats a live leader with another start time as a reused pid: not ours, and stopProcessGroup leaves it alone", async () => {
    const { agent } = group("exec sleep 60");
    await eventually(() => liveGroupMembers(agent.pgid).length === 1);
    const reused = { ...agent, startTime: String(Number(agent.startTime ?? 0) + 1) };
    expect(isProcessGroupAlive(reused)).toBe(false);
    expect(await stopProcessGroup(reused, { graceMs: 10 })).toBe("gone");
    expect(alive(agent.pid)).toBe(true);
    expect(liveGroupMembers(agent.pgid)).toEqual([agent.pid]);
  });

  it("is true for a group whose leader exited while a member lives on (the pgid cannot be reused meanwhile)", async () => {
    const { child, agent } = group("sleep 60 & exit 0");
    await exited(child);
    expect(alive(agent.pid)).toBe(false);
    expect(liveGroupMembers(agent.pgid)).toHaveLength(1);
    expect(isProcessGroupAlive(agent)).toBe(true);
  });

  it("counts a group whose only member is an unreaped zombie as dead", async () => {
    // A parent outside the group that never reaps its child: the child leads a group and exits.
    const parent = spawn("python3", ["-c", "import os,sys,time\npid=os.fork()\nif pid==0:\n  os.setpgid(0,0)\n  os._exit(0)\nprint(pid,flush=True)\ntime.sleep(60)"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const zombie = await new Promise<number>((resolve) => parent.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    try {
      await eventually(() => execFileSync("ps", ["-o", "stat=", "-p", String(zombie)], { encoding: "utf8" }).trim().startsWith("Z"));
      expect(signalProcessGroup(zombie, 0)).toBe(true);
      expect(processGroupHasLiveMembers(zombie)).toBe(false);
      expect(await stopProcessGroup({ pid: zombie, pgid: zombie, hostname: hostname() }, { graceMs: 10 })).toBe("gone");
    } finally {
      parent.kill("SIGKILL");
    }
  });
});

describe("stopProcessGroup", () => {
  it("SIGTERMs, then SIGKILLs a group that ignores SIGTERM, and resolves only once no member lives", async () => {
    const { agent } = group("trap '' TERM; (trap '' TERM; exec sleep 60) & sleep 60 & wait");
    await eventually(() => liveGroupMembers(agent.pgid).length >= 3);
    const members = liveGroupMembers(agent.pgid);
    const { value, members: left } = await settleAndProbe(stopProcessGroup(agent, { graceMs: 100, pollMs: 5 }), agent.pgid);
    expect(value).toBe("stopped");
    expect(left).toEqual([]);
    expect(members.some(alive)).toBe(false);
  });

  it("says gone for a dead group and other-host for a group elsewhere", async () => {
    const { child, agent } = group("exit 0");
    await exited(child);
    expect(await stopProcessGroup(agent, { graceMs: 10 })).toBe("gone");
    const live = group("sleep 60");
    expect(await stopProcessGroup({ ...live.agent, hostname: `not-${hostname()}` }, { graceMs: 10 })).toBe("other-host");
    expect(alive(live.agent.pid)).toBe(true);
  });
});

