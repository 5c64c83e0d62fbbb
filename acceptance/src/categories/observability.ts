// Observability: `hybrid report --validate` over every state directory the other suites ran in.
// Every record must be valid (so it carries every required metric), and every run that reached its
// end must have left one.
import { REQUIRED_METRICS } from "@hybrid/telemetry";
import { hybrid } from "../cli.js";
import type { Check, Suite } from "../contract.js";
import { count, ofN, pct } from "../format.js";

interface Validation {
  total: number;
  valid: number;
  complete: boolean;
  missingMetrics: Record<string, number>;
  problems: Array<{ line?: number; runId?: string; reasons: string[] }>;
  tornTail?: { line: number; reason: string };
}

export const observabilitySuite: Suite = {
  name: "observability",
  categories: ["observability"],
  async run(ctx) {
    let total = 0;
    let valid = 0;
    let expected = 0;
    let short = 0;
    let torn = 0;
    const failures: string[] = [];
    const missing: Record<string, number> = {};
    for (const use of ctx.stateDirs) {
      const cli = await hybrid(ctx.bin, ["report", "--validate", "--json", "--state-dir", use.dir]);
      let v: Validation;
      try {
        v = JSON.parse(cli.stdout) as Validation;
      } catch {
        failures.push(`${use.dir}: hybrid report --validate exited ${cli.code} without JSON: ${cli.stderr.trim().slice(0, 300)}`);
        continue;
      }
      if ((cli.code === 0) !== v.complete) failures.push(`${use.dir}: exit code ${cli.code} disagrees with complete=${v.complete}`);
      total += v.total;
      valid += v.valid;
      expected += use.runs;
      if (v.total < use.runs) {
        short += use.runs - v.total;
        failures.push(`${use.dir}: ${v.total} records for ${use.runs} finished runs`);
      }
      if (v.tornTail) torn += 1;
      for (const [name, n] of Object.entries(v.missingMetrics)) missing[name] = (missing[name] ?? 0) + n;
      for (const p of v.problems.slice(0, 5)) failures.push(`${use.dir}: line ${p.line ?? "?"} (${p.runId ?? "no run id"}): ${p.reasons.join("; ").slice(0, 300)}`);
    }
    const missingTotal = Object.values(missing).reduce((a, b) => a + b, 0);
    const checks: Check[] = [
      {
        name: "records valid, with every required metric",
        measured: `${pct(total === 0 ? null : (valid / total) * 100)} (${ofN(valid, total, "records")})`,
        threshold: "100%",
        pass: total > 0 && valid === total,
        n: total,
        unit: "records",
        value: total === 0 ? 0 : (valid / total) * 100,
      },
      {
        name: "finished runs that left a record",
        measured: ofN(expected - short, expected, "runs"),
        threshold: "100%",
        pass: expected > 0 && short === 0,
        n: expected,
        unit: "runs",
      },
      {
        name: "required metrics missing",
        measured: missingTotal === 0 ? "0" : Object.entries(missing).map(([k, n]) => `${k} ×${n}`).join(", "),
        threshold: "0",
        pass: missingTotal === 0,
        n: total * REQUIRED_METRICS.length,
        unit: "record metrics",
      },
      {
        name: "torn store tails",
        measured: count(torn),
        threshold: "0",
        pass: torn === 0,
        n: ctx.stateDirs.length,
        unit: "state directories",
      },
    ];
    return {
      observability: {
        checks,
        seeds: [],
        notes: [
          `\`hybrid report --validate --json\` (the built CLI) over the ${count(ctx.stateDirs.length)} state directories the other suites wrote; required metrics: ${REQUIRED_METRICS.join(", ")}.`,
          ...failures.slice(0, 20).map((f) => `Problem: ${f}`),
        ],
        stateDirs: [],
      },
    };
  },
};
