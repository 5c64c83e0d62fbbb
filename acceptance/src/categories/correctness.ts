// Correctness: dependencies and caps respected in 100% of runs. Synthetic DAGs of every shape run
// in both modes with the library orchestrators and the seeded simulated agent; the journaled events
// say whether any node started before all its predecessors succeeded, started twice, or ran above a
// cap; the graph alone says what each node must end as. A few more runs go through the built CLI
// with the command runner, where the agent processes count themselves.
import { buildGraph } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import { estimateMedian } from "@hybrid/telemetry";
import { orderViolations } from "@hybrid/test-utils";
import type { Check, Suite } from "../contract.js";
import { count, ofN, pct, spreadOf } from "../format.js";
import { SHAPES, dagCase } from "../dag/cases.js";
import { checkCase } from "../dag/check-case.js";
import type { RunFindings } from "../dag/check-case.js";
import { capViolations, processPeaks, processViolations } from "../dag/oracles.js";
import { runWithProcesses, writeAgentScript } from "../dag/process-runs.js";
import type { ProcessRun } from "../dag/process-runs.js";
import { ramStateDir } from "../dag/state-dir.js";

const TIME_SCALE = 0.0004;
/** Cases run side by side (each run is alone in its own orchestrator): the runs wait on I/O half the time. */
const POOL = 3;

async function inPool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export const correctnessSuite: Suite = {
  name: "correctness",
  categories: ["correctness"],
  async run(ctx) {
    const sizes = ctx.full ? { dags: 200, maxSize: 40, wideMax: 200, processRuns: 20 } : { dags: 100, maxSize: 16, wideMax: 80, processRuns: 6 };
    const base = ctx.seed * 100_003 + 11;
    const processBase = ctx.seed * 100_003 + 5_000_011;
    const cases = Array.from({ length: sizes.dags }, (_, i) => dagCase(base, i, sizes));
    const stateDir = ramStateDir(ctx.workDir, "dag-runs");
    let done = 0;
    const perCase = await inPool(cases, POOL, async (c) => {
      const findings = await checkCase(c, { stateDir, timeScale: TIME_SCALE, runPrefix: "dag" });
      if (++done % 20 === 0) ctx.log(`${done}/${cases.length} DAGs run in both modes`);
      return findings;
    });
    const runs: RunFindings[] = perCase.flat();
    const hybridRuns = runs.filter((r) => r.mode === "hybrid");

    // The command runner through the CLI: caps counted in processes, the journal file read back.
    const processDir = ramStateDir(ctx.workDir, "process-runs");
    const agentScript = writeAgentScript(processDir);
    // The shapes with nodes side by side (not chain; not wide, 50+ processes each): fan-out, fan-in, diamond, layered, random.
    const processCases = Array.from({ length: sizes.processRuns }, (_, i) => dagCase(processBase, Math.floor(i / 5) * SHAPES.length + 1 + (i % 5), { maxSize: 12, failures: false }));
    const processRuns: Array<{ run: ProcessRun; violations: string[]; order: string[]; caps: string[]; cap: number; peak: number; nodes: number }> = [];
    for (const c of processCases) {
      const i = processRuns.length;
      // Global caps of 2–4, so the processes can reach them on two cores.
      const limits = { ...c, maxParallel: 2 + (c.maxParallel % 3) };
      const plan = planSchedule(buildGraph(c.workflow as Parameters<typeof buildGraph>[0]));
      const run = await runWithProcesses(ctx.bin, { dir: processDir, agentScript, stateDir: processDir, runId: `proc-${i}`, workflow: c.workflow, limits, seed: c.seed });
      if (run.code !== 0) ctx.log(`process run ${i} exited ${run.code}: ${run.stderr.slice(-300)}`);
      const order = orderViolations(run.events, plan);
      if (run.observations.length !== plan.order.length) order.push(`${run.observations.length} agent processes reported for ${plan.order.length} nodes`);
      processRuns.push({ run, violations: processViolations(run.observations, limits), order, caps: capViolations(run.events, limits).map((v) => v.message), cap: limits.maxParallel, peak: processPeaks(run.observations).peak, nodes: plan.order.length });
    }
    ctx.log(`${processRuns.length} command-runner runs done`);

    const dispatched = sum(runs.map((r) => r.dispatched)) + sum(processRuns.map((p) => p.run.events.filter((e) => e.type === "node.dispatched").length));
    const totalRuns = runs.length + processRuns.length;
    const dependency = sum(runs.map((r) => r.dependencyViolations.length)) + sum(processRuns.map((p) => p.order.filter((v) => !v.endsWith("twice")).length));
    const duplicates = sum(runs.map((r) => r.duplicates.length)) + sum(processRuns.map((p) => p.order.filter((v) => v.endsWith("twice")).length));
    const globalBad = runs.filter((r) => r.globalViolations.length > 0).length;
    const classBad = runs.filter((r) => r.classWaveViolations.length > 0).length + processRuns.filter((p) => p.caps.length > 0).length;
    const processBad = processRuns.filter((p) => p.violations.length > 0 || p.run.code !== 0).length;
    const nodes = sum(runs.map((r) => r.nodes));
    const mismatched = sum(runs.map((r) => r.statusMismatches.length));
    const parallel = hybridRuns.filter((r) => r.journalPeak > 1).length;
    const capable = hybridRuns.filter((r) => r.cap > 1);
    const atCap = capable.filter((r) => r.journalPeak === r.cap).length;
    const processAtCap = processRuns.filter((p) => p.cap > 1 && p.peak === p.cap).length;
    const withFailures = hybridRuns.filter((r) => r.failedOrReview > 0).length;
    const blocked = sum(hybridRuns.map((r) => r.blocked));
    const utilisation = estimateMedian(capable.map((r) => (r.journalPeak / r.cap) * 100), { seed: base });
    const checks: Check[] = [
      { name: "nodes dispatched before every predecessor succeeded (journal)", measured: ofN(dependency, dispatched, "dispatches"), threshold: "0", pass: dependency === 0 && dispatched > 0, n: totalRuns, unit: "runs", value: dependency },
      { name: "nodes dispatched twice (journal)", measured: ofN(duplicates, dispatched, "dispatches"), threshold: "0", pass: duplicates === 0 && dispatched > 0, n: totalRuns, unit: "runs", value: duplicates },
      {
        name: "runs above the global cap at some instant (journal, and the agent's own count)",
        measured: `${ofN(globalBad, runs.length, "runs")}; hybrid peak/cap median ${pct(utilisation?.median ?? null)}`,
        threshold: "0",
        pass: globalBad === 0,
        n: runs.length,
        unit: "runs",
        spread: spreadOf(utilisation),
        value: globalBad,
      },
      { name: "runs above a per-priority or per-wave cap at some instant", measured: ofN(classBad, totalRuns, "runs"), threshold: "0", pass: classBad === 0, n: totalRuns, unit: "runs", value: classBad },
      {
        name: "command-runner runs above a cap in OS processes (counted by the agent processes)",
        measured: `${ofN(processBad, processRuns.length, "runs")}; peaks ${processRuns.map((p) => `${p.peak}/${p.cap}`).join(", ")}`,
        threshold: "0",
        pass: processRuns.length > 0 && processBad === 0,
        n: processRuns.length,
        unit: "runs (hybrid run --runner command)",
        value: processBad,
      },
      { name: "node statuses equal to what the graph says (succeeded/failed/needs-review/blocked)", measured: `${ofN(nodes - mismatched, nodes, "nodes")}`, threshold: "100%", pass: mismatched === 0 && nodes > 0, n: nodes, unit: "node outcomes", value: nodes === 0 ? 0 : ((nodes - mismatched) / nodes) * 100 },
      {
        name: "not vacuous: hybrid runs with >1 node at once; runs that reached a global cap > 1",
        measured: `${pct((parallel / Math.max(1, hybridRuns.length)) * 100)} (${ofN(parallel, hybridRuns.length, "runs")}); ${ofN(atCap, capable.length, "runs")} at cap; ${ofN(processAtCap, processRuns.filter((p) => p.cap > 1).length, "process runs")} at cap`,
        threshold: ">= 25% parallel, >= 1 at cap in each",
        pass: parallel >= hybridRuns.length / 4 && atCap >= 1 && processAtCap >= 1,
        n: hybridRuns.length,
        unit: "hybrid runs",
        value: (parallel / Math.max(1, hybridRuns.length)) * 100,
      },
      {
        name: "not vacuous: failures and blocking exercised; class caps reached",
        measured: `${ofN(withFailures, hybridRuns.length, "runs")} with a failed node; ${count(blocked)} blocked nodes; ${ofN(hybridRuns.filter((r) => r.classCapReached).length, hybridRuns.length, "runs")} at a class cap`,
        threshold: ">= 25% with failures, >= 1 blocked, >= 1 at a class cap",
        pass: withFailures >= hybridRuns.length / 4 && blocked > 0 && hybridRuns.some((r) => r.classCapReached),
        n: hybridRuns.length,
        unit: "hybrid runs",
      },
    ];
    const problems = [
      ...runs.flatMap((r) => [...r.dependencyViolations, ...r.duplicates, ...r.globalViolations, ...r.classWaveViolations, ...r.statusMismatches].map((p) => `${r.mode}: ${p}`)),
      ...processRuns.flatMap((p) => [...p.order, ...p.caps, ...p.violations].map((v) => `${p.run.runId}: ${v}`)),
    ];
    const warned = runs.filter((r) => r.warnings.length > 0).length;
    const shapeCounts = SHAPES.map((shape) => `${shape} ${cases.filter((c) => c.shape === shape).length}`).join(", ");
    return {
      correctness: {
        checks,
        seeds: [...cases.map((c) => c.seed), ...processCases.map((c) => c.seed)],
        notes: [
          `${count(cases.length)} synthetic DAGs (${shapeCounts}; 2–${sizes.maxSize} nodes, wide 50–${sizes.wideMax}), each run in sequential and hybrid mode with the library orchestrators (${count(runs.length)} runs, ${count(nodes)} node outcomes), ${POOL} DAGs at a time. Caps drawn per DAG: maxParallel 1–6, a class cap 1–3 on each priority with probability 0.4, maxPerWave 1–3 in a quarter; 0–3 nodes per DAG fail for good or leave a criterion unticked (needs-review).`,
          `Latency model: dispatch's seeded simulated agent (createSimulatedAgent): 1000 ms + 0.5 ms per prompt token + 20 ms per output token (400 ± 20%), ± 20% jitter, × ${TIME_SCALE} real ms per model ms, plus the real cost of gates, journal and prompts.`,
          "Oracles: the journaled events (onEvent) read as plain data: a node is live from node.dispatched (written before its agent starts) to its final event (written after the agent settled), an interval covering the agent's; the agent also counts the agents alive itself. Expected statuses come from the graph and the planted failures alone.",
          `Command runner: ${count(processRuns.length)} runs of \`hybrid run --mode hybrid --runner command\` (the built CLI; fan-out, fan-in, diamond, layered and random DAGs of 2–12 nodes, global cap 2–4, a seeded 100–300 ms of work per agent). Each agent process (plain Node, no hybrid code) creates a file in a shared live directory, counts the entries by priority, and removes its file before it exits; the journal file is read back for order and caps. Per-wave caps are not counted in processes (the processes do not know the waves).`,
          `State directories on /dev/shm (RAM): ${stateDir} (${runs.length} runs), ${processDir} (${processRuns.length} runs).`,
          ...(warned > 0 ? [`${warned} runs reported warnings (not failures), e.g. ${runs.find((r) => r.warnings.length > 0)!.warnings[0]!.slice(0, 200)}`] : []),
          ...problems.slice(0, 20).map((p) => `Problem: ${p}`),
        ],
        stateDirs: [
          { dir: stateDir, runs: runs.length },
          { dir: processDir, runs: processRuns.filter((p) => p.run.code === 0 || p.run.code === 1).length },
        ],
        data: { hybridPeaks: hybridRuns.map((r) => [r.journalPeak, r.cap]), processPeaks: processRuns.map((p) => [p.peak, p.cap, p.nodes]) },
      },
    };
  },
};
