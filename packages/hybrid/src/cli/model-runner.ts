// `--runner model`: an AI SDK model behind dispatch's model runner. The CLI imports this module
// only when that runner is asked for, and this module imports the SDK only when called, so no other
// command ever loads `ai` or a provider package.
import type { AgentRunner } from "@hybrid/dispatch";

const brand = Symbol.for("hybrid.hybrid.ModelRunnerConfigError");

/** One bad model-runner option, named as the CLI flag that set it. */
export interface ModelRunnerConfigProblem {
  option: string;
  message: string;
}

/**
 * The model runner cannot be built: `invalid-model-options` (a bad flag: the CLI exits 2), or
 * `model-sdk-missing` (the AI SDK packages are not installed next to @hybrid/hybrid).
 */
export class ModelRunnerConfigError extends Error {
  readonly code: "invalid-model-options" | "model-sdk-missing";
  readonly problems: readonly ModelRunnerConfigProblem[];
  readonly [brand] = true;

  constructor(code: ModelRunnerConfigError["code"], problems: readonly ModelRunnerConfigProblem[], cause?: unknown) {
    super([`[hybrid] cannot use --runner model:`, ...problems.map((p) => `  - ${p.option}: ${p.message}`)].join("\n"), { cause });
    this.name = "ModelRunnerConfigError";
    this.code = code;
    this.problems = problems;
  }
}

/** Whether `value` is a `ModelRunnerConfigError` (from any installed copy of this package). */
export const isModelRunnerConfigError = (value: unknown): value is ModelRunnerConfigError =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;

/** What `hybrid run --runner model` was given. */
export interface CliModelRunnerOptions {
  /** Only `openai-compatible` today: Ollama, vLLM, LM Studio, OpenAI and OpenRouter all speak it. */
  provider: "openai-compatible";
  /** The API root, with its version path: `http://localhost:11434/v1`, `https://api.openai.com/v1`. */
  baseUrl: string;
  /** The model name the server knows (`llama3.1`, `gpt-4.1-mini`, `openai/gpt-4.1`). */
  model: string;
  /** The API key. @default HYBRID_MODEL_API_KEY, else OPENAI_API_KEY, else none (local servers) */
  apiKey?: string;
  /** Where the key variables are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** System prompt before every node's prompt. @default none */
  system?: string;
  /** Most tokens generated per attempt. @default the server's default */
  maxOutputTokens?: number;
}

const nonEmpty = (value: string | undefined): string | undefined => (value !== undefined && value.trim() !== "" ? value.trim() : undefined);

/** The key: the option, else `HYBRID_MODEL_API_KEY`, else `OPENAI_API_KEY`; blank values count as unset. */
export function modelApiKey(options: Pick<CliModelRunnerOptions, "apiKey" | "env">): string | undefined {
  const env = options.env ?? process.env;
  return nonEmpty(options.apiKey) ?? nonEmpty(env.HYBRID_MODEL_API_KEY) ?? nonEmpty(env.OPENAI_API_KEY);
}

// Every problem at once, so one run shows them all. Options arrive from a parser and from code
// that may not be typed, hence the `unknown` checks.
function problemsOf(options: CliModelRunnerOptions): ModelRunnerConfigProblem[] {
  const problems: ModelRunnerConfigProblem[] = [];
  const given = options as unknown as Record<string, unknown>;
  if (given.provider !== "openai-compatible") {
    problems.push({ option: "--provider", message: `unknown provider ${JSON.stringify(given.provider)}; supported: openai-compatible` });
  }
  const example = "such as http://localhost:11434/v1 (Ollama) or https://api.openai.com/v1";
  if (typeof given.baseUrl !== "string" || given.baseUrl.trim() === "") {
    problems.push({ option: "--base-url", message: `required: the server's API root, ${example}` });
  } else {
    let url: URL | undefined;
    try {
      url = new URL(given.baseUrl);
    } catch {
      problems.push({ option: "--base-url", message: `${JSON.stringify(given.baseUrl)} is not a URL; expected an http(s) URL ${example}` });
    }
    if (url && url.protocol !== "http:" && url.protocol !== "https:") {
      problems.push({ option: "--base-url", message: `${JSON.stringify(given.baseUrl)} is not http(s); expected a URL ${example}` });
    }
  }
  if (typeof given.model !== "string" || given.model.trim() === "") {
    problems.push({ option: "--model", message: "required: the model name the server knows (llama3.1, gpt-4.1-mini, …)" });
  }
  if (given.maxOutputTokens !== undefined && !(Number.isSafeInteger(given.maxOutputTokens) && (given.maxOutputTokens as number) > 0)) {
    problems.push({ option: "--max-output-tokens", message: `expected a positive integer, got ${JSON.stringify(given.maxOutputTokens)}` });
  }
  return problems;
}

/**
 * Builds the model runner `hybrid run --runner model` uses: an OpenAI-compatible chat model with
 * usage reporting on, behind `@hybrid/dispatch`'s `createModelRunner`.
 * @throws ModelRunnerConfigError `invalid-model-options` for bad options, `model-sdk-missing` when the SDK is not installed
 * @example const runner = await createCliModelRunner({ provider: "openai-compatible", baseUrl: "http://localhost:11434/v1", model: "llama3.1" });
 */
export async function createCliModelRunner(options: CliModelRunnerOptions): Promise<AgentRunner> {
  const problems = problemsOf(options);
  if (problems.length > 0) throw new ModelRunnerConfigError("invalid-model-options", problems);
  let modules: [typeof import("@ai-sdk/openai-compatible"), typeof import("@hybrid/dispatch")];
  try {
    // `ai` too, although dispatch loads it itself: a broken install fails here, before the run
    // starts, instead of failing every node.
    const [provider, dispatch] = await Promise.all([import("@ai-sdk/openai-compatible"), import("@hybrid/dispatch"), import("ai")]);
    modules = [provider, dispatch];
  } catch (error) {
    const message = `the AI SDK is not installed (${error instanceof Error ? error.message : String(error)}); reinstall @hybrid/hybrid, which depends on ai@6 and @ai-sdk/openai-compatible@2`;
    throw new ModelRunnerConfigError("model-sdk-missing", [{ option: "--runner", message }], error);
  }
  const [{ createOpenAICompatible }, { createModelRunner }] = modules;
  const apiKey = modelApiKey(options);
  const provider = createOpenAICompatible({
    name: options.provider,
    baseURL: options.baseUrl.trim(),
    ...(apiKey !== undefined ? { apiKey } : {}),
    // Streamed replies then carry usage too: tokens come from the provider, never an estimate.
    includeUsage: true,
  });
  return createModelRunner({
    model: provider.chatModel(options.model.trim()),
    ...(options.system !== undefined ? { system: options.system } : {}),
    ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
  });
}
