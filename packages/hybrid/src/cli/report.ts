// `hybrid report`: the run records of a state directory through telemetry's reports — the
// sequential vs hybrid comparison with its verdict, the trend by day or week, the HTML dashboard,
// or the validation of every record. Reads only, except the dashboard file it is asked to write.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { redact } from "@hybrid/context";
import { buildReport, createJsonlRunStore, renderDashboard, renderTerminalTable, validateRunRecords } from "@hybrid/telemetry";
import type { RunRecordValidation } from "@hybrid/telemetry";
import { EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";

/** The options of `hybrid report`. */
export interface ReportOptions {
  stateDir: string;
  compare: boolean;
  by: "day" | "week";
  html?: string;
  validate: boolean;
}

function validationText(v: RunRecordValidation, file: string): string {
  const lines = [`${file}: ${v.valid} of ${v.total} run records valid (${v.validPct.toFixed(1)}%)${v.complete ? ", every required metric present" : ""}`];
  for (const [metric, count] of Object.entries(v.missingMetrics)) lines.push(`  ${count} record(s) lack ${metric}`);
  for (const problem of v.problems.slice(0, 20)) {
    lines.push(`  line ${problem.line ?? problem.index}${problem.runId ? ` (${problem.runId})` : ""}: ${problem.reasons.join("; ")}`);
  }
  if (v.problems.length > 20) lines.push(`  … and ${v.problems.length - 20} more`);
  if (v.tornTail) lines.push(`  line ${v.tornTail.line}: torn last line, ignored (${v.tornTail.reason})`);
  return lines.join("\n");
}

/** Runs `hybrid report`; returns the exit code (1 when `--validate` finds an invalid record). */
export async function reportCommand(options: ReportOptions, io: Io): Promise<number> {
  const store = createJsonlRunStore({ dir: options.stateDir, redact, onWarning: (message) => io.warn(`warning: ${message}`) });
  if (options.validate) {
    const validation = await validateRunRecords(store);
    await io.result(validation, validationText(validation, store.file));
    return validation.complete ? EXIT.ok : EXIT.failed;
  }
  const records = await store.query();
  const report = buildReport(records, { redact, by: options.by });
  let dashboard: string | undefined;
  if (options.html !== undefined) {
    dashboard = resolve(options.html);
    await mkdir(dirname(dashboard), { recursive: true });
    await writeFile(dashboard, renderDashboard(records, { redact, by: options.by, title: "hybrid dashboard" }));
  }
  // `--compare` is the comparison alone: the same table without the trend.
  const shown = options.compare ? { ...report, trend: { ...report.trend, points: [] } } : report;
  const text = `${renderTerminalTable(shown).trimEnd()}${dashboard ? `\n\ndashboard: ${dashboard}` : ""}`;
  const document = options.compare ? report.comparison : report;
  await io.result(dashboard ? { ...document, dashboard } : document, text);
  return EXIT.ok;
}
