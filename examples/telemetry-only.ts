// @hybrid/telemetry used alone: feed recorded dispatch events into the run store, compare the
// sequential and hybrid modes, and write a self-contained HTML dashboard.
//   pnpm tsx --conditions=@hybrid/source examples/telemetry-only.ts
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildReport,
  createJsonlRunStore,
  createTelemetry,
  renderDashboard,
  renderTerminalTable,
  validateRunRecords,
} from "@hybrid/telemetry";

const stateDir = fileURLToPath(new URL("../.hybrid/", import.meta.url));
const storeDir = `${stateDir}telemetry-example`;
rmSync(storeDir, { recursive: true, force: true });

// A small plan: design first, three branches, then a merge.
const plan = [
  { id: "design", agent: "solution-architect", priority: "architecture", wave: 0, dependsOn: [], ms: 900, tokens: 3200 },
  { id: "api", agent: "backend-dev", priority: "implementation", wave: 1, dependsOn: ["design"], ms: 1500, tokens: 4100 },
  { id: "ui", agent: "frontend-dev", priority: "implementation", wave: 1, dependsOn: ["design"], ms: 1200, tokens: 3800 },
  { id: "threat-model", agent: "security-reviewer", priority: "security", wave: 1, dependsOn: ["design"], ms: 700, tokens: 2900 },
  { id: "merge", agent: "tech-lead", priority: "implementation", wave: 2, dependsOn: ["api", "ui", "threat-model"], ms: 600, tokens: 5200 },
];

/** A recorded event stream, as @hybrid/dispatch and @hybrid/context would emit it. */
function recordedRun(runId: string, mode: "sequential" | "wave", start: number, jitter: number): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const emit = (at: number, type: string, rest: Record<string, unknown> = {}) => events.push({ type, runId, at, ...rest });
  emit(start, "run.started", { planHash: "plan-7f3a", workflowId: "epic-7", taskType: "feature", mode, nodes: plan });
  const end = new Map<string, number>();
  let clock = start;
  for (const wave of [0, 1, 2]) {
    const nodes = plan.filter((n) => n.wave === wave);
    const waveStart = Math.max(clock, ...nodes.flatMap((n) => n.dependsOn.map((d) => end.get(d)!)));
    if (mode === "wave") emit(waveStart, "wave.started", { wave, nodeIds: nodes.map((n) => n.id) });
    let t = waveStart;
    for (const node of nodes) {
      const at = mode === "sequential" ? t : waveStart;
      const prompt = mode === "sequential" ? node.tokens : Math.round(node.tokens * 0.45);
      events.push({ type: "context.cache", at, tier: "L2", hit: mode === "wave", source: "issue:acme/agents#7", nodeId: node.id });
      events.push({ type: "context.composed", at, nodeId: node.id, promptTokens: prompt, baselineTokens: node.tokens, redactions: {} });
      emit(at, "node.dispatched", { nodeId: node.id, agent: node.agent, priority: node.priority, wave, attempt: 1, idempotencyKey: `${runId}:${node.id}` });
      const done = at + node.ms + jitter + (mode === "sequential" ? 150 : 0);
      emit(done, "node.succeeded", { nodeId: node.id, agent: node.agent, attempt: 1, output: "…", outputDigest: "sha256:…", tokens: { input: prompt, output: 400 }, durationMs: done - at });
      emit(done, "handoff.recorded", { nodeId: node.id, agent: node.agent, url: `https://github.com/acme/agents/issues/7#issuecomment-${done}` });
      end.set(node.id, done);
      t = done;
    }
    clock = Math.max(...nodes.map((n) => end.get(n.id)!));
    if (mode === "wave") emit(clock, "wave.completed", { wave, succeeded: nodes.length, failed: 0, blocked: 0 });
  }
  events.push({ type: "gate.evaluated", at: clock, gateId: "G7", stage: "merge", decision: "pass" });
  emit(clock + 20, "run.completed", { status: "succeeded", counts: { succeeded: plan.length } });
  return events;
}

// Every writer takes a redactor (any (text) => string); used alone, telemetry gets a small one here.
const redact = (text: string): string => text.replace(/ghp_[A-Za-z0-9]{20,}/g, "[github-token]");
const store = createJsonlRunStore({ dir: storeDir, redact });
const telemetry = createTelemetry({ sinks: [store], redact });
for (let i = 0; i < 6; i++) {
  for (const mode of ["sequential", "wave"] as const) {
    const start = Date.UTC(2025, 2, 3 + i, 9) + (mode === "wave" ? 3_600_000 : 0);
    telemetry.startRun({
      mode: mode === "sequential" ? "sequential" : "hybrid",
      flags: { hybrid_orchestration_enabled: mode === "wave", parallel_graph_enabled: mode === "wave" },
      strategyReason: mode === "wave" ? "flags on, 3 independent nodes" : "baseline",
      workflowContentHash: "sha256:epic-7-v1",
    });
    for (const event of recordedRun(`epic-7-${mode}-${i}`, mode, start, (i * 37) % 120)) telemetry.handle(event);
    await telemetry.finish();
  }
}

const records = await store.query();
const validation = await validateRunRecords(store);
console.log(`${validation.valid}/${validation.total} run records carry every required metric\n`);
console.log(renderTerminalTable(buildReport(records, { by: "day", redact })));
mkdirSync(stateDir, { recursive: true });
const out = `${stateDir}dashboard.html`;
writeFileSync(out, renderDashboard(records, { title: "epic-7: sequential vs hybrid", by: "day", redact }));
console.log(`dashboard: ${out}\nrun store: ${store.file}`);
