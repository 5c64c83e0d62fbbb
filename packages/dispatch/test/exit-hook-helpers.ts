// Shared by the exit-hook tests: a child Node process (the "orchestrator", fixtures/orchestrator.ts)
// starts a command agent and reports it; the test then makes the orchestrator die and asks `ps`
// which members of the agent's group are left.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { liveGroupMembers } from "@hybrid/test-utils";
import { afterAll, expect } from "vitest";
import { signalProcessGroup } from "../src/process-group.js";
import type { AgentProcess } from "../src/runner.js";
import { alive, eventually, tempDir } from "./helpers.js";

const script = fileURLToPath(new URL("./fixtures/orchestrator.ts", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));

// Every agent group a test saw, killed at the end whatever happened.
const groups = new Set<number>();
afterAll(() => {
  for (const pgid of groups) signalProcessGroup(pgid, "SIGKILL");
});

export const exited = (child: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once("exit", (code, signal) => resolve({ code, signal }));
  });

/** Starts an orchestrator and waits until its agent and the agent's grandchild run. */
export async function orchestrate(mode: "wait" | "exit"): Promise<{ child: ChildProcess; agent: AgentProcess; grandchild: number; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir();
  const child = spawn(process.execPath, ["--conditions=@hybrid/source", "--import", "tsx", script, mode, dir], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    // Its stdout ends after everything it wrote was read: a line by then is all it will say.
    child.stdout!.once("close", () => reject(new Error("the orchestrator ended before it reported its agent")));
  });
  const { agent, grandchild } = JSON.parse(line) as { agent: AgentProcess; grandchild: number };
  groups.add(agent.pgid);
  return { child, agent, grandchild, cleanup };
}

/** The orchestrator dies of `how` (or exits normally): the agent's whole group must die soon after. */
export async function checkHookKills(how: "SIGINT" | "SIGTERM" | "SIGHUP" | "exit"): Promise<void> {
  const { child, agent, grandchild, cleanup } = await orchestrate(how === "exit" ? "exit" : "wait");
  try {
    if (how !== "exit") {
      expect(liveGroupMembers(agent.pgid)).toEqual(expect.arrayContaining([agent.pid, grandchild]));
      child.kill(how);
    }
    // Killed by the signal it got, as a process without a handler of its own: the hook re-raised it.
    expect(await exited(child)).toEqual(how === "exit" ? { code: 0, signal: null } : { code: null, signal: how });
    // A generous bound for teardown on a busy machine, not a timing assertion.
    await eventually(() => liveGroupMembers(agent.pgid).length === 0, 400, 25);
    expect([agent.pid, grandchild].some(alive)).toBe(false);
  } finally {
    await cleanup();
  }
}
