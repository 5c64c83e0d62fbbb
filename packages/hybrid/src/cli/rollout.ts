// `hybrid rollout status|advance|check|resume`: the rollout guard of @hybrid/hybrid over the state
// directory's run records. `status` reads only; `advance` moves one stage or is refused (exit 1,
// every reason listed); `check` evaluates the rollback triggers and, when one trips, writes the
// incident and engages the kill switch (exit 1); `resume` releases a kill switch the guard engaged.
import { redact } from "@hybrid/context";
import { createJsonlRunStore } from "@hybrid/telemetry";
import { loadConfig } from "../config.js";
import { rolloutAdvance, rolloutCheck, rolloutResume, rolloutStatus } from "../rollout.js";
import type { RolloutStatus } from "../rollout.js";
import { EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";

/** The options every `rollout` subcommand takes. */
export interface RolloutCommandOptions {
  stateDir: string;
  config?: string;
}

const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
const iso = (at: number): string => new Date(at).toISOString();

function statusText(s: RolloutStatus): string {
  const lines = [
    `rollout stage ${s.stage}% (${s.tracked && s.since !== null ? `since ${iso(s.since)}` : "untracked: stage 0 until the first advance"})${s.nextStage !== null ? `, next ${s.nextStage}%` : ", the last stage"}`,
  ];
  if (s.nextStage !== null) {
    lines.push(`dwell before ${s.nextStage}%: ${s.dwell.elapsedMs === null ? "served" : `${hours(s.dwell.elapsedMs)} of ${hours(s.dwell.requiredMs)}, ${hours(s.dwell.remainingMs)} remain`}`);
  }
  lines.push(`telemetry of the stage: ${s.telemetry.valid} of ${s.telemetry.runs} run records valid`);
  lines.push("triggers:");
  for (const t of s.triggers) lines.push(`  ${t.trigger.padEnd(14)} ${t.status.padEnd(17)} ${t.detail}`);
  lines.push(`kill switch: ${s.killSwitch ? `engaged at ${iso(s.killSwitch.at)} (${s.killSwitch.reason})` : "off"}`);
  if (s.blockers.length === 0) lines.push("advance: ready");
  else lines.push("advance: blocked", ...s.blockers.map((b) => `  - ${b.message} [${b.code}]`));
  return lines.join("\n");
}

async function optionsOf(options: RolloutCommandOptions) {
  const loaded = await loadConfig({ ...(options.config !== undefined ? { file: options.config } : {}), stateDir: options.stateDir });
  return { stateDir: options.stateDir, config: loaded, redact, runStore: createJsonlRunStore({ dir: options.stateDir, redact }) };
}

/** `rollout status`. */
export async function rolloutStatusCommand(options: RolloutCommandOptions, io: Io): Promise<number> {
  const status = await rolloutStatus(await optionsOf(options));
  await io.result(status, statusText(status));
  return EXIT.ok;
}

/** `rollout advance`: refused → `RolloutError`, which exits 1 with every reason. */
export async function rolloutAdvanceCommand(options: RolloutCommandOptions, io: Io): Promise<number> {
  const advanced = await rolloutAdvance(await optionsOf(options));
  await io.result(advanced, `rollout advanced from ${advanced.from}% to ${advanced.to}% at ${iso(advanced.since)}`);
  return EXIT.ok;
}

/** `rollout check`: exit 1 when a trigger tripped. */
export async function rolloutCheckCommand(options: RolloutCommandOptions, io: Io): Promise<number> {
  const checked = await rolloutCheck(await optionsOf(options));
  const lines = checked.triggers.map((t) => `  ${t.trigger.padEnd(14)} ${t.status.padEnd(17)} ${t.detail}`);
  const head = !checked.tripped
    ? "rollout check: no trigger tripped"
    : checked.alreadyEngaged
      ? "rollout check: a trigger tripped; the kill switch was already engaged"
      : `rollout check: a trigger tripped; kill switch engaged, incident${checked.incidents.length === 1 ? "" : "s"}: ${checked.incidents.map((i) => i.file).join(", ")}`;
  await io.result(checked, [head, ...lines].join("\n"));
  return checked.tripped ? EXIT.failed : EXIT.ok;
}

/** `rollout resume --reason …`: releases the kill switch the guard engaged. */
export async function rolloutResumeCommand(options: RolloutCommandOptions & { reason: string }, io: Io): Promise<number> {
  const state = await rolloutResume({ stateDir: options.stateDir, reason: options.reason, redact });
  await io.result(state, `rollout resumed at stage ${state.stage}%: the kill switch is released, the stage's dwell starts again`);
  return EXIT.ok;
}
