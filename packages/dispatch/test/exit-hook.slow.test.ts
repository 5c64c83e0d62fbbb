// The other fatal signals of the exit hook (the default suite covers SIGINT, a normal exit and SIGKILL).
import { describe, it } from "vitest";
import { checkHookKills } from "./exit-hook-helpers.js";

describe("the exit hook (slow): no agent outlives its orchestrator", () => {
  it.concurrent("when the orchestrator dies of SIGTERM, its agent's group is killed", () => checkHookKills("SIGTERM"));
  it.concurrent("when the orchestrator dies of SIGHUP, its agent's group is killed", () => checkHookKills("SIGHUP"));
});
