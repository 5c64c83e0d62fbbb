// The two orchestrators. SequentialOrchestrator is the legacy mode and the source of truth: one
// node at a time in the plan's sequential order, each with the full history of the run.
// HybridOrchestrator asks `selectStrategy` and runs the plan as a graph under caps with prompts
// from the memory hierarchy, each subsystem behind its flag, the kill switch re-read at every wave
// boundary; off, it is the sequential orchestrator. Both share every gate, the journal, the
// handoffs, the run records, the escalation and the progress ledger.
import { createHash, randomUUID } from "node:crypto";
import { buildGraph } from "@hybrid/graph";
import type { WorkflowSpec } from "@hybrid/graph";
import { assertValidRunId, planReplay } from "@hybrid/resilience";
import { planSchedule } from "@hybrid/scheduler";
import type { SchedulePlan } from "@hybrid/scheduler";
import { createTelemetry } from "@hybrid/telemetry";
import type { LoadedConfig } from "./config.js";
import { resolveOptions } from "./orchestrator-options.js";
import type { OrchestratorOptions } from "./orchestrator-options.js";
import { RunNotFoundError } from "./orchestrator-errors.js";
import { createPromptBuilder } from "./prompts.js";
import type { HistoryEntry } from "./prompts.js";
import type { RunResult } from "./run-result.js";
import { runSession } from "./run-session.js";
import { SessionGates } from "./session-gates.js";
import { hybrid, journaledStrategy, sequential } from "./session-strategy.js";
import type { StrategyState } from "./session-strategy.js";
import { selectStrategy } from "./strategy.js";
import { resolveJoin } from "./joins/resolve-join.js";
import { cacheDirOf, wire } from "./wiring.js";
import type { Wiring } from "./wiring.js";
import { loadSavedWorkflow, redactWorkflowText, resolveWorkflow, saveWorkflow } from "./workflow-store.js";
import type { WorkflowSource } from "./workflow-store.js";

/** Per-run options of `execute`. */
export interface ExecuteOptions {
  /** The run's id (`[A-Za-z0-9._-]`). @default a fresh time-ordered id */
  runId?: string;
  /** Graceful stop: nothing new starts, running agents are stopped, the journal stays resumable. */
  signal?: AbortSignal;
}

/** Per-call options of `resume`. */
export interface ResumeRunOptions {
  signal?: AbortSignal;
  /** Resume even though the workflow changed (with `workflow`: the changed one). @default false */
  force?: boolean;
  /** Run failed nodes again. @default false */
  retryFailed?: boolean;
  /** The workflow to resume with, for `force` (a changed file). @default the one the run started with */
  workflow?: WorkflowSource;
}

const newRunId = (now: number): string => `run-${now.toString(36)}-${randomUUID().slice(0, 8)}`;

abstract class Orchestrator {
  protected readonly wiring: Wiring;
  readonly #options: ReturnType<typeof resolveOptions>["options"];
  readonly #loaded: LoadedConfig | undefined;

  constructor(options: OrchestratorOptions) {
    const resolved = resolveOptions(options);
    this.#options = resolved.options;
    this.#loaded = resolved.loaded;
    this.wiring = wire(resolved.options, resolved.config, resolved.loaded);
  }

  /** The strategy a new run of `workflow` starts in. */
  protected abstract choose(workflow: { id: string; taskType?: string | undefined }): Promise<StrategyState>;

  /** Runs a workflow (a file path or a parsed workflow) from the start. */
  async execute(workflow: WorkflowSource, options: ExecuteOptions = {}): Promise<RunResult> {
    const resolved = await this.#resolve(workflow);
    const plan = planSchedule(buildGraph(resolved.spec));
    const runId = options.runId ?? newRunId(this.wiring.clock());
    assertValidRunId(runId);
    const strategy = await this.choose(resolved.spec);
    await saveWorkflow(this.wiring.stateDir, runId, resolved);
    return this.#run(plan, resolved.spec, { runId, strategy, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /** A workflow as runs take it: validated, its free text redacted (what is planned, hashed and saved). */
  async #resolve(workflow: WorkflowSource): Promise<{ spec: WorkflowSpec; file?: string }> {
    const resolved = await resolveWorkflow(workflow);
    return { ...resolved, spec: redactWorkflowText(resolved.spec, this.wiring.redact) };
  }

  /** Continues a run of this state directory from its journal, in the strategy it was in. */
  async resume(runId: string, options: ResumeRunOptions = {}): Promise<RunResult> {
    assertValidRunId(runId);
    const { events } = await this.wiring.store.read(runId);
    if (events.length === 0) throw new RunNotFoundError(runId, this.wiring.stateDir, "no journal");
    const saved = options.workflow !== undefined ? await this.#resolve(options.workflow) : await loadSavedWorkflow(this.wiring.stateDir, runId);
    const plan = planSchedule(buildGraph(saved.spec));
    // Throws PlanMismatchError here, before anything is touched, when the workflow changed without force.
    const replay = planReplay(
      { planHash: plan.planHash, nodes: plan.order.map((id) => ({ id, specHash: plan.nodes[id]!.specHash, dependsOn: plan.nodes[id]!.dependsOn })) },
      events,
      { force: options.force ?? false, retryFailed: options.retryFailed ?? false },
    );
    if (options.workflow !== undefined) await saveWorkflow(this.wiring.stateDir, runId, saved);
    const order = new Map(events.flatMap((event, index) => (event.type === "node.succeeded" ? [[event.nodeId, index] as const] : [])));
    const history: HistoryEntry[] = replay.completed
      .map((done) => {
        const at = events[order.get(done.nodeId) ?? 0]!.at;
        return {
          nodeId: done.nodeId,
          agent: done.agent ?? plan.nodes[done.nodeId]!.agent,
          output: done.output,
          completedAt: new Date(at).toISOString(),
          ...(done.handoffUrl !== undefined ? { url: done.handoffUrl } : {}),
        };
      })
      .sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0));
    let strategy = journaledStrategy(events) ?? (await this.choose(saved.spec));
    // A kill switch flipped since the run stopped holds for its resume too.
    const { flags } = await this.wiring.flags.read();
    if (strategy.strategy === "hybrid" && (flags.kill_switch || !flags.hybrid_orchestration_enabled)) strategy = sequential(flags.kill_switch ? "kill-switch" : "flag-off");
    return this.#run(plan, saved.spec, {
      runId,
      strategy,
      history,
      resume: { force: options.force ?? false, retryFailed: options.retryFailed ?? false },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  async #run(
    plan: SchedulePlan,
    workflow: Parameters<typeof runSession>[0]["workflow"],
    request: Parameters<typeof runSession>[1],
  ): Promise<RunResult> {
    const { wiring } = this;
    const options = this.#options;
    const telemetry = createTelemetry({ sinks: [wiring.runStore], redact: wiring.redact, clock: wiring.clock, ...(options.providerName ? { providerName: options.providerName } : {}) });
    const config = wiring.config;
    telemetry.startRun({
      mode: request.strategy.strategy,
      flags: { ...config.flags },
      strategyReason: request.strategy.reason,
      workflowContentHash: createHash("sha256").update(JSON.stringify(workflow)).digest("hex"),
      configHash: createHash("sha256").update(JSON.stringify(config)).digest("hex"),
      seeded: options.seed !== undefined,
      ...(options.seed !== undefined ? { runnerSeed: options.seed } : {}),
      ...(request.resume ? { resumedFrom: request.runId } : {}),
    });
    const gates = new SessionGates(wiring.registry, (entry) =>
      telemetry.handle({ type: "gate.evaluated", runId: request.runId, at: wiring.clock(), gateId: entry.gate, stage: entry.stage, decision: entry.decision, ...(entry.nodeId ? { nodeId: entry.nodeId } : {}), ...(entry.reason ? { reason: entry.reason } : {}) }),
    );
    const prompts = createPromptBuilder({
      plan,
      estimator: wiring.estimator,
      hardCap: config.context.hardCap,
      repoRoot: wiring.repoRoot,
      cacheDir: cacheDirOf(wiring),
      redact: wiring.redact,
      onContextEvent: (event) => telemetry.handle(event),
      clock: () => new Date(wiring.clock()),
      ...(wiring.github ? { github: { ...wiring.github, maxComments: config.context.maxL2Comments } } : {}),
      ...(options.providers ? { providers: options.providers } : {}),
    });
    const warnings: string[] = [];
    const warn = (message: string): void => {
      const redacted = wiring.redact(message);
      warnings.push(redacted);
      (options.onWarning ?? ((text: string) => process.emitWarning(text)))(redacted);
    };
    const progress = (snapshot: { wave: number; nodes: ReadonlyMap<string, { status: string; attempts: number; handoffUrl?: string }> }): void => {
      void wiring.progress
        .update({
        runId: request.runId,
        workflowId: plan.workflowId,
        mode: request.strategy.strategy,
        wave: Math.min(snapshot.wave, plan.waves.length),
        waves: plan.waves.length,
        nodes: [...snapshot.nodes].map(([id, node]) => ({ id, agent: plan.nodes[id]!.agent, ...node })),
        at: wiring.clock(),
        })
        .then((written) => {
          if (written.error) warn(`[hybrid] run ${request.runId}: the progress ledger was not updated: ${written.error.message}`);
        });
    };
    const outcome = await runSession(
      {
        config,
        plan,
        workflow,
        runner: options.runner,
        store: wiring.store,
        handoffSink: wiring.handoffSink,
        prompts,
        gates,
        telemetry,
        redact: wiring.redact,
        clock: wiring.clock,
        progress,
        resolveJoin,
        ...(request.strategy.strategy === "hybrid"
          ? {
              readFlags: async () => {
                const read = await wiring.flags.read();
                for (const warning of read.warnings) warn(warning);
                return read.flags;
              },
            }
          : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
      },
      request,
    );
    const { result, nodes, statuses } = outcome;
    // G8: every node that did not succeed is in the result and the post-mortem.
    const reported = new Set([...(result.postMortem?.failed.map((f) => f.node) ?? []), ...(result.postMortem?.blocked.map((b) => b.node) ?? []), ...(result.postMortem?.unfinished ?? [])]);
    const stop = await gates.evaluate("run", { stage: "run", runId: request.runId, mode: outcome.strategy.strategy, workflow, plan, statuses, reported });
    const escalating = Object.entries(nodes).filter(([, node]) => node.status === "needs-escalation").map(([id]) => id);
    let escalationUrl: string | undefined;
    if (result.postMortem && (result.status === "failed" || escalating.length > 0)) {
      const reason = escalating.length > 0 ? "needs-escalation" : "run-failed";
      escalationUrl = await wiring.escalator
        .escalate(result.postMortem, { runId: request.runId, workflowId: plan.workflowId, reason, ...(escalating.length > 0 ? { nodes: escalating } : {}) })
        .then((recorded) => recorded.url)
        .catch((error: unknown) => {
          warn(`[hybrid] run ${request.runId}: the post-mortem could not be escalated: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
    }
    await wiring.progress.flush();
    const record = await telemetry.finish();
    const status = stop && result.status === "succeeded" ? "failed" : result.status;
    return {
      runId: request.runId,
      mode: request.strategy.strategy,
      strategyReason: request.strategy.reason,
      status,
      nodes,
      gates: [...gates.log],
      record,
      ...(result.postMortem ? { postMortem: result.postMortem } : {}),
      ...(escalationUrl !== undefined ? { escalationUrl } : {}),
      warnings,
    };
  }
}

/** The legacy mode and the source of truth: one node at a time, the full history in every prompt. */
export class SequentialOrchestrator extends Orchestrator {
  protected async choose(): Promise<StrategyState> {
    return sequential("sequential-orchestrator");
  }
}

/**
 * Hybrid orchestration behind its flags: `selectStrategy` decides per workflow (flag, kill switch,
 * rollout, eligibility, critical list); each subsystem runs only while its flag is on.
 */
export class HybridOrchestrator extends Orchestrator {
  protected async choose(workflow: { id: string; taskType?: string | undefined }): Promise<StrategyState> {
    const { flags } = await this.wiring.flags.read();
    const chosen = selectStrategy({ ...this.wiring.config, flags }, { id: workflow.id, ...(workflow.taskType ? { taskType: workflow.taskType } : {}) });
    return chosen.mode === "hybrid" ? hybrid(flags, chosen.reason) : sequential(chosen.reason);
  }
}
