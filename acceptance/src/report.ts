// The acceptance report: a summary table (one row per category), then every check of every
// category with its sample size, spread, seeds and notes. Markdown for people, JSON for tools.
import { CATEGORY_IDS, GATING } from "./contract.js";
import type { CategoryId, CategoryOutcome, Check } from "./contract.js";
import { count } from "./format.js";

export const CATEGORY_INFO: Record<CategoryId, { title: string; promise: string }> = {
  correctness: { title: "Correctness", promise: "dependencies respected in 100% of runs; no cap exceeded" },
  determinism: { title: "Determinism", promise: "same inputs → same plan and schedule order, 100%" },
  performance: { title: "Performance", promise: "end-to-end duration ≥ 30% better than sequential (median)" },
  "token-efficiency": { title: "Token efficiency", promise: "≥ 35% fewer prompt tokens than sequential (median); pinned items and facts recalled 100%" },
  reliability: { title: "Reliability", promise: "≥ 99% of runs complete under transient failures" },
  recovery: { title: "Recovery", promise: "100% restart success, 0 duplicate side effects" },
  observability: { title: "Observability", promise: "every required metric on 100% of runs" },
  security: { title: "Security", promise: "0 secrets in prompts, logs, events, journals, records, ledger, cache, reports" },
  governance: { title: "Governance", promise: "G1–G10 enforced identically in both modes" },
  compatibility: { title: "Compatibility", promise: "sequential mode unaffected (byte-identical regression suite)" },
};

export type Status = "PASS" | "FAIL";

export interface CategoryReport extends CategoryOutcome {
  id: CategoryId;
  title: string;
  promise: string;
  /** A failure makes `pnpm acceptance` exit non-zero. */
  gating: boolean;
  status: Status;
  /** Why the suite could not measure (it threw): the category is FAIL. */
  error?: string;
  durationMs: number;
}

export interface AcceptanceReport {
  version: 1;
  mode: "reduced" | "full";
  startedAt: string;
  durationMs: number;
  seed: number;
  command: string;
  commit: string | null;
  machine: { cpus: number; node: string; platform: string; loadAverage: number[] };
  simulated: string;
  categories: CategoryReport[];
  /** Gating categories that failed: non-empty means exit 1. */
  failedGating: CategoryId[];
}

export const statusOf = (checks: readonly Check[], error?: string): Status => (error === undefined && checks.length > 0 && checks.every((c) => c.pass) ? "PASS" : "FAIL");

/** What the runner got from a suite for one category: an outcome, or the error that stopped the suite. */
export interface SuiteResult {
  outcome?: CategoryOutcome;
  error?: string;
  durationMs: number;
}

/**
 * The report's categories, in matrix order, from what the suites returned; with the gating ones
 * that failed (a failed check, an error, or nothing measured), which make the run exit 1.
 */
export function assembleCategories(results: ReadonlyMap<CategoryId, SuiteResult>): { categories: CategoryReport[]; failedGating: CategoryId[] } {
  const categories: CategoryReport[] = [];
  for (const id of CATEGORY_IDS) {
    const entry = results.get(id);
    if (!entry) continue;
    const outcome = entry.outcome ?? { checks: [], seeds: [], notes: [], stateDirs: [] };
    const error = entry.error ?? (entry.outcome ? undefined : "the suite returned nothing for this category");
    categories.push({
      id,
      ...CATEGORY_INFO[id],
      gating: GATING.has(id),
      ...outcome,
      status: statusOf(outcome.checks, error),
      ...(error === undefined ? {} : { error }),
      durationMs: entry.durationMs,
    });
  }
  return { categories, failedGating: categories.filter((c) => c.gating && c.status === "FAIL").map((c) => c.id) };
}

const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** The summary table: a row per category, its headline check (the first) and how many checks passed. */
export function renderSummary(report: AcceptanceReport): string {
  const rows = ["| Category | Promise | Measured (headline) | Threshold | N | Checks | Result |", "| --- | --- | --- | --- | --- | --- | --- |"];
  for (const c of report.categories) {
    const head = c.checks[0];
    const passed = c.checks.filter((k) => k.pass).length;
    const result = c.status === "PASS" ? "PASS" : c.gating ? "**FAIL**" : "**FAIL** (reported)";
    rows.push(
      `| ${cell(c.title)} | ${cell(c.promise)} | ${cell(head ? `${head.name}: ${head.measured}` : c.error ? `error: ${c.error}` : "nothing measured")} | ${cell(head?.threshold ?? "—")} | ${head ? `${count(head.n)} ${cell(head.unit)}` : "—"} | ${passed}/${c.checks.length} | ${result} |`,
    );
  }
  return rows.join("\n");
}

export function renderMarkdown(report: AcceptanceReport): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const lines = [
    `# Acceptance report (${report.mode})`,
    "",
    `\`${report.command}\` — ${report.startedAt}, ${seconds(report.durationMs)}, commit ${report.commit ?? "unknown"}, base seed ${report.seed}.`,
    `Machine: ${report.machine.cpus} CPUs, Node ${report.machine.node}, ${report.machine.platform}, load average at the end ${report.machine.loadAverage.map((l) => l.toFixed(2)).join(" / ")}.`,
    "",
    `**${report.simulated}**`,
    "",
    report.failedGating.length === 0 ? "Every gating category passed." : `Gating categories that failed: ${report.failedGating.join(", ")} (exit 1).`,
    "Timing categories (performance, token efficiency, reliability) are reported, not gating: the machine is noisy; a median below its threshold still reads FAIL.",
    "",
    renderSummary(report),
    "",
  ];
  for (const c of report.categories) {
    lines.push(`## ${c.title}: ${c.status}`, "", `Promise: ${c.promise}. ${c.gating ? "Gating" : "Reported, not gating"}; took ${seconds(c.durationMs)}.`, "");
    if (c.error !== undefined) lines.push(`The suite could not finish: ${c.error}`, "");
    if (c.checks.length > 0) {
      lines.push("| Check | Measured | Threshold | N | Spread | Result |", "| --- | --- | --- | --- | --- | --- |");
      for (const k of c.checks) lines.push(`| ${cell(k.name)} | ${cell(k.measured)} | ${cell(k.threshold)} | ${count(k.n)} ${cell(k.unit)} | ${cell(k.spread ?? "—")} | ${k.pass ? "PASS" : "**FAIL**"} |`);
      lines.push("");
    }
    for (const note of c.notes) lines.push(`- ${note}`);
    if (c.seeds.length > 0) lines.push(`- Seeds: ${c.seeds.length <= 12 ? c.seeds.join(", ") : `${c.seeds.slice(0, 6).join(", ")}, … ${c.seeds.slice(-3).join(", ")} (${count(c.seeds.length)} in all; every one in the JSON report)`}.`);
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
