// The main job, as a user runs it: a thin script over the `hybrid` CLI.
//   pnpm demo [workflow.yaml] [--fresh] [--runs N] [--state-dir DIR] [--output-tokens N]
// It plans the workflow (`hybrid plan`), runs it N times in each mode with seeded simulated agents
// (`hybrid run --mode sequential` then `--mode hybrid`, pair i with the same seed, so the two differ
// only by mode), then compares the modes and writes the dashboard (`hybrid report --compare --html`).
// The verdict needs at least 5 succeeded runs of each mode, so N defaults to 5. A simulated agent
// takes about 50 ms (--time-scale 0.005, half the CLI's default) so that the demo stays under 40 s
// on 2 cores; the orchestration overhead then weighs more against hybrid, never for it.
//
// State is kept in .hybrid/demo between invocations, so the comparison grows and the dashboard's
// trends get history; each invocation continues the seeds where the last one stopped (a repeated
// draw would only pretend to add evidence). --fresh wipes the state first.
//
// Like the benchmarks, it runs what users run: the built `hybrid` bin (packages/hybrid/dist), so it
// first brings dist/ up to date (`tsc -b`: about 2 s when nothing changed, a full build the first
// time after a clone).
import { execFile } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = fileURLToPath(new URL("../packages/hybrid/dist/cli/bin.js", import.meta.url));
const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));

/** Real ms per simulated ms of the simulated agents. */
const TIME_SCALE = "0.005";
/**
 * Mean output of a simulated agent, in tokens: about a page and a half, what a design note, a
 * security review or an implementation summary handed to the next agent runs to (the CLI's default,
 * 400, is a short status note). The legacy prompt of a later node carries every earlier output, so
 * this size drives the token comparison: the demo prints it, and `--output-tokens` changes it.
 */
const OUTPUT_TOKENS = "1500";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    fresh: { type: "boolean", default: false },
    runs: { type: "string", default: "5" },
    "state-dir": { type: "string", default: ".hybrid/demo" },
    "output-tokens": { type: "string", default: OUTPUT_TOKENS },
  },
});
const workflow = resolve(positionals[0] ?? fileURLToPath(new URL("./workflows/hybrid-epic.yaml", import.meta.url)));
const stateDir = resolve(values["state-dir"]);
const runs = Number(values.runs);
const outputTokens = values["output-tokens"];
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`demo: --runs must be a whole number >= 1, got "${values.runs}"`);
  process.exit(2);
}

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node <args>` as a child process, from the repository root. */
function node(args: string[]): Promise<Cli> {
  return new Promise((done) => {
    // NODE_OPTIONS may carry the @hybrid/source condition (vitest, tsx): the bin must load dist/.
    const { NODE_OPTIONS: _, ...env } = process.env;
    execFile(process.execPath, args, { cwd: root, maxBuffer: 256 * 1024 * 1024, env }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `hybrid <args>`: the built bin. */
const hybrid = (args: string[]): Promise<Cli> => node([bin, ...args]);

function fail(what: string, cli: Cli): never {
  process.stderr.write(cli.stderr);
  console.error(`demo: ${what} exited with ${cli.code}`);
  process.exit(cli.code === 0 ? 1 : cli.code);
}

interface RunJson {
  runId: string;
  mode: string;
  strategyReason: string;
  status: string;
  metrics: { duration_ms: number; token_input: number; wave_count: number; parallelism_ratio: number; retry_count: number; failed_count: number };
}

/** Pairs already in the state dir: runs named demo-<seed>-hybrid. */
function pairsSoFar(): number {
  const dir = resolve(stateDir, "runs");
  if (!existsSync(dir)) return 0;
  return Math.max(0, ...readdirSync(dir).map((name) => /^demo-(\d+)-hybrid$/.exec(name)?.[1]).filter((n) => n !== undefined).map(Number));
}

async function main(): Promise<void> {
  const build = await node([tsc, "-b"]);
  if (build.code !== 0) {
    process.stderr.write(build.stdout);
    fail("tsc -b (the build of dist/)", build);
  }
  if (values.fresh) rmSync(stateDir, { recursive: true, force: true });
  const plan = await hybrid(["plan", workflow]);
  if (plan.code !== 0) fail("hybrid plan", plan);
  process.stdout.write(plan.stdout);

  const first = pairsSoFar() + 1;
  const kept = first > 1 ? `; ${first - 1} earlier pair(s) kept in ${stateDir} (--fresh wipes them)` : "";
  console.log(
    `\n${runs} seeded run(s) per mode with simulated agents (outputs of ~${outputTokens} tokens, --time-scale ${TIME_SCALE}), seeds ${first}..${first + runs - 1}${kept}`,
  );
  let failed = 0;
  for (let seed = first; seed < first + runs; seed++) {
    for (const mode of ["sequential", "hybrid"] as const) {
      const args = ["run", workflow, "--mode", mode, "--runner", "simulated", "--seed", String(seed), "--time-scale", TIME_SCALE, "--output-tokens", outputTokens];
      const cli = await hybrid([...args, "--state-dir", stateDir, "--run-id", `demo-${seed}-${mode}`, "--repo-root", resolve(root, "examples/repo"), "--json"]);
      if (cli.code !== 0 && cli.code !== 1) fail(`hybrid ${args.join(" ")}`, cli);
      const run = JSON.parse(cli.stdout) as RunJson;
      if (run.status !== "succeeded") failed++;
      const m = run.metrics;
      console.log(
        `${run.runId.padEnd(18)} ${run.status}: ${(m.duration_ms / 1000).toFixed(2)} s, ${m.token_input.toLocaleString("en")} prompt tokens, ` +
          `${m.wave_count} waves, parallelism ${m.parallelism_ratio.toFixed(2)}, ${m.retry_count} retries`,
      );
    }
  }

  const dashboard = resolve(stateDir, "dashboard.html");
  const report = await hybrid(["report", "--state-dir", stateDir, "--compare", "--html", dashboard]);
  if (report.code !== 0) fail("hybrid report", report);
  process.stdout.write(`\n${report.stdout.replace(/\n*dashboard: .*\n?$/, "\n")}`);
  console.log(`\ndashboard: ${dashboard}`);
  if (failed > 0) console.log(`${failed} run(s) did not succeed: their post-mortems are in ${resolve(stateDir, "ledger.jsonl")}`);
}

await main();
