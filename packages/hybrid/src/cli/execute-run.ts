// What `run` and `resume` share once their input is checked: the run view fed every dispatch
// event, Ctrl-C wired to the orchestrator's signal, the summary, the one JSON document, and the
// exit code (0 succeeded, 1 failed or escalated, 130 interrupted).
import type { DispatchEvent } from "@hybrid/dispatch";
import type { RunResult } from "../run-result.js";
import { EXIT } from "./exit-codes.js";
import { watchInterrupts } from "./interrupt.js";
import type { Io } from "./io.js";
import { shellQuote } from "./shell-quote.js";
import { createRunView } from "./view/index.js";

/** What a run's orchestrator is handed by the command that drives it. */
export interface RunHooks {
  signal: AbortSignal;
  onEvent: (event: DispatchEvent) => void;
  onWarning: (message: string) => void;
}

/** One run (or resume) to drive. */
export interface RunJob {
  io: Io;
  runId: string;
  /** As the user gave it, so the printed resume command works from the same folder. */
  stateDir: string;
  workflowId: string;
  planHash: string;
  /** Starts the run with the hooks; resolves when it settles. */
  start(hooks: RunHooks): Promise<RunResult>;
  /** A line said before the run starts (why the mode is what it is), if any. */
  notice?: string;
}

/** `hybrid resume <runId> --state-dir <dir>`, quoted for a POSIX shell. */
export function resumeCommand(runId: string, stateDir: string, extra: readonly string[] = []): string {
  return ["hybrid", "resume", runId, "--state-dir", stateDir, ...extra].map(shellQuote).join(" ");
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** The lines a person reads when the run has settled. */
function summaryOf(result: RunResult, job: RunJob, interrupted: boolean): string {
  const nodes = Object.values(result.nodes);
  const done = nodes.filter((node) => node.status === "succeeded").length;
  const m = result.record.metrics;
  const lines = [
    `run ${result.runId} ${result.status} in ${result.mode} mode (${result.strategyReason}): ${done}/${nodes.length} nodes succeeded, ${seconds(m.duration_ms)}, ` +
      `${m.token_input} input + ${m.token_output} output tokens, ${m.wave_count} waves, parallelism ${m.parallelism_ratio.toFixed(2)}`,
  ];
  for (const failure of result.postMortem?.failed ?? []) lines.push(`  ${failure.node} ${failure.category}: ${failure.rootCause}`);
  for (const [id, node] of Object.entries(result.nodes)) {
    if (node.status === "needs-review" || node.status === "needs-escalation") lines.push(`  ${id} ${node.status}`);
  }
  if (result.escalationUrl) lines.push(`escalated: ${result.escalationUrl}`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  if (interrupted) lines.push(`interrupted; resume with:\n  ${resumeCommand(job.runId, job.stateDir)}`);
  else if (result.status === "failed") lines.push(`to run the failed nodes again:\n  ${resumeCommand(job.runId, job.stateDir, ["--retry-failed"])}`);
  else if (result.status === "aborted") lines.push(`resume with:\n  ${resumeCommand(job.runId, job.stateDir)}`);
  return lines.join("\n");
}

/** The exit code of a settled run. */
export function exitOf(result: RunResult, interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  const escalated = result.escalationUrl !== undefined || Object.values(result.nodes).some((node) => node.status === "needs-escalation");
  return result.status === "succeeded" && !escalated ? EXIT.ok : EXIT.failed;
}

/** Runs a job to its end under the view and the interrupt handler; returns the exit code. */
export async function executeRun(job: RunJob): Promise<number> {
  const { io } = job;
  const view = createRunView({ stream: io.human, live: io.human.isTTY === true && !process.env.CI });
  if (job.notice) io.say(job.notice);
  const interrupts = watchInterrupts({
    onFirst: (signal) => io.warn(`${signal}: stopping run ${job.runId} (running agents are being stopped); press Ctrl-C again to exit at once`),
    onForce: (signal) => {
      view.close();
      io.warn(`${signal} again: exiting now; resume with:\n  ${resumeCommand(job.runId, job.stateDir)}`);
    },
  });
  let result: RunResult;
  try {
    result = await job.start({ signal: interrupts.signal, onEvent: (event) => view.event(event), onWarning: (message) => io.warn(`warning: ${message}`) });
  } catch (error) {
    view.close();
    throw error;
  } finally {
    interrupts.dispose();
  }
  // A signal that came after the last node settled stopped nothing: the run's own outcome stands.
  const interrupted = interrupts.received() !== undefined && result.status === "aborted";
  view.close(summaryOf(result, job, interrupted));
  const document = {
    ...result,
    workflowId: job.workflowId,
    planHash: job.planHash,
    stateDir: job.stateDir,
    metrics: result.record.metrics,
    ...(interrupted || result.status !== "succeeded" ? { resumeCommand: resumeCommand(job.runId, job.stateDir) } : {}),
  };
  await io.result(document, undefined);
  return exitOf(result, interrupted);
}
