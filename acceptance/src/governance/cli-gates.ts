// Gate failures through the built CLI, as a user meets them: `hybrid run … --runner command
// --mode sequential|hybrid --json`, with a stand-in agent script whose answers are written before the
// run (a good answer, or one built to fail a gate). The exit code is checked against docs/cli.md
// ("1: the run failed or was escalated"), the agent script's own log says which nodes it ran.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WorkflowSpec } from "@hybrid/graph";
import type { GateLogEntry } from "@hybrid/hybrid";
import { hybrid } from "../cli.js";
import { judgeScenario, normaliseGateLog, type Expected } from "./gate-log.js";
import type { Behaviour, Mode } from "./runs.js";
import { gateScenarios } from "./scenarios.js";

/** The stand-in agent (sh, so each call costs no Node start-up): logs its node, answers from <dir>/<node id>. */
const AGENT = 'printf "%s\\n" "$HYBRID_NODE_ID" >> "$2"; cat "$1/$HYBRID_NODE_ID"\n';

/** A good agent's answer: every criterion ticked, every declared output named. */
export const goodAnswer = (node: WorkflowSpec["nodes"][number]): string =>
  [`Handoff from ${node.agent} on ${node.id}.`, ...node.acceptance.map((c) => `- [x] ${c}`), ...(node.outputs?.length ? [`Outputs: ${node.outputs.join(", ")}.`] : [])].join("\n");

export interface CliCase {
  name: string;
  /** Exit code documented for it: 0 for the clean control, 1 for a gate failure. */
  exitCode: number;
  expected?: Expected;
}

export interface CliOutcome {
  name: string;
  mode: Mode;
  code: number;
  problems: string[];
  gates: GateLogEntry[];
}

/** Reduced: a plan-stage failure (no agent runs) and an output-stage one; full: every gate an agent or a workflow file can fail. */
const CASES = { reduced: ["G2", "G10"], full: ["G2", "G7", "G9 fail-fast", "G9 manual-escalation", "G10"] } as const;

/** Runs the clean control and each CLI-reachable gate scenario in both modes; every outcome with its problems. */
export async function runCliGates(bin: string, workDir: string, modes: readonly Mode[], full: boolean): Promise<{ outcomes: CliOutcome[]; modeDiffs: string[]; stateDirs: Array<{ dir: string; runs: number }> }> {
  const dir = join(workDir, "cli");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "agent.sh"), AGENT);
  const scenarios = gateScenarios();
  const clean = scenarios.find((s) => s.name === "G7")!;
  const cases = [
    { name: "clean", scenario: { ...clean, behaviour: {} as Behaviour }, exitCode: 0 },
    ...CASES[full ? "full" : "reduced"].map((name) => ({ name, scenario: scenarios.find((s) => s.name === name)!, exitCode: 1 })),
  ];
  const outcomes: CliOutcome[] = [];
  const modeDiffs: string[] = [];
  const runs = new Map<Mode, number>();
  for (const c of cases) {
    const logs = new Map<Mode, string[]>();
    const ofCase: CliOutcome[] = [];
    // Both modes at once: each has its own state directory, workflow copy, answers and log.
    await Promise.all(modes.map(async (mode) => {
      const base = join(dir, `${c.name.replace(/\W+/g, "-")}-${mode}`);
      const workflowFile = `${base}.workflow.json`;
      writeFileSync(workflowFile, JSON.stringify(c.scenario.workflow));
      // The behaviour's transform, applied to the good answers, is exactly what the library scenario's agent returns.
      mkdirSync(`${base}.answers`, { recursive: true });
      for (const n of c.scenario.workflow.nodes) {
        const transform = c.scenario.behaviour.transform;
        writeFileSync(join(`${base}.answers`, n.id), transform ? transform({ nodeId: n.id, priority: n.priority } as never, goodAnswer(n)) : goodAnswer(n));
      }
      writeFileSync(`${base}.log`, "");
      const stateDir = join(dir, `state-${mode}`);
      const cli = await hybrid(bin, [
        "run", workflowFile, "--mode", mode, "--runner", "command", "--command", `sh ${join(dir, "agent.sh")} ${base}.answers ${base}.log`,
        "--state-dir", stateDir, "--run-id", `cli-${c.name.replace(/\W+/g, "-")}-${mode}`, "--repo-root", dir, "--seed", "1", "--json",
      ], { cwd: dir });
      const problems: string[] = [];
      if (cli.code !== c.exitCode) problems.push(`exit ${cli.code}, documented ${c.exitCode}: ${cli.stderr.trim().split("\n").slice(-2).join(" ")}`);
      let gates: GateLogEntry[] = [];
      try {
        const result = JSON.parse(cli.stdout) as { status: string; gates: GateLogEntry[]; nodes: Record<string, { status: string }> };
        gates = result.gates;
        runs.set(mode, (runs.get(mode) ?? 0) + 1);
        const dispatched = readFileSync(`${base}.log`, "utf8").split("\n").filter(Boolean);
        if (c.scenario.expected && c.exitCode !== 0) problems.push(...judgeScenario(c.scenario.expected, { ...result, dispatched }));
        if (c.exitCode === 0 && result.gates.some((g) => g.decision !== "pass")) problems.push("a gate failed on the clean control");
        if (c.exitCode === 0 && result.status !== "succeeded") problems.push(`clean control ${result.status}`);
        logs.set(mode, normaliseGateLog(gates));
      } catch {
        problems.push(`no JSON on stdout: ${cli.stdout.slice(0, 200)} ${cli.stderr.slice(0, 300)}`);
      }
      ofCase.push({ name: c.name, mode, code: cli.code, problems, gates });
    }));
    outcomes.push(...ofCase.sort((x, y) => modes.indexOf(x.mode) - modes.indexOf(y.mode)));
    const [a, b] = modes.map((m) => logs.get(m));
    if (a && b && JSON.stringify(a) !== JSON.stringify(b)) modeDiffs.push(c.name);
  }
  return { outcomes, modeDiffs, stateDirs: [...runs].map(([mode, n]) => ({ dir: join(dir, `state-${mode}`), runs: n })) };
}
