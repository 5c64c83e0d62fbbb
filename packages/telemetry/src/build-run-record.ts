import type { RunBuilder, RunMetadata } from "./run-builder.js";
import type { NodeRecord, RunRecord } from "./run-record.js";
import { actualCriticalPath, parallelismRatio } from "./run-metrics.js";

/** Drops `undefined` fields, so optional record fields are absent rather than undefined. */
export const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Recorded as the workflow of a run whose events never named it (a resumed run from an older dispatcher). */
export const UNKNOWN_WORKFLOW = "unknown";

/** Turns what a `RunBuilder` folded from the events into a record (unredacted), with its metrics. */
export function buildRunRecord(state: RunBuilder, meta: RunMetadata, now: number): RunRecord | { missing: string } {
  const runId = state.runId;
  if (runId === undefined) return { missing: "runId" };
  const workflowId = meta.workflowId ?? state.workflowId ?? UNKNOWN_WORKFLOW;
  const startedAt = state.startedAt ?? state.firstAt ?? now;
  const endedAt = Math.max(startedAt, state.completedAt ?? state.lastAt ?? now);
  const nodes: NodeRecord[] = [...state.nodes.values()].map((n) => {
    const promptTokens = n.composedPrompt ?? n.inputTokens;
    return defined({
      id: n.id,
      agent: n.agent,
      priority: n.priority,
      wave: n.wave,
      dependsOn: n.dependsOn,
      attempts: n.attempts,
      status: n.status,
      startedAt: n.startedAt,
      endedAt: n.endedAt,
      busyMs: n.busyMs,
      inputTokens: n.inputTokens,
      promptTokens,
      outputTokens: n.outputTokens,
      baselineTokens: n.composedBaseline ?? promptTokens,
      cacheHits: { l2: n.l2, l3: n.l3 },
      cacheMisses: { l2: n.l2Misses, l3: n.l3Misses },
      contextFallbacks: n.fallbacks,
      provider: n.provider,
      model: n.model,
      handoffUrl: n.handoffUrl,
      blockedBy: n.blockedBy,
      error: n.error,
    });
  });
  const critical = actualCriticalPath(nodes);
  const durationMs = endedAt - startedAt;
  const waveNumbers = new Set(nodes.filter((n) => n.attempts > 0 && n.wave !== undefined).map((n) => n.wave));
  const status = state.status ?? "incomplete";
  const resumedFrom = meta.resumedFrom ?? (state.resumed ? runId : undefined);
  const sum = (pick: (n: NodeRecord) => number) => nodes.reduce((acc, n) => acc + pick(n), 0);
  return defined({
    schemaVersion: 1 as const,
    runId,
    workflowId,
    taskType: meta.taskType ?? state.taskType ?? "unspecified",
    mode: meta.mode ?? (state.dispatchMode === "sequential" ? "sequential" : "hybrid"),
    dispatchMode: state.dispatchMode,
    startedAt,
    endedAt,
    status,
    flags: meta.flags,
    strategyReason: meta.strategyReason,
    planHash: state.planHash,
    workflowContentHash: meta.workflowContentHash,
    configHash: meta.configHash,
    seeded: meta.seeded,
    runnerSeed: meta.runnerSeed,
    resumedFrom,
    recovered: resumedFrom === undefined ? undefined : status === "succeeded",
    nodes,
    dispatchOrder: [...state.dispatchOrder],
    criticalPath: critical.nodes,
    waves: [...state.waves.values()].sort((a, b) => a.wave - b.wave),
    gates: [...state.gates],
    ...(state.strategy.length > 0 ? { strategyChanges: [...state.strategy] } : {}),
    breakers: [...state.breakers],
    // fromEntries defines own properties: a kind named "__proto__" stays a kind.
    redactions: Object.fromEntries(Object.entries(state.redactions)),
    droppedEvents: state.dropped,
    context: { cacheMisses: { l2: state.missL2, l3: state.missL3 }, fallbacks: state.fallbacks, unattributed: state.unattributed },
    metrics: {
      token_input: sum((n) => n.inputTokens),
      token_output: sum((n) => n.outputTokens),
      token_savings_estimated: sum((n) => n.baselineTokens - n.promptTokens),
      wave_count: state.waves.size > 0 ? state.waves.size : waveNumbers.size,
      parallelism_ratio: parallelismRatio(nodes, durationMs),
      critical_path_ms: critical.lengthMs,
      cache_hit_l2: state.cacheL2,
      cache_hit_l3: state.cacheL3,
      duration_ms: durationMs,
      node_count: nodes.length,
      failed_count: nodes.filter((n) => n.status === "failed" || n.status === "timed-out").length,
      retry_count: state.retryCount,
    },
  });
}
