// The runs behind both categories: every workload in both modes (run i of both with the same
// seed), each hybrid run read back from its journal and its captured prompts; a subset through
// dispatch in wave and eager mode. Raw numbers only: the checks are drawn in categories/performance.ts.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TokenEstimator } from "@hybrid/context";
import type { NodeSpec } from "@hybrid/graph";
import { parseWorkflow } from "@hybrid/graph";
import { HybridConfigSchema } from "@hybrid/hybrid";
import type { LatencyModel } from "./agent.js";
import { hash31 } from "./agent.js";
import { makespanBound, missingFacts, missingPinned, parseJournal, savingsPct } from "./oracles.js";
import type { MakespanBound } from "./oracles.js";
import { HYBRID_ON, runDispatched, runOrchestrated } from "./runs.js";
import type { OrchestratedRun } from "./runs.js";
import { strictBaselineTokens } from "./strict.js";
import type { Fact, Workload } from "./workloads.js";

/** A referenced fact missing from a node's hybrid prompt, and what the prompt kept of its source. */
export interface DroppedFact {
  workflowId: string;
  runId: string;
  nodeId: string;
  factId: string;
  source: string;
  /** How far up the source node is (outputs), or the document's path. */
  distance?: number;
  /** The source's segment is in the prompt but cut short (truncated), or absent altogether (pruned). */
  sourceInPrompt: "truncated" | "pruned";
  promptTokens: number;
}

export interface Measurements {
  orchestrated: number;
  unsucceeded: Array<{ runId: string; status: string; reasons: string[] }>;
  makespans: Array<MakespanBound & { runId: string }>;
  sequentialOverheadPct: number[];
  /** Per sequential run, per node: real ms outside the agents (overhead) and inside them (agent). */
  sequentialPerNodeMs: Array<{ overhead: number; agent: number }>;
  /** Per hybrid run: savings vs the strict baseline, %, with both totals. */
  strict: Array<{ runId: string; hybridTokens: number; strictTokens: number; savingsPct: number }>;
  /** Per hybrid run: savings vs its paired sequential run's prompts, recounted from the captures. */
  legacyRecount: Array<{ runId: string; savingsPct: number }>;
  /** Runs whose record's token_input disagrees with the recount of the prompts their agents were sent. */
  tokenMismatches: Array<{ runId: string; record: number; recount: number }>;
  pinned: { items: number; missing: Array<{ runId: string; nodeId: string; items: string[] }> };
  facts: { pairs: number; dropped: DroppedFact[] };
  waveEager: Array<{ workflowId: string; wave: number; eager: number; ratio: number }>;
  maxParallel: number;
  /** The hybrid runs' context.hardCap. */
  hardCap: number;
}

/** Distance from `from` up to `to` through dependsOn (1 = direct dependency). */
function distanceUp(nodes: ReadonlyMap<string, NodeSpec>, from: string, to: string): number | undefined {
  let frontier = [from];
  const seen = new Set<string>();
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const id of frontier) for (const dep of nodes.get(id)?.dependsOn ?? []) {
      if (dep === to) return d;
      if (!seen.has(dep)) (seen.add(dep), next.push(dep));
    }
    frontier = next;
  }
  return undefined;
}

function sourceState(prompt: string, fact: Fact): "truncated" | "pruned" {
  const marker = fact.source.kind === "output" ? `Output of ${fact.source.nodeId} (` : fact.source.path;
  return prompt.includes(marker) ? "truncated" : "pruned";
}

export async function measure(
  workloads: readonly Workload[],
  options: { runs: number; seedOf: (workload: Workload, run: number) => number; stateDir: string; estimator: TokenEstimator; model: LatencyModel; waveEagerEvery: number; log: (line: string) => void },
): Promise<Measurements> {
  const { estimator, stateDir } = options;
  const config = HybridConfigSchema.parse(HYBRID_ON);
  const maxParallel = config.concurrency.maxParallel;
  const m: Measurements = { orchestrated: 0, unsucceeded: [], makespans: [], sequentialOverheadPct: [], sequentialPerNodeMs: [], strict: [], legacyRecount: [], tokenMismatches: [], pinned: { items: 0, missing: [] }, facts: { pairs: 0, dropped: [] }, waveEager: [], maxParallel, hardCap: config.context.hardCap };
  const recount = (run: OrchestratedRun): number => [...run.capture.prompts.values()].reduce((sum, prompt) => sum + estimator.count(prompt), 0);
  const journalOf = async (runId: string) => parseJournal(await readFile(join(stateDir, "runs", runId, "journal.jsonl"), "utf8"));

  for (const [index, workload] of workloads.entries()) {
    const spec = parseWorkflow(workload.workflow as object);
    const nodes = new Map(spec.nodes.map((n) => [n.id, n]));
    for (let r = 0; r < options.runs; r++) {
      const seed = options.seedOf(workload, r);
      const runs: Partial<Record<"sequential" | "hybrid", OrchestratedRun>> = {};
      for (const mode of ["sequential", "hybrid"] as const) {
        const run = await runOrchestrated(mode, workload, { seed, stateDir, estimator, model: options.model, runId: `${workload.id}-r${r}-${mode}` });
        m.orchestrated += 1;
        runs[mode] = run;
        if (run.result.status !== "succeeded") {
          const reasons = Object.entries(run.result.nodes).filter(([, n]) => n.status !== "succeeded").map(([id, n]) => `${id}: ${n.status} ${n.error?.message ?? ""}`.trim());
          m.unsucceeded.push({ runId: run.runId, status: run.result.status, reasons: reasons.slice(0, 3) });
        }
        const counted = recount(run);
        if (counted !== run.result.record.metrics.token_input) m.tokenMismatches.push({ runId: run.runId, record: run.result.record.metrics.token_input, recount: counted });
      }
      const seq = runs.sequential!;
      const hyb = runs.hybrid!;
      const seqBound = makespanBound(await journalOf(seq.runId), 1);
      m.sequentialOverheadPct.push(((seqBound.makespanMs - seqBound.totalWorkMs) / seqBound.makespanMs) * 100);
      m.sequentialPerNodeMs.push({ overhead: (seqBound.makespanMs - seqBound.totalWorkMs) / spec.nodes.length, agent: seqBound.totalWorkMs / spec.nodes.length });
      m.makespans.push({ runId: hyb.runId, ...makespanBound(await journalOf(hyb.runId), maxParallel) });

      const hybridTokens = recount(hyb);
      const legacy = savingsPct(recount(seq), hybridTokens);
      if (legacy !== null) m.legacyRecount.push({ runId: hyb.runId, savingsPct: legacy });
      const strictTokens = [...(await strictBaselineTokens(spec.nodes, hyb.capture.outputs, { repoRoot: workload.repoRoot, runId: hyb.runId, estimator })).values()].reduce((a, b) => a + b, 0);
      const strict = savingsPct(strictTokens, hybridTokens);
      if (strict !== null) m.strict.push({ runId: hyb.runId, hybridTokens, strictTokens, savingsPct: strict });

      for (const node of spec.nodes) {
        const prompt = hyb.capture.prompts.get(node.id);
        const pinnedCount = 4 + node.acceptance.length;
        m.pinned.items += pinnedCount;
        const missing = prompt === undefined ? ["(never dispatched)"] : missingPinned(prompt, node);
        if (missing.length > 0) m.pinned.missing.push({ runId: hyb.runId, nodeId: node.id, items: missing });
        const refs = workload.references.get(node.id) ?? [];
        m.facts.pairs += refs.length;
        for (const fact of prompt === undefined ? refs : missingFacts(prompt, refs)) {
          m.facts.dropped.push({
            workflowId: workload.id,
            runId: hyb.runId,
            nodeId: node.id,
            factId: fact.id,
            source: fact.source.kind === "output" ? `output of ${fact.source.nodeId}` : fact.source.path,
            ...(fact.source.kind === "output" ? { distance: distanceUp(nodes, node.id, fact.source.nodeId) ?? -1 } : {}),
            sourceInPrompt: prompt === undefined ? "pruned" : sourceState(prompt, fact),
            promptTokens: prompt === undefined ? 0 : estimator.count(prompt),
          });
        }
      }
      if (index % options.waveEagerEvery === 0) {
        const wave = await runDispatched("wave", workload, { seed, estimator, model: options.model, maxParallel });
        const eager = await runDispatched("eager", workload, { seed, estimator, model: options.model, maxParallel });
        m.waveEager.push({ workflowId: workload.id, wave: wave.makespanMs, eager: eager.makespanMs, ratio: wave.makespanMs / eager.makespanMs });
      }
    }
    options.log(`${index + 1}/${workloads.length} ${workload.id} (${workload.size} nodes) done`);
  }
  return m;
}

/** A seed per (base, label): stable, 31-bit, changed by `--seed`. */
export const deriveSeed = (base: number, label: string): number => hash31(`${base}:${label}`);
