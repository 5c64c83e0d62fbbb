// `hybrid run <workflow>`: checks everything it can first (options, config, workflow, docs paths,
// run id, runner), so that bad input exits 2 with the state directory untouched; then keeps how it
// was started beside the journal (for `hybrid resume`) and runs.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { redact } from "@hybrid/context";
import { assertValidRunId } from "@hybrid/resilience";
import { loadConfig } from "../config.js";
import { CliError } from "./errors.js";
import { executeRun } from "./execute-run.js";
import { saveInvocation } from "./invocation.js";
import type { Io } from "./io.js";
import { buildOrchestrator, modeNotice } from "./orchestrator-setup.js";
import type { CliMode, OrchestratorSetup } from "./orchestrator-setup.js";
import { createDistributedRunner, distributedOf } from "./distributed.js";
import type { DistributedFlags } from "./distributed.js";
import { createRunner, runnerSpecOf } from "./runners.js";
import type { RunnerFlags } from "./runners.js";
import { checkWorkflow } from "./workflow-input.js";
import type { CheckedWorkflow } from "./workflow-input.js";

/** The options of `hybrid run`. */
export interface RunOptions extends RunnerFlags, DistributedFlags {
  mode: CliMode;
  maxParallel?: number;
  stateDir: string;
  runId?: string;
  config?: string;
  repoRoot?: string;
}

/** A fresh run id: time-ordered, then random (the orchestrator's own form). */
const newRunId = (): string => `run-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;

/** Runs `hybrid run`; returns the exit code. */
export async function runCommand(workflowPath: string, options: RunOptions, io: Io): Promise<number> {
  const spec = runnerSpecOf(options);
  const distributed = distributedOf(options);
  const repoRoot = resolve(options.repoRoot ?? ".");
  const loaded = await loadConfig({ ...(options.config !== undefined ? { file: options.config } : {}), stateDir: options.stateDir });
  for (const warning of loaded.warnings) io.warn(`warning: ${warning}`);
  const workflow = await checkWorkflow(workflowPath, repoRoot);
  const runId = options.runId ?? newRunId();
  assertValidRunId(runId);
  if (existsSync(join(options.stateDir, "runs", runId))) {
    throw new CliError("run-exists", `run ${runId} already exists in ${options.stateDir}; continue it with \`hybrid resume ${runId} --state-dir ${options.stateDir}\` or pick another --run-id`);
  }
  const created = distributed ? await createDistributedRunner(distributed, options.maxParallel ?? loaded.config.concurrency.maxParallel) : await createRunner(spec);
  const setup = { loaded, mode: options.mode, maxParallel: options.maxParallel, created, stateDir: options.stateDir, repoRoot, seed: spec.seed };
  const notice = await modeNotice(loaded, options.mode);
  // Everything above only read; from here the state directory is written.
  await saveInvocation(
    options.stateDir,
    runId,
    {
      v: 1,
      workflow: workflow.file,
      ...(options.config !== undefined ? { config: resolve(options.config) } : {}),
      mode: options.mode,
      runner: spec,
      ...(options.maxParallel !== undefined ? { maxParallel: options.maxParallel } : {}),
      repoRoot,
      ...(distributed ? { distributed } : {}),
    },
    redact,
  );
  try {
    return await startRun(io, runId, options.stateDir, workflow, setup, notice);
  } finally {
    await created.close?.();
  }
}

/** Runs `workflow` as the new run `runId`: `run` once its input is checked, and `resume` of a run killed before its journal began. */
export function startRun(io: Io, runId: string, stateDir: string, workflow: CheckedWorkflow, setup: OrchestratorSetup, notice?: string): Promise<number> {
  return executeRun({
    io,
    runId,
    stateDir,
    workflowId: workflow.plan.workflowId,
    planHash: workflow.plan.planHash,
    ...(notice ? { notice } : {}),
    start: (hooks) => buildOrchestrator(setup, hooks).execute(workflow.file, { runId, signal: hooks.signal }),
  });
}
