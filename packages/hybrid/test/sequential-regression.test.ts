// SequentialOrchestrator is the source of truth: its behaviour must not change when hybrid code
// changes. This suite pins, byte for byte, what it does on every example workflow: the dispatch
// order, each node's prompt, output, status, attempts and token counts, every gate decision with
// its reason, and (when the run fails) the post-mortem and the escalation it posted. One golden file
// per scenario under __golden__/sequential/. A diff there is a change of the legacy mode: review
// it, and update the files (`vitest run -u`) only when that change is meant.
//
// Deterministic by construction: a seeded agent with no latency, a fixed run id, a fixed clock, a
// fresh state directory. The only thing normalised is that directory's path (it appears in ledger
// handoff URLs, never in a prompt: checked below).
import { readFile, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type { AgentTask, DispatchEvent } from "@hybrid/dispatch";
import { buildGraph, loadWorkflow } from "@hybrid/graph";
import type { WorkflowSpec } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import { describe, expect, it } from "vitest";
import { SequentialOrchestrator } from "../src/index.js";
import type { RunResult } from "../src/index.js";
import { EXAMPLES, REPO_ROOT, checklistAgent, ramStateDir, withJson } from "./support.js";

const WORKFLOWS = join(EXAMPLES, "workflows");
const files = (await readdir(WORKFLOWS)).filter((file) => /\.ya?ml$/.test(file)).sort();
const CLOCK = Date.UTC(2025, 0, 15, 9, 30);
// `pnpm acceptance` points this at a scratch copy holding one mutated golden, to show the comparison fails.
const GOLDEN_DIR = process.env.HYBRID_SEQUENTIAL_GOLDEN_DIR ?? "./__golden__/sequential";

/**
 * A scenario: a workflow, and whether the upstreams of its join nodes agree. Each upstream of a
 * join appends a structured verdict, `{ verdict, checked: { <id>: true } }`; when they disagree,
 * security says "hold" and everyone else "ship", so G9 meets a real conflict.
 */
interface Scenario {
  name: string;
  file: string;
  conflict: boolean;
}

const scenarios: Scenario[] = [
  ...files.map((file) => ({ name: basename(file).replace(/\.ya?ml$/, ""), file, conflict: false })),
  // Disagreeing upstreams: settled by priority (merge-with-rules), and stopped for a person (manual-escalation).
  { name: "bugfix-release.conflict", file: "bugfix-release.yaml", conflict: true },
  { name: "security-docs-audit.conflict", file: "security-docs-audit.yaml", conflict: true },
];

/** The ids whose output a join node reads. */
const joinUpstreams = (spec: WorkflowSpec): Set<string> => new Set(spec.nodes.filter((node) => node.join).flatMap((node) => node.dependsOn));

function goldenAgent(spec: WorkflowSpec, conflict: boolean) {
  const upstreams = joinUpstreams(spec);
  const verdict = (task: AgentTask) => (conflict && task.priority === "security" ? "hold" : "ship");
  return checklistAgent({
    seed: 7,
    timeScale: 0,
    transform: (task, output) => (upstreams.has(task.nodeId) ? withJson(output, { verdict: verdict(task), checked: { [task.nodeId]: true } }) : output),
  });
}

interface Observed {
  result: RunResult;
  prompts: Map<string, string>;
  started: string[];
  peak: number;
  dispatched: string[];
  stateDir: string;
  ledger: string;
}

async function runScenario(scenario: Scenario, options: { clock?: number } = {}): Promise<Observed> {
  const path = join(WORKFLOWS, scenario.file);
  const spec = await loadWorkflow(path);
  const agent = goldenAgent(spec, scenario.conflict);
  const dir = await ramStateDir();
  const events: DispatchEvent[] = [];
  const warnings: string[] = [];
  const orchestrator = new SequentialOrchestrator({
    runner: agent,
    stateDir: dir,
    repoRoot: REPO_ROOT,
    clock: () => options.clock ?? CLOCK,
    seed: 1,
    onEvent: (event) => events.push(event),
    onWarning: (warning) => warnings.push(warning),
  });
  const result = await orchestrator.execute(path, { runId: `golden-${scenario.name.replace(/\./g, "-")}` });
  expect(warnings).toEqual([]);
  const ledger = await readFile(join(dir, "ledger.jsonl"), "utf8").catch(() => "");
  return {
    result,
    prompts: agent.recording.prompts,
    started: agent.recording.started,
    peak: agent.recording.peak,
    dispatched: events.flatMap((event) => (event.type === "node.dispatched" ? [event.nodeId] : [])),
    stateDir: dir,
    ledger,
  };
}

/** A fence longer than any run of backticks in `text`, so a prompt with ``` blocks stays one block. */
function fenced(text: string, info = "text"): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(4, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/** The golden text of one run: readable, and every byte of it meant. */
function render(scenario: Scenario, spec: WorkflowSpec, observed: Observed): string {
  const { result } = observed;
  const plan = planSchedule(buildGraph(spec));
  const lines: string[] = [];
  lines.push(`# SequentialOrchestrator on ${scenario.file} (join upstreams ${scenario.conflict ? "disagree" : "agree"})`, "");
  lines.push(`- workflow: ${spec.id}`);
  lines.push(`- run: ${result.runId}`);
  lines.push(`- mode: ${result.mode} (${result.strategyReason})`);
  lines.push(`- status: ${result.status}`);
  lines.push(`- dispatch order: ${observed.dispatched.join(", ")}`);
  lines.push(`- statuses: ${plan.order.map((id) => `${id} ${result.nodes[id]!.status}`).join(", ")}`);
  if (result.escalationUrl !== undefined) lines.push(`- escalation: ${result.escalationUrl}`);
  lines.push("", "## Gate log", "");
  result.gates.forEach((entry, i) => {
    const where = [entry.gate, entry.stage, ...(entry.nodeId !== undefined ? [entry.nodeId] : [])].join(" ");
    lines.push(`${i + 1}. ${where}: ${entry.decision}${entry.needsReview ? " (needs review)" : ""}${entry.reason !== undefined ? ` — ${entry.reason}` : ""}`);
  });
  const order = [...observed.dispatched, ...plan.order.filter((id) => !observed.dispatched.includes(id))];
  order.forEach((id, i) => {
    const node = result.nodes[id]!;
    const planned = plan.nodes[id]!;
    lines.push("", `## ${i + 1}. ${id} (${planned.agent}, ${planned.priority}): ${node.status}`, "");
    lines.push(`- attempts: ${node.attempts}`);
    if (node.promptTokens !== undefined) lines.push(`- prompt tokens: ${node.promptTokens} (legacy baseline ${node.baselineTokens})`);
    if (node.handoffUrl !== undefined) lines.push(`- handoff: ${node.handoffUrl}`);
    if (node.category !== undefined) lines.push(`- category: ${node.category}`);
    if (node.error !== undefined) lines.push(`- error: ${node.error.message}`);
    if (node.blockedBy !== undefined) lines.push(`- blocked by: ${node.blockedBy}`);
    const prompt = observed.prompts.get(id);
    if (prompt !== undefined) lines.push("", "### Prompt", "", fenced(prompt));
    if (node.output !== undefined) lines.push("", "### Output", "", fenced(node.output));
  });
  if (result.postMortem) lines.push("", "## Post-mortem", "", fenced(JSON.stringify(result.postMortem, null, 2), "json"));
  const escalations = observed.ledger
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { idempotencyKey: string; summary: string })
    .filter((line) => line.idempotencyKey === `${result.runId}:escalation`);
  for (const escalation of escalations) lines.push("", "## Escalation (ledger)", "", fenced(escalation.summary, "markdown"));
  return `${lines.join("\n").split(observed.stateDir).join("<stateDir>")}\n`;
}

describe("SequentialOrchestrator pinned on the example workflows", () => {
  it("has a scenario for every example workflow", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(scenarios.some((s) => s.file === file && !s.conflict), file).toBe(true);
  });

  it.each(scenarios)("$name: prompts, outputs and gate log byte for byte", async (scenario) => {
    const spec = await loadWorkflow(join(WORKFLOWS, scenario.file));
    const plan = planSchedule(buildGraph(spec));
    const observed = await runScenario(scenario);
    // One node at a time, in the plan's sequential order (as far as the run got).
    expect(observed.peak).toBe(1);
    expect(observed.dispatched).toEqual(plan.sequentialOrder.filter((id) => observed.dispatched.includes(id)));
    expect(observed.started).toEqual(observed.dispatched);
    if (observed.result.status === "succeeded") expect(observed.dispatched).toEqual(plan.sequentialOrder);
    // The state directory is in ledger URLs, never in what an agent is told.
    for (const [id, prompt] of observed.prompts) expect(prompt.includes(observed.stateDir), `${id}'s prompt names the state directory`).toBe(false);
    const golden = render(scenario, spec, observed);
    // Nothing the test had to fix leaks into the pinned text: another run 40 days later, in another
    // directory, is the same byte for byte (a time in a prompt or a reason would differ here).
    const later = await runScenario(scenario, { clock: CLOCK + 40 * 86_400_000 + 1234 });
    expect(render(scenario, spec, later)).toBe(golden);
    await expect(golden).toMatchFileSnapshot(`${GOLDEN_DIR}/${scenario.name}.golden.md`);
  });
});
