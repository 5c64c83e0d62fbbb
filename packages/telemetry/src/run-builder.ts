import type { TelemetryEvent, TelemetryEventOf } from "./event-schema.js";
import type { GateRecord, NodeRecord, NodeStatus, RunRecord, WaveRecord } from "./run-record.js";
import { buildRunRecord, defined } from "./build-run-record.js";

/** Run facts that events do not carry, given by the orchestrator through `startRun`. */
export interface RunMetadata {
  mode?: "sequential" | "hybrid" | undefined;
  flags: Record<string, boolean | string | number>;
  strategyReason: string;
  workflowContentHash: string;
  configHash?: string | undefined;
  seeded: boolean;
  runnerSeed?: number | string | undefined;
  resumedFrom?: string | undefined;
  workflowId?: string | undefined;
  taskType?: string | undefined;
}

/** Mutable per-node state while a run is in flight. */
export interface NodeState {
  id: string;
  agent: string;
  priority: string | undefined;
  wave: number | undefined;
  dependsOn: string[];
  attempts: number;
  lastAttempt: number | undefined;
  status: NodeStatus;
  startedAt: number | undefined;
  endedAt: number | undefined;
  attemptStart: number | undefined;
  busyMs: number;
  inputTokens: number;
  outputTokens: number;
  composedPrompt: number | undefined;
  composedBaseline: number | undefined;
  l2: number;
  l3: number;
  l2Misses: number;
  l3Misses: number;
  fallbacks: number;
  provider: string | undefined;
  model: string | undefined;
  retries: number;
  handoffUrl: string | undefined;
  blockedBy: string[] | undefined;
  error: NodeRecord["error"];
}

function newNode(id: string, agent = ""): NodeState {
  return {
    id,
    agent,
    priority: undefined,
    wave: undefined,
    dependsOn: [],
    attempts: 0,
    lastAttempt: undefined,
    status: "pending",
    startedAt: undefined,
    endedAt: undefined,
    attemptStart: undefined,
    busyMs: 0,
    inputTokens: 0,
    outputTokens: 0,
    composedPrompt: undefined,
    composedBaseline: undefined,
    l2: 0,
    l3: 0,
    l2Misses: 0,
    l3Misses: 0,
    fallbacks: 0,
    provider: undefined,
    model: undefined,
    retries: 0,
    handoffUrl: undefined,
    blockedBy: undefined,
    error: undefined,
  };
}


/** Folds parsed events into the facts of one run; `build` turns them into a `RunRecord`. */
export class RunBuilder {
  runId: string | undefined;
  workflowId: string | undefined;
  taskType: string | undefined;
  dispatchMode: "wave" | "eager" | "sequential" | undefined;
  planHash = "";
  startedAt: number | undefined;
  completedAt: number | undefined;
  firstAt: number | undefined;
  lastAt: number | undefined;
  status: "succeeded" | "failed" | "aborted" | undefined;
  resumed = false;
  dropped = 0;
  retryCount = 0;
  readonly nodes = new Map<string, NodeState>();
  readonly dispatchOrder: string[] = [];
  readonly waves = new Map<number, WaveRecord>();
  readonly gates: GateRecord[] = [];
  readonly strategy: NonNullable<RunRecord["strategyChanges"]> = [];
  readonly breakers: RunRecord["breakers"] = [];
  /** Finding kinds come from producers: a null-prototype record, so a kind named `__proto__` is just a kind. */
  readonly redactions: Record<string, number> = Object.create(null) as Record<string, number>;
  cacheL2 = 0;
  cacheL3 = 0;
  missL2 = 0;
  missL3 = 0;
  fallbacks = 0;
  /** Context events that named no node: counted for the run, attributed to none. */
  unattributed = 0;

  node(id: string, agent?: string): NodeState {
    let node = this.nodes.get(id);
    if (!node) {
      node = newNode(id, agent);
      this.nodes.set(id, node);
    } else if (agent && !node.agent) node.agent = agent;
    return node;
  }

  apply(event: TelemetryEvent): void {
    this.firstAt = this.firstAt === undefined ? event.at : Math.min(this.firstAt, event.at);
    this.lastAt = this.lastAt === undefined ? event.at : Math.max(this.lastAt, event.at);
    switch (event.type) {
      case "run.started":
        return this.started(event);
      case "wave.started":
        this.waves.set(event.wave, { wave: event.wave, startedAt: event.at, nodeIds: [...event.nodeIds] });
        return;
      case "wave.completed": {
        const wave = this.waves.get(event.wave) ?? { wave: event.wave, startedAt: event.at, nodeIds: [] };
        this.waves.set(event.wave, { ...wave, endedAt: event.at });
        return;
      }
      case "node.dispatched":
        return this.dispatched(event);
      case "node.succeeded": {
        const seen = this.nodes.get(event.nodeId)?.attemptStart !== undefined;
        if (!seen && event.startedAt !== undefined) {
          // The dispatch was not seen (e.g. replayed from a journal): the event says when it began.
          const node = this.node(event.nodeId, event.agent);
          node.attemptStart = event.startedAt;
          node.startedAt ??= event.startedAt;
        }
        const node = this.endAttempt(event.nodeId, event.agent, event.at, event.attempt);
        node.status = "succeeded";
        node.error = undefined;
        node.inputTokens += event.tokens.input;
        node.outputTokens += event.tokens.output;
        node.provider = event.provider ?? node.provider;
        node.model = event.model ?? node.model;
        return;
      }
      case "node.failed": {
        const wasTimeout = this.nodes.get(event.nodeId)?.status === "timed-out";
        const node = this.endAttempt(event.nodeId, event.agent, event.at, event.attempt);
        node.error = defined({ code: event.error.code, category: event.category, message: event.error.message });
        node.status = event.final ? (wasTimeout ? "timed-out" : "failed") : "running";
        return;
      }
      case "node.timed-out": {
        const node = this.endAttempt(event.nodeId, event.agent, event.at, event.attempt);
        node.status = "timed-out";
        node.error = { code: "timeout", category: "timeout", message: `timed out after ${event.timeoutMs} ms` };
        return;
      }
      case "node.retrying": {
        const node = this.node(event.nodeId, event.agent);
        node.retries += 1;
        node.status = "pending";
        this.retryCount += 1;
        return;
      }
      case "node.blocked": {
        const node = this.node(event.nodeId, event.agent);
        node.status = "blocked";
        node.blockedBy = event.blockedBy === undefined ? undefined : [event.blockedBy].flat();
        return;
      }
      case "breaker.changed":
        this.breakers.push({ at: event.at, key: event.key, from: event.from, to: event.to });
        return;
      case "handoff.recorded":
        this.node(event.nodeId, event.agent).handoffUrl = event.url;
        return;
      case "run.completed":
        this.completedAt = event.at;
        this.status = event.status;
        return;
      case "run.resumed":
        this.resumed = true;
        this.runId ??= event.runId;
        this.workflowId ??= event.workflowId;
        this.taskType ??= event.taskType;
        this.dispatchMode ??= event.mode;
        if (event.planHash) this.planHash = event.planHash;
        this.startedAt ??= event.at;
        this.planNodes(event.nodes ?? []);
        return;
      case "context.cache":
        return this.cache(event);
      case "context.fallback": {
        this.fallbacks += 1;
        if (event.nodeId === undefined) this.unattributed += 1;
        else this.node(event.nodeId).fallbacks += 1;
        return;
      }
      case "context.composed": {
        const node = this.node(event.nodeId);
        node.composedPrompt = (node.composedPrompt ?? 0) + event.promptTokens;
        node.composedBaseline = (node.composedBaseline ?? 0) + (event.baselineTokens ?? event.promptTokens);
        for (const [kind, n] of Object.entries(event.redactions)) this.redactions[kind] = (this.redactions[kind] ?? 0) + n;
        return;
      }
      case "gate.evaluated":
        this.gates.push(defined({ id: event.gateId, stage: event.stage, node: event.nodeId, decision: event.decision, at: event.at, reason: event.reason }));
        return;
      case "run.strategy":
        this.strategy.push(defined({ at: event.at, strategy: event.strategy, reason: event.reason, wave: event.wave }));
        return;
    }
  }

  private started(event: TelemetryEventOf<"run.started">): void {
    this.runId = event.runId;
    this.workflowId = event.workflowId;
    this.taskType = event.taskType ?? this.taskType;
    this.dispatchMode = event.mode;
    this.planHash = event.planHash;
    // A resumed run may announce itself again; the run's start is its first announcement.
    this.startedAt = Math.min(this.startedAt ?? event.at, event.at);
    this.planNodes(event.nodes);
  }

  private planNodes(specs: TelemetryEventOf<"run.started">["nodes"]): void {
    for (const spec of specs) {
      const node = this.node(spec.id, spec.agent);
      node.agent = spec.agent;
      node.priority = spec.priority ?? node.priority;
      node.wave = spec.wave ?? node.wave;
      node.dependsOn = [...spec.dependsOn];
    }
  }

  private dispatched(event: TelemetryEventOf<"node.dispatched">): void {
    const node = this.node(event.nodeId, event.agent);
    if (node.attempts === 0) {
      this.dispatchOrder.push(node.id);
      node.startedAt = event.at;
    }
    node.attempts += 1;
    node.lastAttempt = event.attempt;
    node.priority = event.priority ?? node.priority;
    node.wave = event.wave ?? node.wave;
    node.provider = event.provider ?? node.provider;
    node.model = event.model ?? node.model;
    node.attemptStart = event.at;
    node.status = "running";
  }

  private endAttempt(id: string, agent: string, at: number, attempt: number): NodeState {
    const node = this.node(id, agent);
    if (node.attemptStart !== undefined) node.busyMs += Math.max(0, at - node.attemptStart);
    node.attemptStart = undefined;
    node.lastAttempt = attempt;
    node.endedAt = Math.max(node.endedAt ?? at, at);
    return node;
  }

  private cache(event: TelemetryEventOf<"context.cache">): void {
    const node = event.nodeId === undefined ? undefined : this.node(event.nodeId);
    if (node === undefined) this.unattributed += 1;
    const l2 = event.tier === "L2";
    if (event.hit) {
      if (l2) this.cacheL2 += 1;
      else this.cacheL3 += 1;
      if (node && l2) node.l2 += 1;
      else if (node) node.l3 += 1;
    } else {
      if (l2) this.missL2 += 1;
      else this.missL3 += 1;
      if (node && l2) node.l2Misses += 1;
      else if (node) node.l3Misses += 1;
    }
  }

  /** The record (unredacted); `missing` names what prevents building one. */
  build(meta: RunMetadata, now: number): RunRecord | { missing: string } {
    return buildRunRecord(this, meta, now);
  }
}
