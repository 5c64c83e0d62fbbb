// One scenario per gate, built to fail it: a workflow, an agent's behaviour, or an orchestrator
// option. Gates the pipeline already guarantees upstream (G1: an invalid workflow is refused before
// the plan stage; G3: the scheduler dispatches a node only after its dependencies succeeded; G4: the
// composer throws rather than cut a pinned item or exceed the cap; G8: the orchestrator reports every
// failure) cannot be failed by a workflow at all. For those, the built-in gate itself (its exported
// factory) is installed through the `gates` option and handed a context with the one violation
// planted, so what is measured is the gate's decision and the orchestrator's enforcement of it.
import type { HandoffSink } from "@hybrid/dispatch";
import { WorkflowSchema } from "@hybrid/graph";
import type { WorkflowInput, WorkflowSpec } from "@hybrid/graph";
import { createDependenciesGate, createNoSuppressedFailureGate, createPromptBudgetGate, createWorkflowValidGate } from "@hybrid/hybrid";
import type { GateContext, QualityGate } from "@hybrid/hybrid";
import type { Expected } from "./gate-log.js";
import { withVerdict, type Behaviour, type RunOptions } from "./runs.js";

/** A gate's scenario: what is run, and what the docs promise for it. */
export interface GateScenario {
  name: string;
  /** How the failure is brought about, in a sentence (printed). */
  how: string;
  workflow: WorkflowSpec;
  behaviour: Behaviour;
  options?: RunOptions["options"];
  expected: Expected;
}

/** A GitHub token of the documented shape (built at run time, so no scanner flags this file). */
export const PLANTED_TOKEN = ["ghp", "_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"].join("");

const node = (id: string, priority: WorkflowSpec["nodes"][number]["priority"], dependsOn: string[], extra: Record<string, unknown> = {}) => ({
  id,
  agent: `${id}-agent`,
  priority,
  scope: `Work item ${id}`,
  acceptance: [`${id} criterion one is met`, `${id} criterion two is recorded`],
  dependsOn,
  outputs: [`${id}-artifact`],
  ...extra,
});

/** design → (build, review) → docs: every stage of every node gated once. */
const diamond = (change: Record<string, Record<string, unknown>> = {}): WorkflowSpec =>
  WorkflowSchema.parse({
    version: 1,
    id: "governance-diamond",
    nodes: [
      node("design", "architecture", [], change.design),
      node("build", "implementation", ["design"], change.build),
      node("review", "security", ["design"], change.review),
      node("docs", "docs", ["build", "review"], change.docs),
    ],
  } satisfies WorkflowInput);

const ALL = ["design", "build", "review", "docs"];

/** A sink that records every handoff and answers without a URL (a broken tracker integration). */
const blankSink: HandoffSink = { record: async () => ({ url: "" }) };

/** The built-in gate, given `plant(context)` instead of the orchestrator's context when `when` says so. */
function planted(gate: QualityGate, when: (c: GateContext) => boolean, plant: (c: GateContext) => GateContext): QualityGate {
  return { id: gate.id, name: gate.name, stage: gate.stage, check: (context) => gate.check(when(context) ? plant(context) : context) };
}


function joinWorkflow(policy: "fail-fast" | "manual-escalation"): WorkflowSpec {
  return WorkflowSchema.parse({
    version: 1,
    id: `governance-join-${policy}`,
    nodes: [node("design", "architecture", []), node("build", "implementation", ["design"]), node("audit", "security", ["design"]), node("decide", "architecture", ["build", "audit"], { join: { policy } })],
  } satisfies WorkflowInput);
}

/** The security upstream says "hold", the rest "ship": a real conflict at `decide`. */
const disagreeing: Behaviour = { transform: (task, output) => (["build", "audit"].includes(task.nodeId) ? withVerdict(output, task.priority === "security" ? "hold" : "ship") : output) };

const failedAt = (gate: string, stage: string, nodeId: string | undefined, statuses: Record<string, string>, notDispatched: string[], needsReview = false): Expected => ({
  gate,
  stage,
  ...(nodeId !== undefined ? { nodeId } : {}),
  needsReview,
  statuses,
  runStatus: "failed",
  notDispatched,
});

export function gateScenarios(): GateScenario[] {
  const skippedAll = Object.fromEntries(ALL.map((id) => [id, "skipped"]));
  return [
    {
      name: "G1",
      how: "planted: the built-in G1 is handed the workflow with a cycle added (docs → design); a cyclic workflow itself is refused before any gate runs",
      workflow: diamond(),
      behaviour: {},
      options: {
        gates: [
          planted(createWorkflowValidGate(), () => true, (c) => ({ ...c, workflow: { ...c.workflow, nodes: c.workflow.nodes.map((n) => (n.id === "design" ? { ...n, dependsOn: ["docs"] } : n)) } })),
        ],
      },
      expected: failedAt("G1", "plan", undefined, skippedAll, ALL),
    },
    {
      name: "G2",
      how: "workflow: node build has no acceptance criteria (`acceptance: []`, valid by the schema)",
      workflow: diamond({ build: { acceptance: [] } }),
      behaviour: {},
      expected: failedAt("G2", "plan", undefined, skippedAll, ALL),
    },
    {
      name: "G3",
      how: "planted: when docs is dispatched, the built-in G3 is told its dependency review failed",
      workflow: diamond(),
      behaviour: {},
      options: { gates: [planted(createDependenciesGate(), (c) => c.node?.id === "docs", (c) => ({ ...c, statuses: new Map([...(c.statuses ?? []), ["review", "failed"]]) }))] },
      expected: failedAt("G3", "dispatch", "docs", { design: "succeeded", build: "succeeded", review: "succeeded", docs: "failed" }, ["docs"]),
    },
    {
      name: "G4",
      how: "planted: build's prompt is reported as 20,001 tokens under a hard cap of 20,000 (the same numbers in both modes: the legacy prompt's own cap is unbounded)",
      workflow: diamond(),
      behaviour: {},
      options: { gates: [planted(createPromptBudgetGate(), (c) => c.node?.id === "build", (c) => ({ ...c, prompt: { ...c.prompt!, tokens: 20_001, hardCap: 20_000 } }))] },
      expected: failedAt("G4", "dispatch", "build", { design: "succeeded", build: "failed", review: "succeeded", docs: "blocked" }, ["build", "docs"]),
    },
    {
      name: "G5",
      how: "agent + config: build's agent writes a GitHub token into its output and the orchestrator is given a redactor that redacts nothing",
      workflow: diamond(),
      behaviour: { transform: (task, output) => (task.nodeId === "build" ? `${output}\ndeployed with ${PLANTED_TOKEN}` : output) },
      options: { redact: (text: string) => text },
      expected: failedAt("G5", "output", "build", { design: "succeeded", build: "failed", review: "succeeded", docs: "blocked" }, ["docs"]),
    },
    {
      name: "G6",
      how: "config: a handoff sink that records every handoff without a URL",
      workflow: diamond(),
      behaviour: {},
      options: { handoffSink: blankSink },
      expected: failedAt("G6", "handoff", "design", { design: "failed", build: "blocked", review: "blocked", docs: "blocked" }, ["build", "review", "docs"]),
    },
    {
      name: "G7",
      how: "agent: review's output never names its declared output review-artifact",
      workflow: diamond(),
      behaviour: { transform: (task, output) => (task.nodeId === "review" ? output.replaceAll("review-artifact", "the artifact") : output) },
      expected: failedAt("G7", "output", "review", { design: "succeeded", build: "succeeded", review: "failed", docs: "blocked" }, ["docs"]),
    },
    {
      name: "G8",
      how: "planted: at the run's end, the built-in G8 is told build was skipped (a failure the run did not report)",
      workflow: diamond(),
      behaviour: {},
      options: { gates: [planted(createNoSuppressedFailureGate(), () => true, (c) => ({ ...c, statuses: new Map([...(c.statuses ?? []), ["build", "skipped"]]) }))] },
      expected: failedAt("G8", "run", undefined, Object.fromEntries(ALL.map((id) => [id, "succeeded"])), []),
    },
    {
      name: "G9 fail-fast",
      how: "workflow + agents: a fail-fast join whose upstreams disagree (security says hold, implementation ship)",
      workflow: joinWorkflow("fail-fast"),
      behaviour: disagreeing,
      expected: failedAt("G9", "join", "decide", { design: "succeeded", build: "succeeded", audit: "succeeded", decide: "failed" }, ["decide"]),
    },
    {
      name: "G9 manual-escalation",
      how: "workflow + agents: a manual-escalation join whose upstreams disagree",
      workflow: joinWorkflow("manual-escalation"),
      behaviour: disagreeing,
      expected: failedAt("G9", "join", "decide", { design: "succeeded", build: "succeeded", audit: "succeeded", decide: "needs-escalation" }, ["decide"]),
    },
    {
      name: "G10",
      how: "agent: build's output leaves its second criterion unticked",
      workflow: diamond(),
      behaviour: { transform: (task, output) => (task.nodeId === "build" ? output.replace("- [x] build criterion two is recorded", "- [ ] build criterion two is recorded") : output) },
      expected: failedAt("G10", "output", "build", { design: "succeeded", build: "needs-review", review: "succeeded", docs: "blocked" }, ["docs"], true),
    },
  ];
}

/** A workflow with a cycle, handed to the orchestrators in code: both must refuse it before running anything. */
export const CYCLIC: WorkflowSpec = {
  ...diamond(),
  id: "governance-cycle",
  nodes: diamond().nodes.map((n) => (n.id === "design" ? { ...n, dependsOn: ["docs"] } : n)),
};

/**
 * G4 met by a workflow: build's pinned items (a criterion of ~400 words) need more than a hard cap
 * of 300 tokens. Documented: hybrid prompts are capped (docs/configuration.md), and G4 fails when
 * pinned items miss the prompt or it exceeds the cap (docs/quality-gates.md); the legacy prompt of
 * sequential mode is uncapped, so there G4 passes.
 */
export const OVER_BUDGET = {
  workflow: diamond({ build: { acceptance: ["build criterion one is met", `the long criterion ${"word ".repeat(400).trim()}`] } }),
  hardCap: 300,
  nodeId: "build",
};
