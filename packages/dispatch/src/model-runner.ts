// Types only: `ai` is loaded by the first `run()` (see loadSdk), never by importing @hybrid/dispatch.
// Its declarations import node:http, so none of them appear in our public types either.
import type { LanguageModel, LanguageModelUsage } from "ai";
import { classifyError } from "@hybrid/resilience";
import { z } from "zod";
import { OutputTooLargeError, parseOptions } from "./errors.js";
import { ModelCallError, ModelResponseError, ModelSdkMissingError, ModelUsageMissingError } from "./model-runner-errors.js";
import type { AgentResult, AgentRunner, AgentTask, TokenUsage } from "./runner.js";

type Sdk = typeof import("ai");

/**
 * A Vercel AI SDK language model (`LanguageModelV3` of `ai` 6 and its providers, or a V2 one),
 * described by the fields the runner checks: any provider's model object satisfies it, and our
 * published types stay free of the SDK's (which need @types/node).
 */
export interface ModelRunnerLanguageModel {
  readonly specificationVersion: string;
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: never): PromiseLike<unknown>;
  doStream(options: never): PromiseLike<unknown>;
}

const isLanguageModel = (value: unknown): value is ModelRunnerLanguageModel => {
  if (typeof value !== "object" || value === null) return false;
  const model = value as Record<string, unknown>;
  return (
    typeof model.specificationVersion === "string" &&
    typeof model.provider === "string" &&
    typeof model.modelId === "string" &&
    typeof model.doGenerate === "function" &&
    typeof model.doStream === "function"
  );
};

/** Options of `createModelRunner`. */
export const ModelRunnerOptionsSchema = z.strictObject({
  /** The model, from any AI SDK 6 provider (`createOpenAICompatible(…).chatModel("llama3.1")`, `openai("gpt-4.1")`, …). */
  model: z.custom<ModelRunnerLanguageModel>(isLanguageModel, "expected an AI SDK LanguageModel object (provider, modelId, doGenerate, doStream)"),
  /** System prompt sent before every node's prompt. @default undefined (none) */
  system: z.string().optional(),
  /** Most tokens the model may generate per attempt. @default undefined (the provider's default) */
  maxOutputTokens: z.number().int().positive().optional(),
  /** Sampling temperature. @default undefined (the provider's default) */
  temperature: z.number().nonnegative().optional(),
  /**
   * Stream the reply (SSE) instead of waiting for the whole body: an output over `maxOutputBytes`
   * is cut off as it arrives. Streamed usage needs the server to honour
   * `stream_options.include_usage` (the openai-compatible provider's `includeUsage: true`).
   * @default false
   */
  stream: z.boolean().default(false),
  /** Output cap in UTF-8 bytes; above it the attempt fails with `OutputTooLargeError`. @default 10485760 (10 MiB) */
  maxOutputBytes: z.number().int().positive().default(10 * 1024 * 1024),
  /**
   * What a response without token usage does: `false` fails the node (`ModelUsageMissingError`)
   * rather than record an estimate; `true` keeps the output and records its tokens as unknown.
   * @default false
   */
  allowMissingUsage: z.boolean().default(false),
  /** Extra HTTP headers on every request. @default {} */
  headers: z.record(z.string(), z.string()).default({}),
});

export type ModelRunnerOptions = z.input<typeof ModelRunnerOptionsSchema>;
type ModelConfig = z.output<typeof ModelRunnerOptionsSchema>;

let sdk: Promise<Sdk> | undefined;
/** Loads `ai` once, on first use; a failure is remembered for this process only until it is retried. */
function loadSdk(): Promise<Sdk> {
  sdk ??= import("ai").catch((error: unknown) => {
    sdk = undefined;
    throw new ModelSdkMissingError(error);
  });
  return sdk;
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** Both counts as the provider reported them, or undefined: a half-reported usage is not usage. */
function readUsage(usage: LanguageModelUsage | undefined): TokenUsage | undefined {
  return usage && isCount(usage.inputTokens) && isCount(usage.outputTokens) ? { input: usage.inputTokens, output: usage.outputTokens } : undefined;
}

/** `retry-after-ms`, else `retry-after` (seconds or an HTTP date), in milliseconds. */
function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers["retry-after-ms"] ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const after = headers["retry-after"];
  if (after === undefined) return undefined;
  const seconds = Number(after.trim());
  if (after.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** True when anything in the cause chain is a transient socket failure (a reset mid-body, say). */
function transientCause(error: unknown): boolean {
  for (let cause = error, depth = 0; typeof cause === "object" && cause !== null && depth < 8; depth++) {
    if (classifyError(cause) === "transient") return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** Translates what the SDK threw into our error kinds, so `classifyError` reads the right `transient`. */
function toRunnerError(error: unknown, ai: Sdk, model: string): unknown {
  if (error instanceof OutputTooLargeError) return error;
  if (ai.APICallError.isInstance(error)) {
    const status = error.statusCode;
    // A 2xx whose body could not be read as a completion: malformed JSON or the wrong shape.
    if (status !== undefined && status >= 200 && status < 300) return new ModelResponseError(model, error.message, error);
    if (status === undefined) {
      return new ModelCallError({ model, status, transient: error.isRetryable || transientCause(error.cause), message: error.message, cause: error });
    }
    // 408 timeout, 409 conflict (a lock held upstream), 429 rate limit and 5xx may pass; other 4xx will not.
    const transient = status === 408 || status === 409 || status === 429 || status >= 500;
    const after = transient ? retryAfterMs(error.responseHeaders) : undefined;
    return new ModelCallError({ model, status, transient, ...(after !== undefined ? { retryAfterMs: after } : {}), message: error.message, cause: error });
  }
  if (
    ai.JSONParseError.isInstance(error) ||
    ai.TypeValidationError.isInstance(error) ||
    ai.InvalidResponseDataError.isInstance(error) ||
    ai.EmptyResponseBodyError.isInstance(error) ||
    ai.NoContentGeneratedError.isInstance(error) ||
    ai.NoOutputGeneratedError.isInstance(error)
  ) {
    return new ModelResponseError(model, error.message, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ModelCallError({ model, status: undefined, transient: transientCause(error), message, cause: error });
}

/** Throws once `text` is over the cap; returns its size so far otherwise. */
function checkSize(bytes: number, limit: number): number {
  if (bytes > limit) throw new OutputTooLargeError(limit);
  return bytes;
}

async function generate(ai: Sdk, config: ModelConfig, task: AgentTask, signal: AbortSignal): Promise<{ text: string; usage: LanguageModelUsage | undefined }> {
  const result = await ai.generateText({ ...callSettings(config, task), abortSignal: signal });
  checkSize(Buffer.byteLength(result.text, "utf8"), config.maxOutputBytes);
  return { text: result.text, usage: result.totalUsage };
}

async function stream(ai: Sdk, config: ModelConfig, task: AgentTask, signal: AbortSignal): Promise<{ text: string; usage: LanguageModelUsage | undefined }> {
  // Our own controller too, so an output over the cap cancels the HTTP request as an abort would.
  const local = new AbortController();
  const result = ai.streamText({
    ...callSettings(config, task),
    abortSignal: AbortSignal.any([signal, local.signal]),
    // Errors arrive as `error` parts below; the default handler would also print them to stderr.
    onError: () => {},
  });
  const parts: string[] = [];
  let bytes = 0;
  let usage: LanguageModelUsage | undefined;
  try {
    for await (const part of result.fullStream) {
      if (part.type === "text-delta") {
        bytes = checkSize(bytes + Buffer.byteLength(part.text, "utf8"), config.maxOutputBytes);
        parts.push(part.text);
      } else if (part.type === "error") {
        throw part.error;
      } else if (part.type === "finish") {
        usage = part.totalUsage;
      }
    }
  } catch (error) {
    local.abort(error);
    throw error;
  }
  return { text: parts.join(""), usage };
}

function callSettings(config: ModelConfig, task: AgentTask) {
  return {
    model: config.model as unknown as LanguageModel,
    prompt: task.prompt,
    ...(config.system !== undefined ? { system: config.system } : {}),
    ...(config.maxOutputTokens !== undefined ? { maxOutputTokens: config.maxOutputTokens } : {}),
    ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
    // Dispatch's retry policy is the only one: it journals each attempt and owns the backoff.
    maxRetries: 0,
    headers: config.headers,
  };
}

async function runModel(config: ModelConfig, label: string, task: AgentTask, signal: AbortSignal): Promise<AgentResult> {
  signal.throwIfAborted();
  const ai = await loadSdk();
  signal.throwIfAborted();
  let reply: { text: string; usage: LanguageModelUsage | undefined };
  try {
    reply = config.stream ? await stream(ai, config, task, signal) : await generate(ai, config, task, signal);
  } catch (error) {
    // Whatever the SDK made of the cancelled request, the attempt ends with the reason it was stopped for.
    if (signal.aborted) throw signal.reason;
    throw toRunnerError(error, ai, label);
  }
  // A stream that stopped on an abort ends quietly (an `abort` part): it is still an abort.
  if (signal.aborted) throw signal.reason;
  const tokens = readUsage(reply.usage);
  if (tokens) return { output: reply.text, tokens };
  if (config.allowMissingUsage) return { output: reply.text };
  throw new ModelUsageMissingError(label);
}

/**
 * Runs each attempt as one call to a Vercel AI SDK language model: the node's prompt as the user
 * message, `system` before it. Tokens are the provider's reported usage, never an estimate; a reply
 * without usage fails the node unless `allowMissingUsage`. HTTP 408/409/429/5xx and network failures
 * are transient (`ModelCallError`, retried by dispatch's policy; the SDK's own retries are off),
 * other 4xx permanent; a malformed reply is a `ModelResponseError`; an output over
 * `maxOutputBytes` an `OutputTooLargeError`. The signal cancels the HTTP request, and the attempt
 * rejects with its reason.
 *
 * `ai` (6.x, an optional peer dependency) is imported on the first `run()`, so importing
 * `@hybrid/dispatch` never loads it.
 *
 * @example
 * const provider = createOpenAICompatible({ name: "ollama", baseURL: "http://localhost:11434/v1", includeUsage: true });
 * const runner = createModelRunner({ model: provider.chatModel("llama3.1"), maxOutputTokens: 2048 });
 */
export function createModelRunner(options: ModelRunnerOptions): AgentRunner {
  const config = parseOptions("model runner", ModelRunnerOptionsSchema, options);
  const label = `${config.model.provider}/${config.model.modelId}`;
  return {
    run: (task, signal) => runModel(config, label, task, signal),
  };
}
