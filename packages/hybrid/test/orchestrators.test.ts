import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DispatchEvent } from "@hybrid/dispatch";
import { buildGraph, loadWorkflow } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import { describe, expect, it } from "vitest";
import { InMemoryProvider } from "@openfeature/server-sdk";
import { HybridOrchestrator, SequentialOrchestrator, loadConfig } from "../src/index.js";
import type { RunResult } from "../src/index.js";
import { EPIC, HYBRID_ON, REPO_ROOT, checklistAgent, stateDir } from "./support.js";

/** Dependencies respected, read from the journaled events: nobody starts before its dependencies succeeded. */
function dependencyViolations(events: readonly DispatchEvent[], dependsOn: (id: string) => readonly string[]): string[] {
  const done = new Set<string>();
  const violations: string[] = [];
  for (const event of events) {
    if (event.type === "node.succeeded") done.add(event.nodeId);
    if (event.type === "node.dispatched") for (const dep of dependsOn(event.nodeId)) if (!done.has(dep)) violations.push(`${event.nodeId} before ${dep}`);
  }
  return violations;
}

const decisions = (result: RunResult) => result.gates.map((g) => `${g.gate}|${g.stage}|${g.nodeId ?? ""}|${g.decision}`).sort();

describe("both orchestrators on the example epic", () => {
  it("run every node in dependency order under their caps, with the same gate decisions", async () => {
    const plan = planSchedule(buildGraph(await loadWorkflow(EPIC)));
    const dependsOn = (id: string) => plan.nodes[id]!.dependsOn;
    const results: RunResult[] = [];
    for (const kind of ["sequential", "hybrid"] as const) {
      // Latencies long enough that independent agents really overlap.
      const agent = checklistAgent({ seed: 5, timeScale: 0.002 });
      const events: DispatchEvent[] = [];
      const options = { runner: agent, stateDir: await stateDir(), repoRoot: REPO_ROOT, onEvent: (e: DispatchEvent) => events.push(e), onWarning: () => {} };
      const orchestrator =
        kind === "sequential"
          ? new SequentialOrchestrator(options)
          : new HybridOrchestrator({ ...options, config: { ...HYBRID_ON, concurrency: { maxParallel: 3, caps: { architecture: 1 } } } });
      const result = await orchestrator.execute(EPIC, { runId: `epic-${kind}` });
      results.push(result);
      expect(result.mode).toBe(kind);
      expect(result.status).toBe("succeeded");
      expect(Object.values(result.nodes).every((n) => n.status === "succeeded")).toBe(true);
      expect(dependencyViolations(events, dependsOn)).toEqual([]);
      if (kind === "sequential") {
        expect(agent.recording.peak).toBe(1);
        expect(agent.recording.started).toEqual(plan.sequentialOrder);
      } else {
        expect(agent.recording.peak).toBeGreaterThan(1);
        expect(agent.recording.peak).toBeLessThanOrEqual(3);
        expect(agent.recording.peakByClass.get("architecture")).toBe(1);
      }
      // Every dispatch is traceable: a handoff URL per node, and the record names the mode and why.
      for (const node of Object.values(result.nodes)) expect(node.handoffUrl).toMatch(/^ledger:\/\//);
      expect(result.record).toMatchObject({ runId: `epic-${kind}`, mode: kind, strategyReason: kind === "hybrid" ? "hybrid" : "sequential-orchestrator" });
      // Token savings are measured on every node: prompt and legacy baseline, same estimator.
      for (const node of Object.values(result.nodes)) {
        expect(node.promptTokens).toBeGreaterThan(0);
        expect(node.baselineTokens).toBeGreaterThan(0);
        if (kind === "sequential") expect(node.promptTokens).toBe(node.baselineTokens);
      }
    }
    expect(decisions(results[1]!)).toEqual(decisions(results[0]!));
    expect(results[0]!.gates.some((g) => g.gate === "G1")).toBe(true);
    // Every gate ran (G9 at the epic's join).
    expect(new Set(results[0]!.gates.map((g) => g.gate))).toEqual(new Set(["G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9", "G10"]));
  });
});

describe("flags: each one switches its subsystem alone", () => {
  it("hybrid off → the sequential orchestrator, with the reason recorded", async () => {
    const agent = checklistAgent();
    const result = await new HybridOrchestrator({ runner: agent, stateDir: await stateDir(), repoRoot: REPO_ROOT, onWarning: () => {} }).execute(EPIC);
    expect(result).toMatchObject({ mode: "sequential", strategyReason: "flag-off", status: "succeeded" });
    expect(agent.recording.peak).toBe(1);
  });

  it("parallel_graph_enabled off → one node at a time, still with tiered prompts", async () => {
    const agent = checklistAgent();
    const config = { ...HYBRID_ON, flags: { ...HYBRID_ON.flags, parallel_graph_enabled: false } };
    const result = await new HybridOrchestrator({ runner: agent, stateDir: await stateDir(), repoRoot: REPO_ROOT, config, onWarning: () => {} }).execute(EPIC);
    expect(result.mode).toBe("hybrid");
    expect(agent.recording.peak).toBe(1);
    // The prompts are the hierarchy's: a provenance block, and not the legacy baseline.
    const signoff = agent.recording.prompts.get("quality-signoff")!;
    expect(signoff).toMatch(/provenance/i);
    expect(result.nodes["quality-signoff"]!.promptTokens).not.toBe(result.nodes["quality-signoff"]!.baselineTokens);
  });

  it("memory_hierarchy_enabled off → parallel, with the legacy prompt", async () => {
    const agent = checklistAgent();
    const config = { ...HYBRID_ON, flags: { ...HYBRID_ON.flags, memory_hierarchy_enabled: false } };
    const result = await new HybridOrchestrator({ runner: agent, stateDir: await stateDir(), repoRoot: REPO_ROOT, config, onWarning: () => {} }).execute(EPIC);
    expect(result.mode).toBe("hybrid");
    expect(agent.recording.peak).toBeGreaterThan(1);
    for (const node of Object.values(result.nodes)) expect(node.promptTokens).toBe(node.baselineTokens);
    expect(agent.recording.prompts.get("quality-signoff")!).not.toMatch(/provenance/i);
  });
});

describe("an OpenFeature provider", () => {
  it("overrides the config file: the file says hybrid off, the flag service says on", async () => {
    const dir = await stateDir();
    const file = join(dir, "hybrid.config.yaml");
    await writeFile(file, "flags:\n  hybrid_orchestration_enabled: false\nrollout:\n  percentage: 100\n");
    const provider = new InMemoryProvider({ hybrid_orchestration_enabled: { variants: { on: true }, defaultVariant: "on", disabled: false } });
    const loaded = await loadConfig({ file, provider, env: {} });
    expect(loaded.config.flags.hybrid_orchestration_enabled).toBe(true);
    const agent = checklistAgent();
    const result = await new HybridOrchestrator({ config: loaded, runner: agent, stateDir: dir, repoRoot: REPO_ROOT, onWarning: () => {} }).execute(EPIC);
    expect(result).toMatchObject({ mode: "hybrid", strategyReason: "hybrid", status: "succeeded" });
    expect(agent.recording.peak).toBeGreaterThan(1);
  });
});

describe("the kill switch, flipped during a run", () => {
  it("turns the rest of the run sequential within one wave, and the journal and record say when and why", async () => {
    const dir = await stateDir();
    const agent = checklistAgent({ seed: 9 });
    let killed = false;
    const base = { hybrid_orchestration_enabled: true, parallel_graph_enabled: true, memory_hierarchy_enabled: true, kill_switch: false };
    const events: DispatchEvent[] = [];
    const orchestrator = new HybridOrchestrator({
      runner: agent,
      stateDir: dir,
      repoRoot: REPO_ROOT,
      config: { ...HYBRID_ON, concurrency: { maxParallel: 4 } },
      flagReader: { read: async () => ({ flags: { ...base, kill_switch: killed }, sources: new Map(), warnings: [] }) },
      onEvent: (event) => {
        events.push(event);
        // Flipped as wave 1 completes: read at that boundary.
        if (event.type === "wave.completed" && event.wave === 1) killed = true;
      },
      onWarning: () => {},
    });
    const result = await orchestrator.execute(EPIC, { runId: "kill-mid-run" });
    expect(result.status).toBe("succeeded");
    const switched = events.find((e) => e.type === "run.strategy" && e.strategy === "sequential");
    expect(switched).toMatchObject({ reason: "kill-switch", wave: 1 });
    // Within one wave: nodes admitted at the boundary before the flags were read may still run
    // together; once they drained, every later node ran alone.
    let live = 0;
    let drained = false;
    let afterDrain = 0;
    let switchedSeen = false;
    for (const event of events) {
      if (event === switched) switchedSeen = true;
      if (event.type === "node.dispatched") {
        live += 1;
        if (drained) {
          afterDrain += 1;
          expect(live, `${event.nodeId} ran beside another after the kill switch took effect`).toBe(1);
        }
      }
      if (event.type === "node.succeeded") {
        live -= 1;
        if (switchedSeen && live === 0) drained = true;
      }
    }
    expect(afterDrain).toBeGreaterThan(3);
    expect(result.record.strategyChanges).toEqual([
      expect.objectContaining({ strategy: "hybrid", reason: "hybrid" }),
      expect.objectContaining({ strategy: "sequential", reason: "kill-switch", wave: 1 }),
    ]);
    const journal = await readFile(join(dir, "runs", "kill-mid-run", "journal.jsonl"), "utf8");
    expect(journal).toContain('"type":"run.strategy"');
  });
});

describe("resume", () => {
  it("continues a stopped run in its strategy, reusing what completed", async () => {
    const dir = await stateDir();
    const stop = new AbortController();
    const first = checklistAgent({ seed: 2 });
    const options = { stateDir: dir, repoRoot: REPO_ROOT, config: HYBRID_ON, onWarning: () => {} };
    const stopped = await new HybridOrchestrator({
      ...options,
      runner: first,
      onEvent: (event) => {
        if (event.type === "node.succeeded" && event.nodeId === "tech-plan") stop.abort();
      },
    }).execute(EPIC, { runId: "resume-me", signal: stop.signal });
    expect(stopped.status).toBe("aborted");
    const done = Object.entries(stopped.nodes).filter(([, n]) => n.status === "succeeded").map(([id]) => id);
    expect(done.length).toBeGreaterThan(0);
    const second = checklistAgent({ seed: 2 });
    const resumed = await new HybridOrchestrator({ ...options, runner: second }).resume("resume-me");
    expect(resumed.status).toBe("succeeded");
    expect(resumed.mode).toBe("hybrid");
    for (const id of done) {
      expect(resumed.nodes[id]!.reused, id).toBe(true);
      expect(second.recording.started).not.toContain(id);
    }
  });
});
