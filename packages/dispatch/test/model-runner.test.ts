// The model runner through the real AI SDK (openai-compatible provider) and real HTTP to a local
// chat-completions server: nothing of the SDK or of fetch is mocked.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { classifyError, createMemoryCheckpointStore } from "@hybrid/resilience";
import { startChatCompletionsServer, testAgentRunner, thrown } from "@hybrid/test-utils";
import type { ChatCompletionsServer, ChatCompletionsServerOptions } from "@hybrid/test-utils";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createDispatchController } from "../src/controller.js";
import { isDispatchOptionsError, isOutputTooLargeError } from "../src/errors.js";
import { isModelCallError, isModelResponseError, isModelUsageMissingError } from "../src/model-runner-errors.js";
import { createModelRunner } from "../src/model-runner.js";
import type { ModelRunnerOptions } from "../src/model-runner.js";
import type { AgentTask } from "../src/runner.js";
import { agentTask, node, planOf } from "./helpers.js";

const servers: ChatCompletionsServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(options: ChatCompletionsServerOptions = {}): Promise<ChatCompletionsServer> {
  const server = await startChatCompletionsServer(options);
  servers.push(server);
  return server;
}

/** A runner on `server` as the CLI builds one: openai-compatible, usage asked for in streams. */
function runnerOn(server: ChatCompletionsServer, options: Omit<ModelRunnerOptions, "model"> = {}, modelId = "test-model") {
  const provider = createOpenAICompatible({ name: "local", baseURL: server.url, apiKey: "sk-test-key", includeUsage: true });
  return createModelRunner({ model: provider.chatModel(modelId), ...options });
}

const task = (extra: Partial<AgentTask> = {}): AgentTask => agentTask({ prompt: "write the plan", ...extra });
const never = new AbortController().signal;
const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => expect.unreachable("expected a rejection"), (e: unknown) => e);
/** Resolves "closed" when the server saw the client close the connection, else "open" after `ms`. */
const closedWithin = (closed: Promise<void>, ms = 5000): Promise<string> =>
  Promise.race([closed.then(() => "closed"), new Promise<string>((resolve) => setTimeout(() => resolve("open"), ms))]);

describe("createModelRunner: replies and usage", () => {
  it("sends the system and node prompts and returns the reply with the provider's usage", async () => {
    const server = await serve({ usage: { prompt: 123, completion: 45 } });
    const runner = runnerOn(server, { system: "you are terse", maxOutputTokens: 64 });
    expect(await runner.run(task(), never)).toEqual({ output: "echo: write the plan", tokens: { input: 123, output: 45 } });
    const [request] = server.requests;
    expect(request).toMatchObject({ path: "/v1/chat/completions", authorization: "Bearer sk-test-key", model: "test-model", stream: false });
    expect(request!.messages).toEqual([
      { role: "system", content: "you are terse" },
      { role: "user", content: "write the plan" },
    ]);
    expect(request!.body).toMatchObject({ max_tokens: 64 });
  });

  it("streams (SSE) when asked, with the usage chunk the provider requested", async () => {
    const server = await serve({ usage: { prompt: 9, completion: 30 }, chunkChars: 3 });
    const runner = runnerOn(server, { stream: true });
    expect(await runner.run(task({ prompt: "a longer prompt, many chunks" }), never)).toEqual({
      output: "echo: a longer prompt, many chunks",
      tokens: { input: 9, output: 30 },
    });
    expect(server.requests[0]).toMatchObject({ stream: true, body: expect.objectContaining({ stream_options: { include_usage: true } }) });
  });

  it("fails the node when the provider reports no usage (plain or streamed), or records unknown tokens when allowed", async () => {
    const server = await serve({ fault: () => ({ kind: "no-usage" }) });
    for (const stream of [false, true]) {
      const error = await rejection(runnerOn(server, { stream }).run(task(), never));
      expect(isModelUsageMissingError(error)).toBe(true);
      expect(classifyError(error)).toBe("permanent");
      expect((error as Error).message).toMatch(/reported no token usage.*allowMissingUsage/);
      expect(await runnerOn(server, { stream, allowMissingUsage: true }).run(task(), never)).toEqual({ output: "echo: write the plan" });
    }
  });

  it("refuses options without a language model, naming the path", () => {
    const error = thrown(() => createModelRunner({ model: "gpt-4.1" as never }));
    expect(isDispatchOptionsError(error)).toBe(true);
    expect((error as Error).message).toMatch(/model: expected an AI SDK LanguageModel/);
    expect(isDispatchOptionsError(thrown(() => createModelRunner({ model: { provider: "p", modelId: "m" } as never })))).toBe(true);
  });
});

describe("createModelRunner: failures", () => {
  it("429 is transient and records the retry-after; the SDK does not retry on its own", async () => {
    const server = await serve();
    server.failNext({ kind: "status", status: 429, retryAfterSec: 2, message: "slow down" });
    const error = await rejection(runnerOn(server).run(task(), never));
    expect(isModelCallError(error)).toBe(true);
    expect(error).toMatchObject({ code: "model-call-failed", status: 429, transient: true, retryAfterMs: 2000 });
    expect(classifyError(error)).toBe("transient");
    expect((error as Error).message).toMatch(/HTTP 429 \(transient, the provider asked to retry after 2000ms\): slow down/);
    expect(server.requests).toHaveLength(1);
  });

  it("reads retry-after-ms, and retry-after as an HTTP date; ignores one it cannot read", async () => {
    const server = await serve();
    const cases: [Record<string, string>, (ms: number | undefined) => boolean][] = [
      [{ "retry-after-ms": "1500" }, (ms) => ms === 1500],
      [{ "retry-after": new Date(Date.now() + 30_000).toUTCString() }, (ms) => ms !== undefined && ms > 25_000 && ms <= 30_000],
      [{ "retry-after": "soon" }, (ms) => ms === undefined],
    ];
    for (const [headers, expected] of cases) {
      server.failNext({ kind: "status", status: 503, headers });
      const error = (await rejection(runnerOn(server).run(task(), never))) as { retryAfterMs?: number };
      expect(expected(error.retryAfterMs)).toBe(true);
    }
  });

  it("a provider's own error: a socket failure in its cause chain is transient, anything else permanent", async () => {
    const server = await serve();
    const real = createOpenAICompatible({ name: "local", baseURL: server.url }).chatModel("m");
    // A provider implementation of our own (not a mock of the SDK): it fails as a custom provider might.
    const failing = (error: Error) => ({ specificationVersion: real.specificationVersion, provider: "custom", modelId: "m", supportedUrls: {}, doGenerate: () => Promise.reject(error), doStream: () => Promise.reject(error) });
    const reset = new Error("request failed", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    const flaky = await rejection(createModelRunner({ model: failing(reset) }).run(task(), never));
    expect(flaky).toMatchObject({ code: "model-call-failed", model: "custom/m", status: undefined, transient: true, cause: reset });
    const broken = await rejection(createModelRunner({ model: failing(new Error("bad adapter")) }).run(task(), never));
    expect(broken).toMatchObject({ code: "model-call-failed", transient: false });
    expect(classifyError(broken)).toBe("permanent");
  });

  it("5xx, 408 and 409 are transient; other 4xx are permanent", async () => {
    const server = await serve();
    for (const [status, kind] of [[500, "transient"], [503, "transient"], [408, "transient"], [409, "transient"], [400, "permanent"], [401, "permanent"], [404, "permanent"], [422, "permanent"]] as const) {
      server.failNext({ kind: "status", status });
      const error = await rejection(runnerOn(server).run(task(), never));
      expect(error).toMatchObject({ code: "model-call-failed", status, transient: kind === "transient" });
      expect(classifyError(error)).toBe(kind);
    }
    expect(server.requests).toHaveLength(8);
  });

  it("a malformed JSON reply (plain or streamed) is a permanent ModelResponseError", async () => {
    const server = await serve();
    for (const stream of [false, true]) {
      server.failNext({ kind: "malformed" });
      const error = await rejection(runnerOn(server, { stream }).run(task(), never));
      expect(isModelResponseError(error)).toBe(true);
      expect(error).toMatchObject({ code: "model-response-invalid", transient: false });
      expect(classifyError(error)).toBe("permanent");
    }
  });

  it("a server that is not there is a transient failure with no status", async () => {
    const server = await serve();
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const error = await rejection(runnerOn(server).run(task(), never));
    expect(error).toMatchObject({ code: "model-call-failed", status: undefined, transient: true });
  });

  it("hostile huge output (10 MB): OutputTooLargeError; streamed, the request is cut as it arrives", async () => {
    const server = await serve();
    server.failNext({ kind: "huge", bytes: 10_000_000 });
    const plain = await rejection(runnerOn(server, { maxOutputBytes: 1024 * 1024 }).run(task(), never));
    expect(isOutputTooLargeError(plain)).toBe(true);
    expect((plain as Error).message).toMatch(/exceeded 1048576 bytes/);

    server.failNext({ kind: "huge", bytes: 10_000_000 });
    const streamed = await rejection(runnerOn(server, { stream: true, maxOutputBytes: 1024 * 1024 }).run(task(), never));
    expect(isOutputTooLargeError(streamed)).toBe(true);
    expect(classifyError(streamed)).toBe("permanent");
    expect(await closedWithin(server.requests[1]!.clientClosed)).toBe("closed");
  });
});

describe("createModelRunner: cancellation", () => {
  for (const stream of [false, true]) {
    it(`an abort cancels the HTTP request (${stream ? "streamed" : "plain"}): the server sees the connection close`, async () => {
      const server = await serve({ fault: () => ({ kind: "hang" }) });
      const controller = new AbortController();
      const running = runnerOn(server, { stream }).run(task(), controller.signal);
      while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const reason = new Error("stop");
      controller.abort(reason);
      expect(await rejection(running)).toBe(reason);
      expect(await closedWithin(server.requests[0]!.clientClosed)).toBe("closed");
    });
  }

  it("rejects with the reason without calling the provider when the signal is already aborted", async () => {
    const server = await serve();
    const reason = new Error("already");
    expect(await rejection(runnerOn(server).run(task(), AbortSignal.abort(reason)))).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });
});

describe("createModelRunner under dispatch", () => {
  const noSleep = async (): Promise<void> => {};

  it("429 then success: dispatch's retry policy waits the provider's retry-after and retries, the node succeeds with the provider's tokens", async () => {
    const server = await serve({ usage: { prompt: 50, completion: 20 } });
    server.failNext({ kind: "status", status: 429, retryAfterSec: 1 });
    const slept: number[] = [];
    const sleep = async (ms: number): Promise<void> => void slept.push(ms);
    const controller = createDispatchController({ sleep, resilience: { retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 5_000 }, timeoutMs: 10_000 } });
    const store = createMemoryCheckpointStore();
    const result = await controller.run(planOf([node("plan")]), { runner: runnerOn(server), store, runId: "model-429" });
    expect(result.outcomes.plan).toMatchObject({ status: "succeeded", attempts: 2, tokens: { input: 50, output: 20 } });
    const { events } = await store.read("model-429");
    // Backoff alone would draw from [0, 0]: the wait is the provider's second, journaled as such.
    expect(events.find((e) => e.type === "node.retrying")).toMatchObject({ attempt: 1, delayMs: 1_000, error: { code: "model-call-failed" } });
    expect(slept).toContain(1_000);
    expect(server.requests.map((r) => r.handledAs)).toEqual(["429", "200"]);
  });

  it("a 500 on every attempt ends as transient-exhausted; a 401 fails at once", async () => {
    const server = await serve({ fault: (request) => ({ kind: "status", status: request.model === "unauthorized" ? 401 : 500 }) });
    const controller = createDispatchController({ sleep: noSleep, resilience: { retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 10_000 } });
    const busy = await controller.run(planOf([node("a")]), { runner: runnerOn(server) });
    expect(busy.outcomes.a).toMatchObject({ status: "failed", category: "transient-exhausted", attempts: 2 });
    const denied = await controller.run(planOf([node("b")]), { runner: runnerOn(server, {}, "unauthorized") });
    expect(denied.outcomes.b).toMatchObject({ status: "failed", category: "permanent", attempts: 1, error: { code: "model-call-failed" } });
  });

  it("a hang past the timeout: dispatch's timeout aborts the request, the server sees the socket close", async () => {
    const server = await serve({ fault: () => ({ kind: "hang" }) });
    const controller = createDispatchController({ resilience: { retry: { maxAttempts: 1 }, timeoutMs: 60_000 } });
    const result = await controller.run(planOf([node("slow", [], { timeoutMs: 300 })]), { runner: runnerOn(server) });
    expect(result.outcomes.slow).toMatchObject({ status: "failed", category: "timeout" });
    expect(await closedWithin(server.requests[0]!.clientClosed)).toBe("closed");
  });
});

// The shared AgentRunner contract. A model sees only the prompt, so that is what its echo shows;
// the scenario travels as the model id, which the server reads.
let contractServer: Promise<ChatCompletionsServer> | undefined;
afterAll(async () => (await contractServer)?.close());
testAgentRunner({
  name: "model",
  echoes: ["prompt"],
  create: async (scenario) => {
    contractServer ??= startChatCompletionsServer({
      fault: (request) => (request.model === "hang" ? { kind: "hang" } : request.model === "fail" ? { kind: "status", status: 400 } : undefined),
    });
    return runnerOn(await contractServer, {}, scenario);
  },
});
