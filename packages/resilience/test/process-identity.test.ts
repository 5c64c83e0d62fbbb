import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { currentProcess, isProcessAlive, processStartTime } from "@hybrid/resilience";

// Field 22 of /proc/<pid>/stat, read here without the package (the command name may hold spaces and parentheses).
function startTimeByHand(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 1).trim().split(/\s+/)[22 - 3]!;
}

function exitedChildPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("process identity", () => {
  it("describes this process by pid, host and kernel start time", () => {
    expect(currentProcess()).toEqual({ pid: process.pid, hostname: hostname(), startTime: startTimeByHand(process.pid) });
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(processStartTime(1)).toBe(startTimeByHand(1));
  });

  it("has no start time for a pid that is not running", () => {
    expect(processStartTime(exitedChildPid())).toBeUndefined();
    expect(processStartTime(2 ** 30)).toBeUndefined();
  });

  it("is alive for this process, with or without a start time", () => {
    expect(isProcessAlive(currentProcess())).toBe(true);
    expect(isProcessAlive({ pid: process.pid, hostname: hostname() })).toBe(true);
    expect(isProcessAlive({ pid: 1, hostname: hostname() })).toBe(true);
  });

  it("counts a reused pid (same pid, another start time) as gone", () => {
    const me = currentProcess();
    expect(isProcessAlive({ ...me, startTime: String(Number(me.startTime) + 1) })).toBe(false);
  });

  it("counts an exited process as gone", () => {
    expect(isProcessAlive({ pid: exitedChildPid(), hostname: hostname() })).toBe(false);
  });

  it("does not know about a process on another host", () => {
    expect(isProcessAlive({ ...currentProcess(), hostname: `not-${hostname()}` })).toBeUndefined();
  });
});
