// The command runner's exit hook, from outside: an orchestrator process starts a command agent and
// dies; `ps` says which members of the agent's group are left. SIGTERM and SIGHUP: exit-hook.slow.test.ts.
import { liveGroupMembers } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { isProcessGroupAlive, stopProcessGroup } from "../src/process-group.js";
import { checkHookKills, exited, orchestrate } from "./exit-hook-helpers.js";

describe("the exit hook: no agent outlives its orchestrator", () => {
  it.concurrent("when the orchestrator dies of SIGINT (Ctrl-C), its agent's group is killed", () => checkHookKills("SIGINT"));

  it.concurrent("when the orchestrator exits normally with an agent running, its agent's group is killed", () => checkHookKills("exit"));

  it.concurrent("when the orchestrator is SIGKILLed its agent survives, and stopProcessGroup on the recorded identity stops it", async () => {
    const { child, agent, grandchild, cleanup } = await orchestrate("wait");
    try {
      child.kill("SIGKILL");
      expect(await exited(child)).toEqual({ code: null, signal: "SIGKILL" });
      // Nothing could run in the orchestrator: the agent and its grandchild live on.
      expect(liveGroupMembers(agent.pgid)).toEqual(expect.arrayContaining([agent.pid, grandchild]));
      expect(isProcessGroupAlive(agent)).toBe(true);
      const outcome = await stopProcessGroup(agent, { graceMs: 100 }).then((value) => ({ value, members: liveGroupMembers(agent.pgid) }));
      expect(outcome).toEqual({ value: "stopped", members: [] });
    } finally {
      await cleanup();
    }
  });
});
