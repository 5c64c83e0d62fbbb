// Part (b) of governance through the library: each gate's scenario in both modes, judged against
// the documented outcome, plus the cyclic workflow both orchestrators must refuse before running.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { judgeScenario, normaliseGateLog } from "./gate-log.js";
import { MODES, recordingAgent, runOnce, type Mode } from "./runs.js";
import { CYCLIC, OVER_BUDGET, gateScenarios } from "./scenarios.js";

export interface GateOutcome {
  name: string;
  how: string;
  /** Problems per mode (empty: failed as documented, no other gate failed). */
  problems: Record<Mode, string[]>;
  /** Both modes' gate logs are equal (order aside). */
  logsEqual: boolean;
}

export async function runGateScenarios(options: { workDir: string; seed: number; timeScale: number }): Promise<{
  outcomes: GateOutcome[];
  cyclicRefused: Record<Mode, string>;
  /** The over-budget workflow: G4's entries for its node, and how the node ended, per mode. */
  overBudget: Record<Mode, { g4: string[]; node: string }>;
  stateDirs: Array<{ dir: string; runs: number }>;
}> {
  const dirs = Object.fromEntries(MODES.map((m) => [m, join(options.workDir, `gates-${m}`)])) as Record<Mode, string>;
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const finished: Record<Mode, number> = { sequential: 0, hybrid: 0 };
  const outcomes: GateOutcome[] = [];
  for (const [i, scenario] of gateScenarios().entries()) {
    const problems = { sequential: [] as string[], hybrid: [] as string[] };
    const logs: Partial<Record<Mode, string[]>> = {};
    for (const mode of MODES) {
      const agent = recordingAgent(options.seed, options.timeScale, scenario.behaviour);
      try {
        const result = await runOnce({ mode, workflow: scenario.workflow, runId: `gate-${i}-${mode}`, stateDir: dirs[mode], repoRoot: options.workDir, agent, seed: options.seed, ...(scenario.options ? { options: scenario.options } : {}) });
        finished[mode] += 1;
        problems[mode].push(...judgeScenario(scenario.expected, { status: result.status, gates: result.gates, nodes: result.nodes, dispatched: agent.dispatched }));
        logs[mode] = normaliseGateLog(result.gates);
      } catch (error) {
        problems[mode].push(`the run threw: ${String(error)}`);
      }
    }
    outcomes.push({ name: scenario.name, how: scenario.how, problems, logsEqual: logs.sequential !== undefined && JSON.stringify(logs.sequential) === JSON.stringify(logs.hybrid) });
  }
  // A cyclic workflow handed over in code: refused (thrown) before the plan stage, in both modes.
  const cyclicRefused = { sequential: "", hybrid: "" };
  for (const mode of MODES) {
    const agent = recordingAgent(options.seed, options.timeScale);
    try {
      await runOnce({ mode, workflow: CYCLIC, runId: `gate-cycle-${mode}`, stateDir: dirs[mode], repoRoot: options.workDir, agent, seed: options.seed });
      finished[mode] += 1;
      cyclicRefused[mode] = "ran (not refused)";
    } catch (error) {
      cyclicRefused[mode] = agent.dispatched.length > 0 ? `threw after dispatching ${agent.dispatched.join(", ")}` : (error as Error).name;
    }
  }
  const overBudget = { sequential: { g4: [] as string[], node: "" }, hybrid: { g4: [] as string[], node: "" } };
  for (const mode of MODES) {
    const result = await runOnce({
      mode, workflow: OVER_BUDGET.workflow, runId: `gate-budget-${mode}`, stateDir: dirs[mode], repoRoot: options.workDir,
      agent: recordingAgent(options.seed, options.timeScale), seed: options.seed, options: { config: { context: { hardCap: OVER_BUDGET.hardCap } } },
    });
    finished[mode] += 1;
    const node = result.nodes[OVER_BUDGET.nodeId];
    overBudget[mode] = {
      g4: result.gates.filter((g) => g.gate === "G4" && g.nodeId === OVER_BUDGET.nodeId).map((g) => g.decision),
      node: `${node?.status ?? "absent"}${node?.category ? ` (${node.category}${node.error?.code ? `, ${node.error.code}` : ""})` : ""}`,
    };
  }
  return { outcomes, cyclicRefused, overBudget, stateDirs: MODES.map((m) => ({ dir: dirs[m], runs: finished[m] })) };
}
