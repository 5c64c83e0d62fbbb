// `hybrid run --runner model` through the built bin against a real chat-completions server on
// 127.0.0.1: the CLI's flags reach the provider, tokens come from the server's usage, the key comes
// from the environment and is never written, and `resume` reuses the saved model options.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startChatCompletionsServer } from "@hybrid/test-utils";
import type { ChatCompletionsServer } from "@hybrid/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILD_TIMEOUT_MS, buildCli, hybrid, jsonOf, tempDir } from "./fixtures/cli/cli.js";

const KEY = "sk-cli-test-0123456789abcdef";
let server: ChatCompletionsServer;

beforeAll(async () => {
  server = await startChatCompletionsServer();
  await buildCli();
}, BUILD_TIMEOUT_MS);
afterAll(() => server.close());

describe("hybrid run --runner model", { timeout: 240_000 }, () => {
  it("runs on the server with the CLI's model, the provider's token counts and the key from the environment; resume reuses the model options", async () => {
    const dir = tempDir();
    expect((await hybrid(["init"], { cwd: dir })).code).toBe(0);
    const env = { HYBRID_MODEL_API_KEY: KEY, OPENAI_API_KEY: undefined };
    // The first request is refused for good: the run fails, and is resumed without any model flag.
    server.failNext({ kind: "status", status: 400, message: "bad request" });
    const args = ["run", "workflows/example.yaml", "--runner", "model", "--provider", "openai-compatible", "--base-url", server.url, "--model", "tiny-model", "--run-id", "m1", "--json"];
    const failed = await hybrid(args, { cwd: dir, env });
    expect(failed.code, failed.stderr).toBe(1);
    expect(jsonOf(failed).nodes.design).toMatchObject({ status: "failed" });
    const saved = readFileSync(join(dir, ".hybrid/runs/m1/cli.json"), "utf8");
    expect(JSON.parse(saved).runner).toEqual({ kind: "model", provider: "openai-compatible", baseUrl: server.url, model: "tiny-model" });
    expect(saved).not.toContain(KEY);

    const before = server.requests.length;
    const resumed = await hybrid(["resume", "m1", "--retry-failed", "--json"], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const doc = jsonOf(resumed);
    expect(doc.status).toBe("succeeded");
    for (const id of ["design", "implement", "write-docs", "review"]) expect(doc.nodes[id].tokens).toEqual({ input: 11, output: 7 });
    const made = server.requests.slice(before);
    expect(made).toHaveLength(4);
    for (const request of made) {
      expect(request.model).toBe("tiny-model");
      expect(request.authorization).toBe(`Bearer ${KEY}`);
    }
  });
});
