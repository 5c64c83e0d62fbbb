// The `hybrid` command line: commander parses, each command lives in its own module and is loaded
// only when it runs (so `hybrid --help` and `hybrid plan` never load what `run` needs), and every
// outcome becomes an exit code here: usage errors 2, library errors by their kind (errors.ts).
import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { EXIT } from "./exit-codes.js";
import { createIo, write } from "./io.js";
import type { OutStream } from "./io.js";

const DEFAULT_STATE_DIR = ".hybrid";

function integer(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    return parsed;
  };
}

function nonNegative(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  return parsed;
}

const version = (): string => (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

const stateDirOption = () => new Option("--state-dir <dir>", "state directory: journals, run records, rollout state").default(DEFAULT_STATE_DIR);
const configOption = () => new Option("--config <file>", "config file (default: ./hybrid.config.yaml when it exists)");
const jsonOption = () => new Option("--json", "print one JSON document on stdout; everything else goes to stderr").default(false);
const repoRootOption = () => new Option("--repo-root <dir>", "repository root the nodes' docs paths are read from (default: the current folder)");

/** The runner options `run` and `resume` share. */
function runnerOptions(command: Command, defaultRunner: string | undefined): Command {
  const runner = new Option("--runner <runner>", "who does the work: simulated agents, an agent command, or a model").choices(["simulated", "command", "model"]);
  return command
    .addOption(defaultRunner === undefined ? runner : runner.default(defaultRunner))
    .option("--command <command line>", "with --runner command: the agent's command line (prompt on stdin, answer on stdout)")
    .option("--seed <n>", "seed of the simulated agents and of retry jitter", integer(Number.MIN_SAFE_INTEGER))
    .option("--time-scale <x>", "with --runner simulated: real ms per simulated ms (default 0.01)", nonNegative)
    .option("--output-tokens <n>", "with --runner simulated: mean size of an agent's output in tokens (default 400)", integer(1))
    .addOption(new Option("--provider <provider>", "with --runner model: the API the server speaks").choices(["openai-compatible"]))
    .option("--base-url <url>", "with --runner model: the server's API root (e.g. http://127.0.0.1:11434/v1)")
    .option("--model <name>", "with --runner model: the model name");
}

/** `--redis` and `--queue`: a coordinator's (`run`, `resume`) and a worker's. */
function queueOptions(command: Command, coordinator: boolean): Command {
  return command
    .option("--redis <url>", coordinator ? "run the agents on `hybrid worker`s through this Redis (redis:// or rediss:// URL)" : "the Redis the coordinators enqueue to (redis:// or rediss:// URL)")
    .option("--queue <name>", "the queue's name (default: hybrid)");
}

/** Builds the program; `done` receives each command's exit code. */
function buildProgram(done: (code: number) => void, stdout: OutStream, stderr: OutStream): Command {
  const program = new Command("hybrid")
    .description("Run a workflow of AI-agent work items as a parallel, budgeted, resumable dependency graph.")
    .version(version(), "-V, --version")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: (text) => void stdout.write(text), writeErr: (text) => void stderr.write(text) });

  program
    .command("init")
    .description("write a commented hybrid.config.yaml, an example workflow and a stand-in agent")
    .argument("[dir]", "folder to write into", ".")
    .option("--force", "overwrite files that exist", false)
    .addOption(jsonOption())
    .action(async (dir: string, opts) => done(await (await import("./init.js")).initCommand(dir, opts, createIo(opts.json, stdout, stderr))));

  program
    .command("plan")
    .description("validate a workflow and print its waves, critical path and estimated makespan per mode")
    .argument("<workflow>", "workflow file (YAML or JSON)")
    .addOption(jsonOption().conflicts("format"))
    .addOption(new Option("--format <format>", "text, or a Mermaid flowchart").choices(["text", "mermaid"]).default("text"))
    .addOption(configOption())
    .option("--max-parallel <n>", "the hybrid estimate's parallelism (default: concurrency.maxParallel)", integer(1))
    .addOption(repoRootOption())
    .action(async (workflow: string, opts) => done(await (await import("./plan.js")).planCommand(workflow, opts, createIo(opts.json, stdout, stderr))));

  runnerOptions(
    queueOptions(program
      .command("run"), true)
      .description("run a workflow; Ctrl-C stops it resumably (exit 130)")
      .argument("<workflow>", "workflow file (YAML or JSON)")
      .addOption(new Option("--mode <mode>", "auto asks the flags and the rollout; hybrid or sequential overrides them (never the kill switch)").choices(["auto", "hybrid", "sequential"]).default("auto"))
      .option("--max-parallel <n>", "most agents at once (default: concurrency.maxParallel)", integer(1))
      .addOption(stateDirOption())
      .option("--run-id <id>", "the run's id ([A-Za-z0-9._-]; default: a fresh one)")
      .addHelpText("after", "\nWith --redis, the agents run on `hybrid worker` processes (any machine that reaches the Redis).")
      .addOption(configOption())
      .addOption(repoRootOption())
      .addOption(jsonOption()),
    "simulated",
  ).action(async (workflow: string, opts) => done(await (await import("./run.js")).runCommand(workflow, opts, createIo(opts.json, stdout, stderr))));

  runnerOptions(
    queueOptions(program
      .command("resume"), true)
      .description("continue a stopped, crashed or failed run from its journal")
      .argument("<runId>", "the run's id")
      .addOption(stateDirOption())
      .option("--force", "resume even though the workflow file's plan changed", false)
      .option("--retry-failed", "run the failed nodes (and what they blocked) again", false)
      .option("--workflow <file>", "the workflow file to compare and, with --force, resume with (default: the run's)")
      .addOption(configOption())
      .addOption(repoRootOption())
      .addOption(jsonOption()),
    undefined,
  ).action(async (runId: string, opts) => done(await (await import("./resume.js")).resumeRunCommand(runId, opts, createIo(opts.json, stdout, stderr))));

  runnerOptions(
    queueOptions(program.command("worker"), false)
      .description("run the agents of distributed runs (`hybrid run --redis`) until SIGTERM or Ctrl-C")
      .option("--concurrency <n>", "jobs this worker runs at once (default: 1)", integer(1))
      .option("--name <name>", "the worker's name in logs and errors ([A-Za-z0-9._-]; default: host:pid)")
      .option("--lock-duration <ms>", "a job's lease; a dead worker's job runs elsewhere after about lock + stalled interval (default: 10000)", integer(1000))
      .option("--stalled-interval <ms>", "how often to look for jobs whose worker died (default: 5000)", integer(100))
      .option("--drain-timeout <ms>", "on SIGTERM, how long running jobs may finish before they are handed back (default: 30000)", integer(0)),
    "simulated",
  ).action(async (opts) => done(await (await import("./worker.js")).workerCommand(opts, createIo(false, stdout, stderr))));

  program
    .command("report")
    .description("compare sequential and hybrid runs, show trends, write the HTML dashboard, validate run records")
    .addOption(stateDirOption())
    .option("--compare", "the sequential vs hybrid comparison alone", false)
    .addOption(new Option("--by <period>", "trend period").choices(["day", "week"]).default("day"))
    .option("--html <file>", "also write the HTML dashboard to this file")
    .addOption(new Option("--validate", "validate every run record instead (exit 1 when one is invalid)").default(false).conflicts(["compare", "html"]))
    .addOption(jsonOption())
    .action(async (opts) => done(await (await import("./report.js")).reportCommand(opts, createIo(opts.json, stdout, stderr))));

  program
    .command("flags")
    .description("the effective flags and rollout, and where each value came from")
    .addOption(configOption())
    .addOption(stateDirOption())
    .option("--workflow <file>", "also say which mode this workflow would run in, and why")
    .addOption(jsonOption())
    .action(async (opts) => done(await (await import("./flags.js")).flagsCommand(opts, createIo(opts.json, stdout, stderr))));

  const rollout = program.command("rollout").description("the rollout guard: stages 0 → 5 → 25 → 50 → 100 %, triggers, kill switch");
  const rolloutCommand = (name: string, description: string) =>
    rollout.command(name).description(description).addOption(stateDirOption()).addOption(configOption()).addOption(jsonOption());
  rolloutCommand("status", "stage, dwell, telemetry, triggers, and what blocks an advance").action(async (opts) =>
    done(await (await import("./rollout.js")).rolloutStatusCommand(opts, createIo(opts.json, stdout, stderr))),
  );
  rolloutCommand("advance", "move to the next stage (refused with every reason: exit 1)").action(async (opts) =>
    done(await (await import("./rollout.js")).rolloutAdvanceCommand(opts, createIo(opts.json, stdout, stderr))),
  );
  rolloutCommand("check", "evaluate the rollback triggers; one tripped engages the kill switch (exit 1)").action(async (opts) =>
    done(await (await import("./rollout.js")).rolloutCheckCommand(opts, createIo(opts.json, stdout, stderr))),
  );
  rolloutCommand("resume", "release the kill switch the guard engaged, once its incident is resolved")
    .requiredOption("--reason <text>", "why the rollout may go on (kept in its history)")
    .action(async (opts) => done(await (await import("./rollout.js")).rolloutResumeCommand(opts, createIo(opts.json, stdout, stderr))));
  return program;
}

/** Runs the CLI on `args` (without `node` and the script); resolves to the exit code. */
export async function main(args: readonly string[], stdout: OutStream = process.stdout, stderr: OutStream = process.stderr): Promise<number> {
  // Known before parsing, so even a usage error is one JSON document when --json was asked for.
  const json = args.includes("--json");
  let code: number = EXIT.ok;
  try {
    await buildProgram((exit) => (code = exit), stdout, stderr).parseAsync([...args], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
      // commander has printed the problem (and a suggestion) on stderr already.
      if (json) await write(stdout, `${JSON.stringify({ error: { code: error.code, exitCode: EXIT.usage, message: error.message } }, null, 2)}\n`);
      return EXIT.usage;
    }
    const { errorDocument, exitCodeOf } = await import("./errors.js");
    const exit = exitCodeOf(error);
    const coded = error instanceof Error && typeof (error as { code?: unknown }).code === "string";
    // A library error's message names the file, the path and the problem; anything else is a bug: its stack.
    await write(stderr, `${coded || !(error instanceof Error) ? String((error as Error).message ?? error) : (error.stack ?? error.message)}\n`);
    if (json) await write(stdout, `${JSON.stringify(errorDocument(error), null, 2)}\n`);
    return exit;
  }
}
