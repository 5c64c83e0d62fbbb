// Part (a) of governance: every workflow run in both modes through the library orchestrators, and
// the two gate logs compared; the run records read back from runs.jsonl compared the same way.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "@hybrid/hybrid";
import { diffLogs, normaliseGateLog, recordGates, recordView } from "./gate-log.js";
import { MODES, readRuns, recordingAgent, runOnce, type Mode } from "./runs.js";
import type { ComparedWorkflow } from "./workflows.js";

export interface Comparison {
  name: string;
  entries: number;
  /** Failing (or needs-review) entries in the sequential log: the comparison is not only over passes. */
  failing: number;
  equal: boolean;
  /** The record in runs.jsonl of each mode says what the in-process log says, and both records agree. */
  recordsAgree: boolean;
  statuses: Record<Mode, string>;
  /** The mode each run really went in (a hybrid run that fell back to sequential would compare nothing). */
  ranAs: Record<Mode, string>;
  /** Most agents alive at once in the hybrid run. */
  hybridPeak: number;
  diff?: { onlyA: string[]; onlyB: string[] };
  error?: string;
}

/** Runs each workflow in both modes with the same seeded agent and compares their gate logs. */
export async function compareModesOn(
  workflows: readonly ComparedWorkflow[],
  options: { workDir: string; repoRoot: string; seed: number; timeScale: number; onProgress?: (done: number) => void },
): Promise<{ comparisons: Comparison[]; stateDirs: Array<{ dir: string; runs: number }> }> {
  const dirs = Object.fromEntries(MODES.map((m) => [m, join(options.workDir, `compare-${m}`)])) as Record<Mode, string>;
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const finished: Record<Mode, number> = { sequential: 0, hybrid: 0 };
  const comparisons: Comparison[] = [];
  for (const [i, w] of workflows.entries()) {
    const results: Partial<Record<Mode, RunResult>> = {};
    const agents = Object.fromEntries(MODES.map((m) => [m, recordingAgent(options.seed + i, options.timeScale, w.behaviour)])) as Record<Mode, ReturnType<typeof recordingAgent>>;
    try {
      // The two modes at once: separate state directories and agents, and the fsyncs overlap.
      await Promise.all(MODES.map(async (mode) => {
        results[mode] = await runOnce({
          mode,
          workflow: w.workflow,
          runId: `cmp-${i}-${mode}`,
          stateDir: dirs[mode],
          repoRoot: options.repoRoot,
          agent: agents[mode],
          seed: options.seed + i,
        });
        finished[mode] += 1;
      }));
      const a = normaliseGateLog(results.sequential!.gates);
      const b = normaliseGateLog(results.hybrid!.gates);
      const diff = diffLogs(a, b);
      const equal = diff.onlyA.length === 0 && diff.onlyB.length === 0;
      let recordsAgree = true;
      for (const mode of MODES) {
        const onDisk = recordGates(await readRuns(dirs[mode]), `cmp-${i}-${mode}`);
        if (onDisk === null || JSON.stringify(onDisk) !== JSON.stringify(recordView(results[mode]!.gates))) recordsAgree = false;
      }
      comparisons.push({
        name: w.name,
        entries: a.length,
        failing: results.sequential!.gates.filter((g) => g.decision !== "pass").length,
        equal,
        recordsAgree,
        statuses: { sequential: results.sequential!.status, hybrid: results.hybrid!.status },
        ranAs: { sequential: results.sequential!.mode, hybrid: results.hybrid!.mode },
        hybridPeak: agents.hybrid.peak(),
        ...(equal ? {} : { diff: { onlyA: diff.onlyA.slice(0, 5), onlyB: diff.onlyB.slice(0, 5) } }),
      });
    } catch (error) {
      comparisons.push({ name: w.name, entries: 0, failing: 0, equal: false, recordsAgree: false, statuses: { sequential: results.sequential?.status ?? "threw", hybrid: results.hybrid?.status ?? "threw" }, ranAs: { sequential: "?", hybrid: "?" }, hybridPeak: 0, error: String(error) });
    }
    options.onProgress?.(i + 1);
  }
  return { comparisons, stateDirs: MODES.map((m) => ({ dir: dirs[m], runs: finished[m] })) };
}
