// Every shipped AgentRunner against the contract suite of @hybrid/test-utils.
import { testAgentRunner } from "@hybrid/test-utils";
import type { AgentRunnerScenario } from "@hybrid/test-utils";
import { createCommandRunner } from "../src/command-runner.js";
import { createFunctionRunner } from "../src/function-runner.js";
import type { AgentFunction } from "../src/function-runner.js";
import { createSimulatedRunner } from "../src/simulated-runner.js";

// The command agents: echo prints stdin and the HYBRID_* variables; hang ignores SIGTERM and starts
// a child in its group that ignores it too; fail exits 3.
const commands: Record<AgentRunnerScenario, string> = {
  echo: `printf '%s|' "$(cat)" "$HYBRID_RUN_ID" "$HYBRID_NODE_ID" "$HYBRID_ATTEMPT" "$HYBRID_IDEMPOTENCY_KEY"`,
  hang: `trap '' TERM; (trap '' TERM; exec sleep 60) >/dev/null 2>&1 & cat >/dev/null; wait`,
  fail: `echo broken >&2; exit 3`,
};

testAgentRunner({
  name: "command",
  processes: true,
  create: (scenario) => createCommandRunner({ command: "sh", args: ["-c", commands[scenario]], killGraceMs: 100 }),
});

const functions: Record<AgentRunnerScenario, AgentFunction> = {
  echo: (task) => [task.prompt, task.runId, task.nodeId, task.attempt, task.idempotencyKey].join("|"),
  hang: () => new Promise<string>(() => {}),
  fail: () => Promise.reject(new Error("agent failed")),
};

testAgentRunner({ name: "function", create: (scenario) => createFunctionRunner(functions[scenario]) });

testAgentRunner({
  name: "simulated",
  // The model shows only what it draws from: the node and the attempt.
  echoes: ["nodeId", "attempt"],
  create: (scenario) =>
    createSimulatedRunner({
      seed: 7,
      timeScale: 0,
      timeoutRate: scenario === "hang" ? 1 : 0,
      permanentFailureRate: scenario === "fail" ? 1 : 0,
    }),
});
