// `hybrid resume <runId>`: continues a run from its journal with the runner, config and mode it was
// started with (`cli.json`), any of which an option may replace. It runs the workflow saved with the
// run; `--workflow FILE` names another, and when that plan differs from the journal's the resume is
// refused (exit 3) unless `--force`, which resumes onto the changed plan. A run held by another
// process is refused too (`LockedError`, exit 3). An edited original file is pointed out, not used.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { redact } from "@hybrid/context";
import { assertValidRunId, createFileCheckpointStore } from "@hybrid/resilience";
import { loadConfig } from "../config.js";
import { RunNotFoundError } from "../orchestrator-errors.js";
import { CliError } from "./errors.js";
import { executeRun } from "./execute-run.js";
import { loadInvocation } from "./invocation.js";
import type { Invocation } from "./invocation.js";
import type { Io } from "./io.js";
import { buildOrchestrator } from "./orchestrator-setup.js";
import { startRun } from "./run.js";
import { createDistributedRunner, resumedDistributedOf } from "./distributed.js";
import type { DistributedFlags } from "./distributed.js";
import { createRunner, runnerSpecOf } from "./runners.js";
import type { RunnerFlags } from "./runners.js";
import { checkWorkflow } from "./workflow-input.js";
import type { CheckedWorkflow } from "./workflow-input.js";
import type { LoadedConfig } from "../config.js";
import type { CreatedRunner } from "./runners.js";

/** The options of `hybrid resume`. */
export interface ResumeOptions extends RunnerFlags, DistributedFlags {
  stateDir: string;
  force: boolean;
  retryFailed: boolean;
  config?: string;
  workflow?: string;
  repoRoot?: string;
}

/** The runner options: given ones over the saved ones; a new `--runner` starts from nothing saved. */
function runnerFlags(options: ResumeOptions, saved: Invocation | undefined, runId: string): RunnerFlags {
  if (options.runner !== undefined || saved === undefined) {
    if (options.runner === undefined) throw new CliError("usage", `run ${runId} was not started by \`hybrid run\` (it has no cli.json): give its --runner and runner options`);
    return options;
  }
  const was = saved.runner;
  return {
    runner: was.kind,
    command: options.command ?? was.command,
    seed: options.seed ?? was.seed,
    timeScale: options.timeScale ?? was.timeScale,
    outputTokens: options.outputTokens ?? was.outputTokens,
    provider: options.provider ?? was.provider,
    baseUrl: options.baseUrl ?? was.baseUrl,
    model: options.model ?? was.model,
  };
}

/** The plan hash the journal's run last ran with (its last `run.started` or `run.resumed`). */
function journaledPlanHash(events: ReadonlyArray<{ type: string; planHash?: string }>): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.type === "run.started" || event.type === "run.resumed") return event.planHash;
  }
  return undefined;
}

/** Says so when the file the run started from now plans differently (or not at all): the saved workflow runs. */
async function editedNotice(file: string, repoRoot: string, journaled: string | undefined): Promise<string | undefined> {
  if (!existsSync(file)) return `note: ${file} is gone; the run resumes with the workflow saved when it started`;
  let planHash: string;
  try {
    planHash = (await checkWorkflow(file, repoRoot)).plan.planHash;
  } catch (error) {
    return `note: ${file} no longer validates; the run resumes with the workflow saved when it started:\n${(error as Error).message}`;
  }
  if (planHash === journaled) return undefined;
  return `note: ${file} changed since the run started; it resumes with the workflow saved then (--workflow ${file} --force resumes with the edited one)`;
}

/** Runs `hybrid resume`; returns the exit code. */
export async function resumeRunCommand(runId: string, options: ResumeOptions, io: Io): Promise<number> {
  assertValidRunId(runId);
  const { events } = await createFileCheckpointStore({ dir: options.stateDir, redact }).read(runId);
  const saved = await loadInvocation(options.stateDir, runId);
  if (events.length === 0 && saved === undefined) throw new RunNotFoundError(runId, options.stateDir, "no journal");
  const distributed = resumedDistributedOf(options, saved, runId);
  const spec = runnerSpecOf(distributed ? { runner: saved?.runner.kind ?? "simulated", seed: options.seed ?? saved?.runner.seed } : runnerFlags(options, saved, runId));
  const config = options.config ?? saved?.config;
  const loaded = await loadConfig({ ...(config !== undefined ? { file: config } : {}), stateDir: options.stateDir });
  for (const warning of loaded.warnings) io.warn(`warning: ${warning}`);
  const repoRoot = resolve(options.repoRoot ?? saved?.repoRoot ?? ".");
  const checked = options.workflow !== undefined ? await checkWorkflow(options.workflow, repoRoot) : undefined;
  const journaled = journaledPlanHash(events as ReadonlyArray<{ type: string; planHash?: string }>);
  // Only a changed plan is handed over: the orchestrator then refuses it (exit 3) unless --force.
  const changed = checked !== undefined && checked.plan.planHash !== journaled ? checked : undefined;
  if (checked === undefined && saved !== undefined && events.length > 0) {
    const notice = await editedNotice(saved.workflow, repoRoot, journaled);
    if (notice) io.warn(notice);
  }
  const created = distributed ? await createDistributedRunner(distributed, saved?.maxParallel ?? loaded.config.concurrency.maxParallel) : await createRunner(spec);
  try {
    return await resumeWith(io, runId, options, { events, saved, checked, changed, journaled, repoRoot, loaded, created, seed: spec.seed });
  } finally {
    await created.close?.();
  }
}

interface Prepared {
  events: readonly unknown[];
  saved: Invocation | undefined;
  checked: CheckedWorkflow | undefined;
  changed: CheckedWorkflow | undefined;
  journaled: string | undefined;
  repoRoot: string;
  loaded: LoadedConfig;
  created: CreatedRunner;
  seed: number | undefined;
}

async function resumeWith(io: Io, runId: string, options: ResumeOptions, prepared: Prepared): Promise<number> {
  const { events, saved, checked, changed, journaled, repoRoot, loaded, created } = prepared;
  const setup = { loaded, mode: saved?.mode ?? "auto", maxParallel: saved?.maxParallel, created, stateDir: options.stateDir, repoRoot, seed: prepared.seed } as const;
  if (events.length === 0) {
    // `hybrid run` saved how it was started but died before the journal's first event: no agent can
    // have started (a node is journaled before its runner is called), and `run` refuses the taken
    // id, so the only way on is to start the run here, from its workflow file.
    const workflow = checked ?? (await checkWorkflow(saved!.workflow, repoRoot));
    io.warn(`note: run ${runId} was stopped before it started; starting it now`);
    return startRun(io, runId, options.stateDir, workflow, setup);
  }
  return executeRun({
    io,
    runId,
    stateDir: options.stateDir,
    workflowId: checked?.plan.workflowId ?? (events[0] as { workflowId?: string }).workflowId ?? "",
    planHash: changed?.plan.planHash ?? journaled ?? "",
    start: (hooks) =>
      buildOrchestrator(setup, hooks).resume(runId, {
        signal: hooks.signal,
        force: options.force,
        retryFailed: options.retryFailed,
        ...(changed ? { workflow: changed.file } : {}),
      }),
  });
}
