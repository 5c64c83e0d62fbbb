// pnpm acceptance [--full] [--only a,b] [--seed N] [--out DIR] [--keep]
// Runs the acceptance matrix (reduced sample sizes by default, the plan's with --full), writes
// acceptance-report.md and acceptance-report.json, prints the summary table, and exits 1 when a
// gating category (correctness, determinism, recovery, observability, security, governance,
// compatibility) failed, 2 on a usage error.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CATEGORY_IDS } from "./contract.js";
import type { CategoryId, StateDirUse } from "./contract.js";
import { assembleCategories, renderMarkdown, renderSummary } from "./report.js";
import type { AcceptanceReport, SuiteResult } from "./report.js";
import { SUITES } from "./suites.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(repoRoot, "packages/hybrid/dist/cli/bin.js");

function usage(message: string): never {
  console.error(`acceptance: ${message}\nusage: pnpm acceptance [--full] [--only ${CATEGORY_IDS.join(",")}] [--seed N] [--out DIR] [--keep]`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        full: { type: "boolean", default: false },
        only: { type: "string" },
        seed: { type: "string", default: "1" },
        out: { type: "string", default: "." },
        keep: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
})();
const seed = Number(values.seed);
if (!Number.isSafeInteger(seed)) usage(`--seed must be an integer, got "${values.seed}"`);
const only = values.only === undefined ? null : new Set(values.only.split(",").map((s) => s.trim()));
for (const id of only ?? []) if (!(CATEGORY_IDS as readonly string[]).includes(id)) usage(`unknown category "${id}"`);
if (!existsSync(bin)) usage(`${bin} is missing: build first (pnpm build)`);

const commit = (() => {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: repoRoot, encoding: "utf8" }).trim() !== "";
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return null;
  }
})();

const log = (line: string) => process.stderr.write(`[acceptance] ${line}\n`);
const started = Date.now();
const workRoot = mkdtempSync(join(tmpdir(), "hybrid-acceptance-"));
const outcomes = new Map<CategoryId, SuiteResult>();
const stateDirs: StateDirUse[] = [];
const mode = values.full ? "full" : "reduced";
log(`${mode} run, base seed ${seed}, scratch ${workRoot}`);

for (const suite of SUITES) {
  const wanted = suite.categories.filter((id) => only === null || only.has(id));
  // Observability validates what the others wrote: it runs whenever it is wanted.
  if (wanted.length === 0) continue;
  const workDir = join(workRoot, suite.name);
  mkdirSync(workDir, { recursive: true });
  const t0 = Date.now();
  log(`${suite.name}: started`);
  try {
    const result = await suite.run({ full: values.full, seed, workDir, repoRoot, bin, stateDirs: [...stateDirs], log: (line) => log(`${suite.name}: ${line}`) });
    const durationMs = Date.now() - t0;
    for (const id of wanted) {
      const outcome = result[id];
      outcomes.set(id, outcome ? { outcome, durationMs } : { durationMs });
      stateDirs.push(...(outcome?.stateDirs ?? []));
    }
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log(`${suite.name}: could not finish: ${message}`);
    if (error instanceof Error && error.stack) log(error.stack);
    for (const id of wanted) outcomes.set(id, { error: message, durationMs: Date.now() - t0 });
  }
  log(`${suite.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const { categories, failedGating } = assembleCategories(outcomes);
const report: AcceptanceReport = {
  version: 1,
  mode,
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  seed,
  command: ["pnpm acceptance", ...process.argv.slice(2)].join(" "),
  commit,
  machine: { cpus: cpus().length, node: process.versions.node, platform: `${process.platform}-${process.arch}`, loadAverage: loadavg() },
  simulated:
    "Agents were simulated: seeded simulated agents (latency from prompt and output tokens, scaled to real milliseconds) and, where processes matter, a stand-in agent script run by the command runner. No model was called.",
  categories,
  failedGating,
};

const out = resolve(values.out);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "acceptance-report.md"), renderMarkdown(report));
writeFileSync(join(out, "acceptance-report.json"), `${JSON.stringify(report, null, 2)}\n`);
if (!values.keep) rmSync(workRoot, { recursive: true, force: true });
else log(`scratch kept: ${workRoot}`);

process.stdout.write(`\n${renderSummary(report)}\n\n`);
process.stdout.write(`${report.simulated}\nReport: ${join(out, "acceptance-report.md")} (and .json), ${(report.durationMs / 1000).toFixed(0)} s.\n`);
if (report.failedGating.length > 0) {
  process.stdout.write(`FAIL: ${report.failedGating.join(", ")}\n`);
  process.exit(1);
}
