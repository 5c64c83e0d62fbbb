// Runs with the real command runner, through the built CLI (`hybrid run --runner command`), where
// the caps are counted in OS processes by the agent processes themselves: on start each creates a
// file named after its priority in a shared "live" directory, counts the directory's entries, writes
// down what it saw, sleeps its seeded latency, and removes its file before it exits. Two windows
// that overlap are both seen by the later one at its start, so the largest count seen is the most
// agents alive together (within their file windows, which cover the agent's work).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GeneratedWorkflow } from "@hybrid/test-utils";
import { hybrid } from "../cli.js";
import type { CaseLimits } from "./cases.js";
import { seededInts } from "./cases.js";
import type { ProcessObservation } from "./oracles.js";

/** The stand-in agent: plain Node, no hybrid code; it ticks every criterion it was given. */
const AGENT_SCRIPT = `import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const [liveDir, seenDir, specFile] = process.argv.slice(2);
const node = process.env.HYBRID_NODE_ID;
const spec = JSON.parse(readFileSync(specFile, "utf8"))[node];
const mine = join(liveDir, spec.priority + "~" + node + "~" + process.pid);
writeFileSync(mine, "");
const names = readdirSync(liveDir);
const liveByPriority = {};
for (const name of names) liveByPriority[name.split("~")[0]] = (liveByPriority[name.split("~")[0]] ?? 0) + 1;
writeFileSync(join(seenDir, node + "~" + process.pid + ".json"), JSON.stringify({ node, priority: spec.priority, live: names.length, liveByPriority }));
let prompt = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) prompt += chunk;
await new Promise((resolve) => setTimeout(resolve, spec.sleepMs));
rmSync(mine);
const output = ["Handoff on " + node + ".", ...spec.acceptance.map((c) => "- [x] " + c)].join("\\n");
process.stdout.write(JSON.stringify({ output, tokens: { input: Math.ceil(prompt.length / 4), output: Math.ceil(output.length / 4) } }));
`;

export interface ProcessRun {
  runId: string;
  code: number;
  stderr: string;
  observations: ProcessObservation[];
  /** The journal file read back from the state directory. */
  events: Array<{ type: string; nodeId?: string; priority?: string; wave?: number; final?: boolean }>;
}

/** Writes the agent script once into `dir`; returns its path. */
export function writeAgentScript(dir: string): string {
  const path = join(dir, "live-agent.mjs");
  writeFileSync(path, AGENT_SCRIPT);
  return path;
}

/**
 * `hybrid run <workflow> --mode hybrid --runner command` with the case's caps in a config file; the
 * agents sleep a seeded 100–300 ms each. Reads back what the processes saw and the journal file.
 */
export async function runWithProcesses(
  bin: string,
  options: { dir: string; agentScript: string; stateDir: string; runId: string; workflow: GeneratedWorkflow; limits: CaseLimits; seed: number },
): Promise<ProcessRun> {
  const { dir, runId, workflow, limits } = options;
  const int = seededInts(options.seed);
  const live = join(dir, `${runId}-live`);
  const seen = join(dir, `${runId}-seen`);
  mkdirSync(live, { recursive: true });
  mkdirSync(seen, { recursive: true });
  const spec = Object.fromEntries(workflow.nodes.map((n) => [n.id, { priority: n.priority, acceptance: n.acceptance, sleepMs: int(100, 300) }]));
  const specFile = join(dir, `${runId}-spec.json`);
  const workflowFile = join(dir, `${runId}-workflow.json`);
  const configFile = join(dir, `${runId}-config.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  writeFileSync(workflowFile, JSON.stringify(workflow));
  const config = { flags: { hybrid_orchestration_enabled: true }, rollout: { percentage: 100 }, concurrency: { maxParallel: limits.maxParallel, caps: limits.caps, maxPerWave: limits.maxPerWave } };
  writeFileSync(configFile, JSON.stringify(config));
  const command = `${process.execPath} ${options.agentScript} ${live} ${seen} ${specFile}`;
  const cli = await hybrid(bin, ["run", workflowFile, "--mode", "hybrid", "--runner", "command", "--command", command, "--config", configFile, "--state-dir", options.stateDir, "--run-id", runId, "--seed", String(options.seed), "--json"], { cwd: dir });
  const observations = readdirSync(seen).map((name) => JSON.parse(readFileSync(join(seen, name), "utf8")) as ProcessObservation);
  const journal = readFileSync(join(options.stateDir, "runs", runId, "journal.jsonl"), "utf8");
  const events = journal.split("\n").filter((line) => line.trim() !== "").map((line) => (JSON.parse(line) as { event: ProcessRun["events"][number] }).event);
  return { runId, code: cli.code, stderr: cli.stderr, observations, events };
}
