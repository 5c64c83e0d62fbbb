// The CLI's `--runner model` wiring, through the real AI SDK and real HTTP to a local server.
import { startChatCompletionsServer } from "@hybrid/test-utils";
import type { ChatCompletionsServer } from "@hybrid/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCliModelRunner, isModelRunnerConfigError, modelApiKey } from "../src/cli/model-runner.js";
import type { CliModelRunnerOptions } from "../src/cli/model-runner.js";

let server: ChatCompletionsServer;
beforeAll(async () => {
  server = await startChatCompletionsServer({ usage: { prompt: 21, completion: 8 } });
});
afterAll(() => server.close());

const task = {
  runId: "r1",
  nodeId: "n1",
  agent: "writer",
  priority: "docs" as const,
  attempt: 1,
  idempotencyKey: "r1:n1",
  prompt: "summarise",
  node: { id: "n1", agent: "writer", priority: "docs" as const, scope: "s", acceptance: [], dependsOn: [] },
};
const never = new AbortController().signal;

/** Runs one call with `options` and returns the Authorization header the server saw. */
async function authorizationFor(options: Partial<CliModelRunnerOptions>): Promise<string | undefined> {
  const runner = await createCliModelRunner({ provider: "openai-compatible", baseUrl: server.url, model: "llama3.1", env: {}, ...options });
  await runner.run(task, never);
  return server.requests.at(-1)!.authorization;
}

async function configError(options: Record<string, unknown>) {
  const error = await createCliModelRunner(options as unknown as CliModelRunnerOptions).then(
    () => expect.unreachable("expected a ModelRunnerConfigError"),
    (e: unknown) => e,
  );
  expect(isModelRunnerConfigError(error)).toBe(true);
  return error as { code: string; problems: { option: string; message: string }[]; message: string };
}

describe("createCliModelRunner", () => {
  it("runs an openai-compatible model: the reply, the provider's tokens, system and max tokens sent", async () => {
    const runner = await createCliModelRunner({ provider: "openai-compatible", baseUrl: `${server.url}/`, model: " llama3.1 ", system: "be brief", maxOutputTokens: 99, env: {} });
    expect(await runner.run(task, never)).toEqual({ output: "echo: summarise", tokens: { input: 21, output: 8 } });
    const request = server.requests.at(-1)!;
    expect(request).toMatchObject({ path: "/v1/chat/completions", model: "llama3.1", body: expect.objectContaining({ max_tokens: 99 }) });
    expect(request.messages[0]).toEqual({ role: "system", content: "be brief" });
  });

  it("takes the key from the option, else HYBRID_MODEL_API_KEY, else OPENAI_API_KEY, else sends none", async () => {
    const env = { HYBRID_MODEL_API_KEY: "sk-hybrid", OPENAI_API_KEY: "sk-openai" };
    expect(await authorizationFor({ apiKey: "sk-option", env })).toBe("Bearer sk-option");
    expect(await authorizationFor({ env })).toBe("Bearer sk-hybrid");
    expect(await authorizationFor({ env: { OPENAI_API_KEY: "sk-openai", HYBRID_MODEL_API_KEY: "  " } })).toBe("Bearer sk-openai");
    expect(await authorizationFor({ env: {} })).toBeUndefined();
    expect(modelApiKey({ apiKey: "", env: { OPENAI_API_KEY: "sk-openai" } })).toBe("sk-openai");
  });

  it("reads process.env when no env is given", () => {
    const saved = process.env.HYBRID_MODEL_API_KEY;
    process.env.HYBRID_MODEL_API_KEY = "sk-from-process";
    try {
      expect(modelApiKey({})).toBe("sk-from-process");
    } finally {
      if (saved === undefined) delete process.env.HYBRID_MODEL_API_KEY;
      else process.env.HYBRID_MODEL_API_KEY = saved;
    }
  });

  it("refuses a bad base URL with a coded error naming the flag", async () => {
    for (const baseUrl of ["localhost:11434/v1 with spaces", "ftp://example.com/v1", "not a url", "", undefined]) {
      const error = await configError({ provider: "openai-compatible", baseUrl, model: "m" });
      expect(error.code).toBe("invalid-model-options");
      expect(error.problems).toEqual([{ option: "--base-url", message: expect.stringMatching(/http:\/\/localhost:11434\/v1/) }]);
      expect(error.message).toMatch(/^\[hybrid\] cannot use --runner model:\n {2}- --base-url: /);
    }
  });

  it("reports every bad option at once: provider, model, max output tokens", async () => {
    const error = await configError({ provider: "anthropic", baseUrl: server.url, model: " ", maxOutputTokens: 0 });
    expect(error.problems.map((p) => p.option)).toEqual(["--provider", "--model", "--max-output-tokens"]);
    expect(error.problems[0]!.message).toBe('unknown provider "anthropic"; supported: openai-compatible');
  });

  it("a server that refuses the key fails the attempt permanently (HTTP 401), once", async () => {
    server.failNext({ kind: "status", status: 401, message: "invalid api key" });
    const before = server.requests.length;
    const runner = await createCliModelRunner({ provider: "openai-compatible", baseUrl: server.url, model: "m", apiKey: "sk-wrong" });
    await expect(runner.run(task, never)).rejects.toMatchObject({ code: "model-call-failed", status: 401, transient: false });
    expect(server.requests.length - before).toBe(1);
  });
});
