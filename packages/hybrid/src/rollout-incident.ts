// The incident bundle `rolloutCheck` writes when a trigger trips: what tripped, its numbers and
// sample, a telemetry summary of the window, and the failed run ids, so whoever is paged can start
// from one file. Redacted and written atomically like the state.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { RequiredMetric, RunRecord } from "@hybrid/telemetry";
import { writeFileAtomically } from "./progress-file.js";
import { redactedJson, type RolloutStage, type TriggerName } from "./rollout-state.js";
import type { TriggerResult, TriggerWindow } from "./rollout-triggers.js";

/** Numbers of the window an incident describes. */
export interface TelemetrySummary {
  runs: { hybrid: number; sequential: number };
  hybridByStatus: Record<string, number>;
  /** Valid and invalid run records in the stage, and which required metrics invalid ones lacked. */
  records: { valid: number; invalid: number; missingMetrics: Partial<Record<RequiredMetric, number>> };
  /** Each trigger's value, by name. */
  values: Record<TriggerName, number | null>;
}

/** An incident bundle, as written to `<stateDir>/incidents/<timestamp>-<trigger>.json`. */
export interface Incident {
  v: 1;
  /** The bundle's path. */
  file: string;
  /** When it was written (epoch ms), and the same as an ISO date. */
  at: number;
  atIso: string;
  trigger: TriggerName;
  value: number | null;
  threshold: number;
  sampleSize: number;
  minSample: number;
  detail: string;
  /** The runs behind the trip. */
  runIds: string[];
  /** Hybrid runs of the window that failed or never completed. */
  failedRunIds: string[];
  stage: RolloutStage;
  window: TriggerWindow;
  summary: TelemetrySummary;
  /** Every trigger as evaluated, tripped or not. */
  triggers: TriggerResult[];
}

/** The telemetry summary of `records` started in `window`. */
export function summarize(records: readonly RunRecord[], window: TriggerWindow, triggers: readonly TriggerResult[], validation: TelemetrySummary["records"]): TelemetrySummary {
  const inWindow = records.filter((record) => record.startedAt >= window.from && record.startedAt <= window.to);
  const hybrid = inWindow.filter((record) => record.mode === "hybrid");
  const hybridByStatus: Record<string, number> = {};
  for (const record of hybrid) hybridByStatus[record.status] = (hybridByStatus[record.status] ?? 0) + 1;
  const values = Object.fromEntries(triggers.map((t) => [t.trigger, t.value])) as Record<TriggerName, number | null>;
  return { runs: { hybrid: hybrid.length, sequential: inWindow.length - hybrid.length }, hybridByStatus, records: validation, values };
}

/** Hybrid runs of the window whose (latest) record did not succeed and was not aborted. */
export function failedRunIds(records: readonly RunRecord[], window: TriggerWindow): string[] {
  const ids = records
    .filter((r) => r.mode === "hybrid" && r.startedAt >= window.from && r.startedAt <= window.to && (r.status === "failed" || r.status === "incomplete"))
    .map((r) => r.runId);
  return [...new Set(ids)];
}

/** `2025-03-01T12-00-00-000Z`: an ISO time that is a valid file name everywhere. */
const stamp = (at: number): string => new Date(at).toISOString().replace(/[:.]/g, "-");

/**
 * Writes one incident bundle per tripped trigger under `<stateDir>/incidents/`, redacted and
 * atomically; the name gets `-2`, `-3` … if a bundle of that trigger and millisecond exists.
 * Returns the bundles with their paths (relative to `stateDir` in `relative`).
 */
export async function writeIncidents(
  stateDir: string,
  tripped: readonly TriggerResult[],
  common: Omit<Incident, "file" | "trigger" | "value" | "threshold" | "sampleSize" | "minSample" | "detail" | "runIds">,
  redact: (text: string) => string,
): Promise<{ incident: Incident; relative: string }[]> {
  const written: { incident: Incident; relative: string }[] = [];
  for (const trigger of tripped) {
    const base = `incidents/${stamp(common.at)}-${trigger.trigger}`;
    let relative = `${base}.json`;
    for (let n = 2; existsSync(join(stateDir, relative)); n++) relative = `${base}-${n}.json`;
    const { trigger: name, value, threshold, sampleSize, minSample, detail, runIds } = trigger;
    const incident: Incident = { ...common, file: join(stateDir, relative), trigger: name, value, threshold, sampleSize, minSample, detail, runIds };
    const { file, ...bundle } = incident;
    const text = redactedJson(bundle, redact);
    await writeFileAtomically(file, text);
    // What is returned is what was written: a caller that prints it prints nothing redaction removed.
    written.push({ incident: { ...(JSON.parse(text) as Omit<Incident, "file">), file }, relative });
  }
  return written;
}
