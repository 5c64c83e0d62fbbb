// `ai` loads only when a model runner runs: a child process records, through a module loader hook,
// every module it loads from the `ai` package, before and after a real call.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { startChatCompletionsServer } from "@hybrid/test-utils";
import { expect, it } from "vitest";

const run = promisify(execFile);
const dispatchDir = fileURLToPath(new URL("..", import.meta.url));

// Runs in the loader thread: appends the URL of every module of the `ai` package (pnpm's store path
// or a flat node_modules) to the probe file, synchronously, before the module is evaluated.
const HOOK = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  // AI_BLOCK: as if \`ai\` were not installed.
  if (process.env.AI_BLOCK === "1" && specifier === "ai") throw Object.assign(new Error("Cannot find package 'ai'"), { code: "ERR_MODULE_NOT_FOUND" });
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (/\\/node_modules\\/ai\\//.test(url)) appendFileSync(process.env.AI_PROBE_FILE, url + "\\n");
  return next(url, context);
}`;

const CHILD = `import { existsSync, readFileSync } from "node:fs";
const loaded = () => (existsSync(process.env.AI_PROBE_FILE) ? readFileSync(process.env.AI_PROBE_FILE, "utf8").split("\\n").filter(Boolean) : []);
const dispatch = await import("@hybrid/dispatch");
const { createOpenAICompatible } = await import("@ai-sdk/openai-compatible");
const model = createOpenAICompatible({ name: "local", baseURL: process.env.BASE_URL, includeUsage: true }).chatModel("m");
const runner = dispatch.createModelRunner({ model });
const afterImport = loaded();
const task = { runId: "r", nodeId: "n", agent: "a", priority: "docs", attempt: 1, idempotencyKey: "k", prompt: "hi", node: { id: "n", agent: "a", priority: "docs", scope: "s", acceptance: [], dependsOn: [] } };
let result, error;
try {
  result = await runner.run(task, new AbortController().signal);
} catch (e) {
  error = { code: e.code, transient: e.transient, message: e.message, missing: dispatch.isModelSdkMissingError(e) };
}
console.log(JSON.stringify({ exports: Object.keys(dispatch).length, afterImport, afterRun: loaded(), result, error }));`;

interface Report {
  exports: number;
  afterImport: string[];
  afterRun: string[];
  result?: unknown;
  error?: { code: string; transient: boolean; message: string; missing: boolean };
}

/** Runs the child with the probe hook (and \`ai\` made unresolvable when \`block\`); returns its report. */
async function probeChild(block: boolean): Promise<Report> {
  const dir = await mkdtemp(join(tmpdir(), "hybrid-ai-lazy-"));
  const server = await startChatCompletionsServer();
  try {
    await writeFile(join(dir, "hook.mjs"), HOOK);
    await writeFile(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hook.mjs")).href)});\n`);
    // The child resolves packages from dispatch's folder, on source (tsx), as the tests do.
    const { stdout } = await run(
      process.execPath,
      ["--conditions=@hybrid/source", "--import", "tsx", "--import", pathToFileURL(join(dir, "register.mjs")).href, "--input-type=module", "-e", CHILD],
      { cwd: dispatchDir, env: { ...process.env, AI_PROBE_FILE: join(dir, "probe.txt"), AI_BLOCK: block ? "1" : "0", BASE_URL: server.url, NODE_NO_WARNINGS: "1" } },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as Report;
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

it("importing @hybrid/dispatch and creating a model runner loads nothing of `ai`; the first run() does", async () => {
  const report = await probeChild(false);
  expect(report.exports).toBeGreaterThan(10);
  expect(report.afterImport).toEqual([]);
  // The hook does see `ai` when it loads: the empty list above is not a blind probe.
  expect(report.afterRun.some((url) => /\/node_modules\/ai\/dist\/index\.mjs$/.test(url))).toBe(true);
  expect(report.result).toEqual({ output: "echo: hi", tokens: { input: 11, output: 7 } });
}, 30_000);

it("without `ai` installed, dispatch still imports, and a model run fails permanently saying what to install", async () => {
  const report = await probeChild(true);
  expect(report.exports).toBeGreaterThan(10);
  expect(report.error).toMatchObject({ code: "model-sdk-missing", transient: false, missing: true, message: expect.stringMatching(/install ai@6/) });
}, 30_000);
