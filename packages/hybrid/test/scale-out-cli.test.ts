// The scale-out options of the CLI, without a Redis: bad ones exit 2 before anything is written;
// and bullmq and ioredis load only in distributed mode: a module loader hook in the CLI's process
// records every module it loads from either package. A local `hybrid run` loads none; importing
// the adapter (the positive control, so the probe is known to see them) loads both.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { beforeAll, expect, it } from "vitest";
import { redact } from "@hybrid/context";
import { freePort } from "@hybrid/test-utils";
import { loadInvocation, saveInvocation } from "../src/cli/invocation.js";
import { BIN, BUILD_TIMEOUT_MS, buildCli, hybrid, listing, REPO, tempDir } from "./fixtures/cli/cli.js";

const run = promisify(execFile);

const HOOK = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  if (/\\/node_modules\\/(bullmq|ioredis)\\//.test(url)) appendFileSync(process.env.QUEUE_PROBE_FILE, url + "\\n");
  return next(url, context);
}`;

let dir: string;
let probe: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  await buildCli();
  dir = tempDir("hybrid-queue-lazy-");
  probe = join(dir, "loaded.txt");
  writeFileSync(join(dir, "hook.mjs"), HOOK);
  writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hook.mjs")).href)});\n`);
  env = { ...process.env, CI: "1", QUEUE_PROBE_FILE: probe };
}, BUILD_TIMEOUT_MS);

const loaded = (): string[] => (existsSync(probe) ? readFileSync(probe, "utf8").split("\n").filter(Boolean) : []);

it("a local hybrid run loads neither bullmq nor ioredis; the adapter's entry point loads both", async () => {
  const workflow = join(REPO, "examples/workflows/hybrid-epic.yaml");
  const local = await run(process.execPath, ["--import", join(dir, "register.mjs"), BIN, "run", workflow, "--mode", "hybrid", "--state-dir", join(dir, "state"), "--repo-root", join(REPO, "examples/repo"), "--time-scale", "0"], { cwd: dir, env });
  expect(local.stdout).toMatch(/succeeded/);
  expect(loaded()).toEqual([]);

  await run(process.execPath, ["--import", join(dir, "register.mjs"), "--input-type=module", "-e", `await import("@hybrid/dispatch/bullmq");`], { cwd: join(REPO, "packages/hybrid"), env });
  expect(loaded().some((url) => url.includes("/node_modules/bullmq/"))).toBe(true);
  expect(loaded().some((url) => url.includes("/node_modules/ioredis/"))).toBe(true);
});

it("refuses bad scale-out options with exit 2 and says why, writing nothing", async () => {
  const workflow = join(REPO, "examples/workflows/hybrid-epic.yaml");
  const state = join(dir, "untouched");
  const cases: Array<[string[], RegExp]> = [
    [["run", workflow, "--redis", "redis://127.0.0.1:6379", "--runner", "command", "--command", "true"], /with --redis the workers run the agents: give --runner, --command to `hybrid worker`/],
    [["run", workflow, "--redis", "http://127.0.0.1:6379"], /--redis expects a redis:\/\/ or rediss:\/\/ URL/],
    [["run", workflow, "--queue", "q"], /--queue needs --redis <url>/],
    [["run", workflow, "--redis", "redis://127.0.0.1:6379", "--queue", "bull:evil"], /--queue expects \[A-Za-z0-9._-\]/],
    [["worker"], /hybrid worker needs --redis <url>/],
    [["worker", "--redis", "redis://127.0.0.1:6379", "--name", "a b"], /--name expects/],
    [["worker", "--redis", "redis://127.0.0.1:6379", "--concurrency", "0"], /expected an integer >= 1/],
  ];
  for (const [args, message] of cases) {
    const result = await hybrid(args[0] === "run" ? [...args, "--state-dir", state] : args, { cwd: dir });
    expect(result.code, args.join(" ")).toBe(2);
    expect(result.stderr, args.join(" ")).toMatch(message);
  }
  expect(listing(state)).toEqual(["(absent)"]);
});

it("a Redis that does not answer stops the run before it starts: exit 1, the reason, nothing written", async () => {
  const state = join(dir, "no-redis");
  const port = await freePort();
  const result = await hybrid(["run", join(REPO, "examples/workflows/hybrid-epic.yaml"), "--redis", `redis://:pw-Zq81@127.0.0.1:${port}`, "--state-dir", state], { cwd: dir });
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toMatch(new RegExp(`Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? did not answer within 10 s`));
  expect(result.stderr).not.toContain("pw-Zq81");
  expect(listing(state)).toEqual(["(absent)"]);
}, 60_000);

it("keeps a run's Redis URL for resume only when it carries no password", async () => {
  const state = join(dir, "invocations");
  const base = { v: 1 as const, workflow: "/w.yaml", mode: "hybrid" as const, runner: { kind: "simulated" as const }, repoRoot: "/" };
  await saveInvocation(state, "plain", { ...base, distributed: { redis: "redis://10.0.0.5:6379/2", queue: "q" } }, redact);
  await saveInvocation(state, "secret", { ...base, distributed: { redis: "redis://:hunter2-Zx9@10.0.0.5:6379", queue: "q" } }, redact);
  expect((await loadInvocation(state, "plain"))?.distributed).toEqual({ redis: "redis://10.0.0.5:6379/2", queue: "q" });
  expect((await loadInvocation(state, "secret"))?.distributed).toEqual({ queue: "q" });
  expect(readFileSync(join(state, "runs", "secret", "cli.json"), "utf8")).not.toContain("hunter2");
});
