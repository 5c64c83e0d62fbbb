// The agent runner a run uses, from `--runner` and its options. The model runner's module (and the
// AI SDK behind it) is imported only when `--runner model` is asked for: every other command and
// runner works without those dependencies.
import { createCommandRunner } from "@hybrid/dispatch";
import type { AgentRunner } from "@hybrid/dispatch";
import { CliError } from "./errors.js";
import type { RunnerSpec } from "./invocation.js";
import { createSimulatedAgent } from "../simulated-agent.js";

/** Real milliseconds per model millisecond of the simulated runner: a simulated agent takes ~0.1 s. @default 0.01 */
export const DEFAULT_TIME_SCALE = 0.01;

/** Largest `--output-tokens`: above any model's output limit today. */
const MAX_OUTPUT_TOKENS = 200_000;

/** The options a command was given for its runner (commander's names). */
export interface RunnerFlags {
  runner?: string | undefined;
  command?: string | undefined;
  seed?: number | undefined;
  timeScale?: number | undefined;
  outputTokens?: number | undefined;
  provider?: string | undefined;
  baseUrl?: string | undefined;
  model?: string | undefined;
}

const usage = (message: string): CliError => new CliError("usage", message);

/** Checks the runner options together (each alone was checked by the parser). */
export function runnerSpecOf(flags: RunnerFlags): RunnerSpec {
  const kind = (flags.runner ?? "simulated") as RunnerSpec["kind"];
  if (flags.command !== undefined && kind !== "command") throw usage(`--command needs --runner command (the runner is ${kind})`);
  if (kind === "command" && flags.command === undefined) throw usage('--runner command needs --command "<agent command line>"');
  if (flags.timeScale !== undefined && kind !== "simulated") throw usage(`--time-scale applies to --runner simulated only (the runner is ${kind})`);
  if (flags.outputTokens !== undefined && kind !== "simulated") throw usage(`--output-tokens applies to --runner simulated only (the runner is ${kind})`);
  // The simulated agent writes its output line by line: a bound keeps a typo from filling memory.
  if (flags.outputTokens !== undefined && flags.outputTokens > MAX_OUTPUT_TOKENS) throw usage(`--output-tokens is at most ${MAX_OUTPUT_TOKENS}, got ${flags.outputTokens}`);
  const modelFlags = [flags.provider && "--provider", flags.baseUrl && "--base-url", flags.model && "--model"].filter(Boolean);
  if (kind !== "model" && modelFlags.length > 0) throw usage(`${modelFlags.join(", ")} need${modelFlags.length === 1 ? "s" : ""} --runner model`);
  return {
    kind,
    ...(flags.command !== undefined ? { command: flags.command } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.timeScale !== undefined ? { timeScale: flags.timeScale } : {}),
    ...(flags.outputTokens !== undefined ? { outputTokens: flags.outputTokens } : {}),
    ...(kind === "model" ? { provider: flags.provider ?? "openai-compatible" } : {}),
    ...(flags.baseUrl !== undefined ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
  };
}

/** A runner, and the provider name telemetry records for it. */
export interface CreatedRunner {
  runner: AgentRunner;
  providerName?: string;
  /** Releases what the runner holds (the BullMQ runner's Redis connections) once the run settled. */
  close?: () => Promise<void>;
}

/** Makes the runner a spec names; the model runner's module is imported here and only here. */
export async function createRunner(spec: RunnerSpec): Promise<CreatedRunner> {
  switch (spec.kind) {
    case "simulated":
      return {
        runner: createSimulatedAgent({
          seed: spec.seed ?? 1,
          timeScale: spec.timeScale ?? DEFAULT_TIME_SCALE,
          ...(spec.outputTokens !== undefined ? { outputTokens: spec.outputTokens } : {}),
        }),
        providerName: "hybrid.simulated",
      };
    case "command":
      // One command line, as a shell runs it: `--command "node agent.mjs --fast"`.
      return { runner: createCommandRunner({ command: spec.command!, shell: true }) };
    case "model": {
      // Loaded here and only here: no other runner or command ever loads the AI SDK.
      const { createCliModelRunner, isModelRunnerConfigError } = await import("./model-runner.js");
      try {
        const runner = await createCliModelRunner({ provider: "openai-compatible", baseUrl: spec.baseUrl ?? "", model: spec.model ?? "" });
        return { runner, providerName: spec.provider ?? "openai-compatible" };
      } catch (error) {
        if (!isModelRunnerConfigError(error)) throw error;
        // Bad flags are bad input (exit 2); a broken install is not the user's input (exit 1). Message kept.
        const problems = error.problems.map((p) => ({ code: error.code, path: p.option, message: p.message }));
        throw new CliError("model-options", error.message, { problems, exitCode: error.code === "invalid-model-options" ? 2 : 1, cause: error });
      }
    }
  }
}
