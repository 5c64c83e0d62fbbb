// One run (or one resume) of a workflow, whichever orchestrator drives it: dispatch under the run's
// strategy, prompts from the right builder, gates at every stage, flags re-read at wave boundaries,
// progress, escalation and the run record.
import { createDispatchController } from "@hybrid/dispatch";
import type { AgentRunner, DispatchEvent, DispatchResult, HandoffSink, PrepareFn, CheckFn, RunJournal } from "@hybrid/dispatch";
import type { WorkflowSpec } from "@hybrid/graph";
import type { CheckpointStore } from "@hybrid/resilience";
import type { PlannedNode, SchedulePlan } from "@hybrid/scheduler";
import type { Telemetry } from "@hybrid/telemetry";
import type { HybridConfig } from "./config-schema.js";
import type { GateContext, JoinResolution } from "./gate-contract.js";
import type { HistoryEntry, PromptBuilder } from "./prompts.js";
import { nodeResults } from "./run-result.js";
import type { NodeStatus, RunResult } from "./run-result.js";
import { GateFailedError } from "./orchestrator-errors.js";
import type { SessionGates } from "./session-gates.js";
import { changed, next } from "./session-strategy.js";
import type { Flags, StrategyState } from "./session-strategy.js";

/** The parts of a run, built by the orchestrator (see wiring.ts). */
export interface SessionParts {
  config: HybridConfig;
  plan: SchedulePlan;
  workflow: WorkflowSpec;
  runner: AgentRunner;
  store: CheckpointStore;
  handoffSink: HandoffSink;
  prompts: PromptBuilder;
  gates: SessionGates;
  telemetry: Telemetry;
  redact: (text: string) => string;
  clock: () => number;
  /** Re-reads the flags at a wave boundary (hybrid runs only). */
  readFlags?: () => Promise<Flags>;
  /** Called with the run's progress at every wave boundary and at the end. */
  progress?: (snapshot: { wave: number; nodes: ReadonlyMap<string, { status: NodeStatus | "pending"; attempts: number; handoffUrl?: string }> }) => void;
  resolveJoin: (join: NonNullable<PlannedNode["spec"]["join"]>, inputs: Array<{ nodeId: string; priority: PlannedNode["priority"]; output: string }>) => JoinResolution;
  onEvent?: (event: DispatchEvent) => void;
  seed?: number;
}

/** How to run: a new run or a resume, its id, its stop signal, and its strategy. */
export interface SessionRequest {
  runId: string;
  signal?: AbortSignal;
  strategy: StrategyState;
  resume?: { force: boolean; retryFailed: boolean };
  /** For a resume: the outputs an earlier process completed (and will be reused), in completion order. */
  history?: readonly HistoryEntry[];
}

/** A dispatch result with what the session kept beside it. */
export interface SessionOutcome {
  result: DispatchResult;
  nodes: RunResult["nodes"];
  strategy: StrategyState;
  statuses: Map<string, NodeStatus | "pending">;
}

/** Who said what on each disputed key, for the person who decides (bounded: 10 keys, short values). */
function disagreement(join: JoinResolution): string {
  const clip = (value: unknown): string => {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  const shown = join.conflicts.slice(0, 10).map((conflict) => `${conflict.key} (${conflict.values.map((v) => `${v.nodeId}: ${clip(v.value)}`).join("; ")})`);
  const more = join.conflicts.length > 10 ? `, and ${join.conflicts.length - 10} more` : "";
  return `upstream outputs disagree on ${shown.join(", ")}${more}`;
}

/** Runs (or resumes) one run under its strategy; the strategy may turn sequential at a wave boundary. */
export async function runSession(parts: SessionParts, request: SessionRequest): Promise<SessionOutcome> {
  const { config, plan, workflow, prompts, gates, telemetry, clock } = parts;
  let state = request.strategy;
  const statuses = new Map<string, NodeStatus | "pending">(plan.order.map((id) => [id, "pending"]));
  const attempts = new Map<string, number>();
  const history: HistoryEntry[] = [...(request.history ?? [])];
  const urls = new Map<string, string>();
  for (const entry of history) {
    statuses.set(entry.nodeId, "succeeded");
    if (entry.url !== undefined) urls.set(entry.nodeId, entry.url);
  }
  const counted = new Map<string, { promptTokens: number; baselineTokens: number }>();
  let journal: RunJournal | undefined;
  let refused = false;
  let flagRead: Promise<void> = Promise.resolve();

  const gateContext = (stage: GateContext["stage"], extra: Partial<GateContext> = {}): GateContext => ({
    stage,
    runId: request.runId,
    mode: state.strategy,
    workflow,
    plan,
    statuses,
    ...extra,
  });

  // Flags at a wave boundary: the change takes effect for every node admitted from then on.
  const onWaveBoundary = (wave: number): void => {
    const read = parts.readFlags;
    if (!read) return;
    flagRead = flagRead.then(async () => {
      const flags = await read();
      const after = next(state, flags);
      if (!changed(state, after)) return;
      state = after;
      await journal?.append({ type: "run.strategy", strategy: state.strategy, reason: state.reason, parallel: state.parallel, memory: state.memory, wave });
    });
  };

  const listen = (event: DispatchEvent): void => {
    telemetry.handle(event);
    parts.onEvent?.(event);
    switch (event.type) {
      case "node.dispatched":
        attempts.set(event.nodeId, event.attempt);
        return;
      case "node.succeeded":
        statuses.set(event.nodeId, "succeeded");
        history.push({
          nodeId: event.nodeId,
          agent: event.agent,
          output: event.output,
          completedAt: new Date(event.at).toISOString(),
          ...(urls.has(event.nodeId) ? { url: urls.get(event.nodeId)! } : {}),
        });
        return;
      case "handoff.recorded":
        // Recorded before the node's success is journaled: the history entry picks it up then.
        urls.set(event.nodeId, event.url);
        return;
      case "node.failed":
        if (event.final) statuses.set(event.nodeId, event.category === "needs-review" || event.category === "needs-escalation" ? event.category : "failed");
        return;
      case "node.blocked":
        statuses.set(event.nodeId, "blocked");
        return;
      case "wave.completed":
        onWaveBoundary(event.wave);
        parts.progress?.({ wave: event.wave + 1, nodes: progressNodes() });
        return;
      default:
        return;
    }
  };

  const progressNodes = () =>
    new Map([...statuses].map(([id, status]) => [id, { status, attempts: attempts.get(id) ?? 0, ...(urls.has(id) ? { handoffUrl: urls.get(id)! } : {}) }]));

  const prepare: PrepareFn = async (node, upstream, { signal }) => {
    await flagRead;
    let join: JoinResolution | undefined;
    if (node.spec.join) {
      join = parts.resolveJoin(node.spec.join, node.dependsOn.map((dep) => ({ nodeId: dep, priority: plan.nodes[dep]!.priority, output: upstream[dep] ?? "" })));
      const stop = await gates.evaluate("join", gateContext("join", { node: node.spec, join }));
      if (stop) throw stop;
      // The join's policy holds even with G9 switched off: fail-fast fails, manual-escalation stops.
      if (join.status === "conflict") throw new GateFailedError("G9", `fail-fast join: ${disagreement(join)}`);
      if (join.status === "escalate") throw new GateFailedError("G9", `manual-escalation join: ${disagreement(join)}`, "needs-escalation");
    }
    const built = await prompts.build(node, history, { runId: request.runId, memory: state.memory, ...(join ? { join } : {}), signal });
    counted.set(node.id, { promptTokens: built.tokens, baselineTokens: built.baselineTokens });
    telemetry.handle({ type: "context.composed", runId: request.runId, at: clock(), nodeId: node.id, promptTokens: built.tokens, baselineTokens: built.baselineTokens, redactions: built.redactions });
    const stop = await gates.evaluate("dispatch", gateContext("dispatch", { node: node.spec, prompt: built.gate }));
    if (stop) throw stop;
    return { prompt: built.prompt };
  };

  const check: CheckFn = async (stage, node, subject) => {
    const context =
      stage === "output"
        ? gateContext("output", { node: node.spec, output: subject.output })
        : gateContext("handoff", { node: node.spec, handoff: { agent: node.agent, at: clock(), ...(subject.handoffUrl ? { url: subject.handoffUrl } : {}) } });
    const stop = await gates.evaluate(stage, context);
    if (stop) throw stop;
  };

  const controller = createDispatchController({
    // A sequential run never has more than one agent; a hybrid one follows its caps (and `admit`).
    maxParallel: request.strategy.strategy === "sequential" ? 1 : config.concurrency.maxParallel,
    caps: config.concurrency.caps,
    ...(config.concurrency.maxPerWave !== null ? { maxPerWave: config.concurrency.maxPerWave } : {}),
    resilience: config.resilience,
    redact: parts.redact,
    handoffSink: parts.handoffSink,
    clock: { now: clock },
    onEvent: listen,
    ...(parts.seed !== undefined ? { seed: parts.seed } : {}),
  });
  const runOptions = {
    runner: parts.runner,
    store: parts.store,
    prepare,
    check,
    mode: "eager" as const,
    ...(request.signal ? { signal: request.signal } : {}),
    // A plan gate that failed dispatches nothing; a run turned sequential starts one node at a time.
    admit: (_node: PlannedNode, running: number) => !refused && (state.parallel || running === 0),
    onJournalOpen: async (open: RunJournal) => {
      journal = open;
      gates.open(open);
      await open.append({ type: "run.strategy", strategy: state.strategy, reason: state.reason, parallel: state.parallel, memory: state.memory });
      if (!request.resume) refused = (await gates.evaluate("plan", gateContext("plan"))) !== undefined;
    },
  };
  let result: DispatchResult;
  try {
    result = request.resume
      ? await controller.resume(plan, { ...runOptions, runId: request.runId, store: parts.store, force: request.resume.force, retryFailed: request.resume.retryFailed })
      : await controller.run(plan, { ...runOptions, runId: request.runId });
  } finally {
    gates.close();
    journal = undefined;
  }
  await flagRead.catch(() => undefined);
  const nodes = nodeResults(result, counted);
  for (const [id, node] of Object.entries(nodes)) {
    statuses.set(id, node.status);
    // A node an earlier process settled (a resume) has its attempts in the result, not in `attempts`.
    attempts.set(id, node.attempts);
  }
  parts.progress?.({ wave: plan.waves.length, nodes: progressNodes() });
  return { result, nodes, strategy: state, statuses };
}
