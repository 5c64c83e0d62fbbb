import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InMemoryProvider, OpenFeature } from "@openfeature/server-sdk";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { CONFIG_ENV_VARIABLES } from "../src/config-env.js";
import { isConfigError, type ConfigError } from "../src/config-errors.js";
import { formatConfigSource } from "../src/config-layers.js";
import { HybridConfigSchema } from "../src/config-schema.js";
import { isRolloutStateError } from "../src/rollout-errors.js";
import { listing, rejection, scriptedProvider, tempDir } from "./rollout-fixtures.js";

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await rejection(promise);
  if (!isConfigError(error)) throw error;
  return error;
}

async function withFile(text: string, name = "hybrid.config.yaml"): Promise<{ dir: string; file: string }> {
  const dir = await tempDir();
  const file = join(dir, name);
  await writeFile(file, text);
  return { dir, file };
}

const flagsProvider = (flags: Record<string, boolean | number>) =>
  new InMemoryProvider(Object.fromEntries(Object.entries(flags).map(([key, value]) => [key, { variants: { v: value }, defaultVariant: "v", disabled: false }])));

describe("loadConfig: the file", () => {
  it("is stage 0 with every default when there is no file, and says so per leaf", async () => {
    const cwd = await tempDir();
    const loaded = await loadConfig({ cwd, env: {} });
    expect(loaded.config).toEqual(HybridConfigSchema.parse({}));
    expect(loaded.config.flags.hybrid_orchestration_enabled).toBe(false);
    expect(loaded.file).toBeUndefined();
    expect(loaded.sources.get("flags.kill_switch")).toEqual({ kind: "default" });
    // Empty mappings and nulls are leaves too, so every knob has a source.
    expect(loaded.sources.get("concurrency.caps")).toEqual({ kind: "default" });
    expect(loaded.sources.get("escalation.issue")).toEqual({ kind: "default" });
    expect([...loaded.sources.values()].every((source) => source.kind === "default")).toBe(true);
  });

  it("reads ./hybrid.config.yaml when it exists, with the line and column of every value", async () => {
    const { dir } = await withFile(
      ["# comment", "flags:", "  hybrid_orchestration_enabled: true", "concurrency:", "  caps: { security: 2 }", "rollout:", "  exclude: [billing]"].join("\n"),
    );
    const loaded = await loadConfig({ cwd: dir, env: {} });
    const file = join(dir, "hybrid.config.yaml");
    expect(loaded.file).toBe(file);
    expect(loaded.config.flags.hybrid_orchestration_enabled).toBe(true);
    expect(loaded.config.concurrency.caps).toEqual({ security: 2 });
    expect(loaded.sources.get("flags.hybrid_orchestration_enabled")).toEqual({ kind: "file", file, line: 3, column: 33 });
    expect(loaded.sources.get("concurrency.caps.security")).toEqual({ kind: "file", file, line: 5, column: 21 });
    expect(loaded.sources.get("rollout.exclude")).toEqual({ kind: "file", file, line: 7, column: 12 });
    expect(loaded.sources.get("flags.kill_switch")).toEqual({ kind: "default" });
  });

  it("reads JSON too, and treats an empty file as every default", async () => {
    const json = await withFile('{\n  "rollout": { "percentage": 5 }\n}\n', "config.json");
    const loaded = await loadConfig({ file: json.file, env: {} });
    expect(loaded.config.rollout.percentage).toBe(5);
    expect(loaded.sources.get("rollout.percentage")).toMatchObject({ kind: "file", line: 2, column: 30 });
    const empty = await withFile("# nothing yet\n");
    expect((await loadConfig({ file: empty.file, env: {} })).config).toEqual(HybridConfigSchema.parse({}));
  });

  it("refuses a named file that does not exist (config-not-found), unlike the optional default", async () => {
    const dir = await tempDir();
    const error = await configError(loadConfig({ file: join(dir, "missing.yaml"), env: {} }));
    expect(error.code).toBe("config-not-found");
    expect(error.message).toMatch(/^\[hybrid\] invalid configuration .*missing\.yaml/);
  });

  it("names the key and the line of an unknown key, with a did-you-mean", async () => {
    const { file } = await withFile(["flagz: {}", "concurrency:", "  max_parallel: 8", "  maxParalel: 8", "gates:", "  G1: { enabeld: false }", "context: { zzz: 1 }"].join("\n"));
    const error = await configError(loadConfig({ file, env: {} }));
    expect(error.code).toBe("invalid-config");
    const byPath = new Map(error.problems.map((p) => [p.path, p]));
    expect(byPath.get("flagz")).toMatchObject({ message: 'unknown key "flagz" (did you mean "flags"?)', file, line: 1, column: 1 });
    expect(byPath.get("concurrency.max_parallel")).toMatchObject({ message: 'unknown key "max_parallel" (did you mean "maxParallel"?)', line: 3, column: 3 });
    expect(byPath.get("concurrency.maxParalel")).toMatchObject({ message: 'unknown key "maxParalel" (did you mean "maxParallel"?)', line: 4, column: 3 });
    expect(byPath.get("gates.G1.enabeld")).toMatchObject({ message: 'unknown key "enabeld" (did you mean "enabled"?)', line: 6, column: 9 });
    expect(byPath.get("context.zzz")?.message).toBe('unknown key "zzz" (known keys: hardCap, maxL2Comments, encoding)');
    expect(error.problems).toHaveLength(5);
  });

  it("explains wrong values with what was expected and what was found", async () => {
    const { file } = await withFile(
      ["rollout:", "  percentage: 150", "  by: workflw", "concurrency:", "  maxParallel: eight", "  caps: { securty: 1 }", "context: { encoding: cl100k }", "github: { baseUrl: not-a-url }", "flags: true", "escalation: { owner: '' }"].join("\n"),
    );
    const error = await configError(loadConfig({ file, env: {} }));
    const messages = Object.fromEntries(error.problems.map((p) => [p.path, `${p.line}:${p.column} ${p.message}`]));
    expect(messages).toEqual({
      "rollout.percentage": "2:15 must be at most 100, got number 150",
      "rollout.by": '3:7 "workflw" is not allowed; expected one of "workflow", "taskType" (did you mean "workflow"?)',
      "concurrency.maxParallel": '5:16 expected a number, got "eight"',
      "concurrency.caps.securty": '6:11 unknown key "securty" (did you mean "security"?)',
      "context.encoding": '7:22 "cl100k" is not allowed; expected one of "cl100k_base", "o200k_base" (did you mean "cl100k_base"?)',
      "github.baseUrl": '8:20 "not-a-url" is not a valid url',
      flags: "9:8 expected a mapping, got boolean true",
      "escalation.owner": "10:22 must not be empty",
    });
  });

  it("reports YAML syntax errors, non-mappings, alias bombs, oversized and unreadable files", async () => {
    const syntax = await withFile("flags:\n  kill_switch: true\n  kill_switch: false\n");
    expect((await configError(loadConfig({ file: syntax.file, env: {} }))).problems[0]).toMatchObject({ line: 3, column: 3 });
    const list = await withFile("- a\n- b\n");
    expect((await configError(loadConfig({ file: list.file, env: {} }))).problems[0]!.message).toMatch(/must be a mapping/);
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]", "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]", "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]"];
    const bombFile = await withFile(bomb.join("\n"));
    expect((await configError(loadConfig({ file: bombFile.file, env: {} }))).problems[0]!.message).toMatch(/cannot read the document/);
    const big = await withFile(`# ${"x".repeat(1024 * 1024)}\n`);
    expect((await configError(loadConfig({ file: big.file, env: {} }))).problems[0]!.message).toMatch(/more than the 1048576/);
    const dir = await tempDir();
    await mkdir(join(dir, "hybrid.config.yaml"));
    const unreadable = await configError(loadConfig({ cwd: dir, env: {} }));
    expect(unreadable.problems[0]!.message).toMatch(/cannot be read/);
    expect(unreadable.file).toBe(join(dir, "hybrid.config.yaml"));
  });

  it("changes nothing on disk", async () => {
    const { dir, file } = await withFile("flags: { hybrid_orchestration_enabled: true }\n");
    const state = join(dir, "state");
    await mkdir(state);
    const before = await listing(dir);
    await loadConfig({ file, env: { HYBRID_KILL_SWITCH: "1" }, stateDir: state, provider: flagsProvider({ kill_switch: false }) });
    expect(await listing(dir)).toEqual(before);
  });

  it("rejects bad options with a ConfigError naming the option", async () => {
    const error = await configError(loadConfig({ file: "", providerTimeoutMs: -1, provider: {} as never }));
    expect(error.problems.map((p) => p.path).sort()).toEqual(["options.file", "options.provider", "options.providerTimeoutMs"]);
  });
});

describe("loadConfig: the environment", () => {
  it("overrides every documented knob, naming the variable as the source", async () => {
    const cwd = await tempDir();
    const env = {
      HYBRID_ORCHESTRATION_ENABLED: "true",
      HYBRID_PARALLEL_GRAPH_ENABLED: "0",
      HYBRID_MEMORY_HIERARCHY_ENABLED: "FALSE",
      HYBRID_KILL_SWITCH: " 1 ",
      HYBRID_ROLLOUT_PERCENTAGE: "25",
      HYBRID_ROLLOUT_SALT: "pepper",
      HYBRID_ROLLOUT_BY: "taskType",
      HYBRID_ROLLOUT_ELIGIBLE_TASK_TYPES: "feature, bugfix,",
      HYBRID_ROLLOUT_EXCLUDE: "billing",
      MAX_PARALLEL_AGENTS: "8",
      HYBRID_MAX_PER_WAVE: "3",
      HYBRID_HARD_CAP: "12000",
      MAX_L2_COMMENTS: "20",
      HYBRID_TOKEN_ENCODING: "o200k_base",
      HYBRID_TIMEOUT_MS: "1000",
      HYBRID_MAX_ATTEMPTS: "5",
      HYBRID_GITHUB_ENABLED: "true",
      HYBRID_ESCALATION_OWNER: "octo-team",
    };
    expect(Object.keys(env).sort()).toEqual(CONFIG_ENV_VARIABLES.map((v) => v.variable).sort());
    const { config, sources } = await loadConfig({ cwd, env });
    expect(config.flags).toEqual({ hybrid_orchestration_enabled: true, parallel_graph_enabled: false, memory_hierarchy_enabled: false, kill_switch: true });
    expect(config.rollout).toMatchObject({ percentage: 25, salt: "pepper", by: "taskType", eligibleTaskTypes: ["feature", "bugfix"], exclude: ["billing"] });
    expect(config.concurrency).toMatchObject({ maxParallel: 8, maxPerWave: 3 });
    expect(config.context).toEqual({ hardCap: 12000, maxL2Comments: 20, encoding: "o200k_base" });
    expect(config.resilience).toMatchObject({ timeoutMs: 1000, retry: { maxAttempts: 5 } });
    expect(config.github.enabled).toBe(true);
    expect(config.escalation.owner).toBe("octo-team");
    for (const { variable, keys } of CONFIG_ENV_VARIABLES) expect(sources.get(keys.join(".")), variable).toEqual({ kind: "env", variable });
  });

  it("treats an empty variable as unset", async () => {
    const { file } = await withFile("concurrency: { maxParallel: 6 }\n");
    const { config, sources } = await loadConfig({ file, env: { MAX_PARALLEL_AGENTS: "  ", HYBRID_KILL_SWITCH: "" } });
    expect(config.concurrency.maxParallel).toBe(6);
    expect(sources.get("concurrency.maxParallel")?.kind).toBe("file");
  });

  it("refuses a value it cannot read, naming the variable, together with the file's problems", async () => {
    const { file } = await withFile("rollout: { percentage: 101 }\n");
    const env = { HYBRID_KILL_SWITCH: "yes", MAX_PARALLEL_AGENTS: "1e3", HYBRID_ROLLOUT_BY: "team", HYBRID_ROLLOUT_PERCENTAGE: "150" };
    const error = await configError(loadConfig({ file, env }));
    expect(error.problems).toEqual([
      { path: "rollout.percentage", message: "must be at most 100, got number 101", file, line: 1, column: 24 },
      { path: "flags.kill_switch", message: 'expected true, false, 1 or 0, got "yes"', variable: "HYBRID_KILL_SWITCH" },
      { path: "concurrency.maxParallel", message: 'expected a whole number, got "1e3"', variable: "MAX_PARALLEL_AGENTS" },
      { path: "rollout.percentage", message: "must be at most 100, got number 150", variable: "HYBRID_ROLLOUT_PERCENTAGE" },
      { path: "rollout.by", message: '"team" is not allowed; expected one of "workflow", "taskType"', variable: "HYBRID_ROLLOUT_BY" },
    ]);
    expect(error.message).toContain('HYBRID_KILL_SWITCH flags.kill_switch: expected true, false, 1 or 0, got "yes"');
  });

  it("reads process.env when no env is given", async () => {
    const cwd = await tempDir();
    process.env.HYBRID_HARD_CAP = "777";
    try {
      expect((await loadConfig({ cwd })).config.context.hardCap).toBe(777);
    } finally {
      delete process.env.HYBRID_HARD_CAP;
    }
  });
});

describe("loadConfig: layers", () => {
  it("applies defaults < file < rollout state < env < provider, per leaf", async () => {
    const { dir, file } = await withFile(["flags: { hybrid_orchestration_enabled: false, parallel_graph_enabled: false }", "rollout: { percentage: 50, salt: file-salt }", "concurrency: { maxParallel: 2 }"].join("\n"));
    const stateDir = join(dir, "state");
    await mkdir(stateDir);
    await writeFile(join(stateDir, "rollout.json"), JSON.stringify({ v: 1, stage: 5, since: 0, history: [] }));
    const env = { HYBRID_ORCHESTRATION_ENABLED: "true", HYBRID_PARALLEL_GRAPH_ENABLED: "true", HYBRID_ROLLOUT_PERCENTAGE: "25", MAX_PARALLEL_AGENTS: "3" };
    const withoutProvider = await loadConfig({ file, env, stateDir });
    expect(withoutProvider.config.rollout.percentage).toBe(25);
    expect(withoutProvider.state).toEqual({ v: 1, stage: 5, since: 0, history: [] });
    const provider = flagsProvider({ hybrid_orchestration_enabled: false, rollout_percentage: 100 });
    const { config, sources } = await loadConfig({ file, env, stateDir, provider });
    expect(config.flags.hybrid_orchestration_enabled).toBe(false);
    expect(sources.get("flags.hybrid_orchestration_enabled")).toEqual({ kind: "provider", flag: "hybrid_orchestration_enabled", provider: "in-memory" });
    expect(config.rollout.percentage).toBe(100);
    expect(sources.get("rollout.percentage")).toEqual({ kind: "provider", flag: "rollout_percentage", provider: "in-memory" });
    expect(config.flags.parallel_graph_enabled).toBe(true);
    expect(sources.get("flags.parallel_graph_enabled")).toEqual({ kind: "env", variable: "HYBRID_PARALLEL_GRAPH_ENABLED" });
    expect(config.rollout.salt).toBe("file-salt");
    expect(config.concurrency.maxParallel).toBe(3);
    expect(sources.get("flags.memory_hierarchy_enabled")).toEqual({ kind: "default" });
    // Without env, the state's stage wins over the file's percentage.
    const stateOnly = await loadConfig({ file, env: {}, stateDir });
    expect(stateOnly.config.rollout.percentage).toBe(5);
    expect(stateOnly.sources.get("rollout.percentage")).toEqual({ kind: "state", file: join(stateDir, "rollout.json") });
  });

  it("lets an OpenFeature provider override the file", async () => {
    const { file } = await withFile("flags: { hybrid_orchestration_enabled: true, memory_hierarchy_enabled: true }\n");
    const { config, sources, warnings } = await loadConfig({ file, env: {}, provider: flagsProvider({ memory_hierarchy_enabled: false }) });
    expect(config.flags).toMatchObject({ hybrid_orchestration_enabled: true, memory_hierarchy_enabled: false });
    expect(sources.get("flags.hybrid_orchestration_enabled")?.kind).toBe("file");
    expect(formatConfigSource(sources.get("flags.memory_hierarchy_enabled")!)).toBe("provider in-memory (memory_hierarchy_enabled)");
    expect(warnings).toEqual([]);
  });

  it("accepts an OpenFeature client as well as a provider", async () => {
    const cwd = await tempDir();
    await OpenFeature.setProviderAndWait("config-test-client", flagsProvider({ kill_switch: true }));
    const { config, sources } = await loadConfig({ cwd, env: {}, provider: OpenFeature.getClient("config-test-client") });
    expect(config.flags.kill_switch).toBe(true);
    expect(sources.get("flags.kill_switch")?.kind).toBe("provider");
  });

  it("keeps the kill switch on once any layer engages it (a latch), with a warning", async () => {
    const { dir, file } = await withFile("flags: { kill_switch: true }\n");
    const latched = await loadConfig({ file, env: { HYBRID_KILL_SWITCH: "false" }, provider: flagsProvider({ kill_switch: false }) });
    expect(latched.config.flags.kill_switch).toBe(true);
    expect(latched.sources.get("flags.kill_switch")).toMatchObject({ kind: "file", line: 1 });
    expect(latched.warnings).toEqual([
      `[hybrid] env HYBRID_KILL_SWITCH says kill_switch=false, but the kill switch stays on: it was engaged by file ${file}:1:23`,
      `[hybrid] provider in-memory (kill_switch) says kill_switch=false, but the kill switch stays on: it was engaged by file ${file}:1:23`,
    ]);
    const stateDir = join(dir, "state");
    await mkdir(stateDir);
    const killSwitch = { at: 1, reason: "gate-bypass trigger tripped", trigger: "gate-bypass", incident: "incidents/x.json" };
    await writeFile(join(stateDir, "rollout.json"), JSON.stringify({ v: 1, stage: 25, since: 0, history: [], killSwitch }));
    const { config, sources } = await loadConfig({ cwd: dir, env: { HYBRID_KILL_SWITCH: "0" }, stateDir: "state" });
    expect(config.flags.kill_switch).toBe(true);
    expect(sources.get("flags.kill_switch")).toEqual({ kind: "state", file: join(stateDir, "rollout.json") });
  });

  it("uses the layers below a provider that fails, hangs, lacks or disables a flag, with warnings", async () => {
    const { file } = await withFile("flags: { hybrid_orchestration_enabled: true }\n");
    const flaky = scriptedProvider("flaky", async (flag) => {
      if (flag === "kill_switch") throw new Error("backend down at https://user:hunter2@flags.example.com");
      if (flag === "parallel_graph_enabled") return { value: true, reason: "DISABLED" };
      if (flag === "rollout_percentage") return { value: 5 };
      return { value: false, errorCode: "FLAG_NOT_FOUND" as never };
    });
    const redact = (text: string) => text.replace(/hunter2/g, "[REDACTED]");
    const loaded = await loadConfig({ file, env: {}, provider: flaky, redact });
    expect(loaded.config.flags).toMatchObject({ hybrid_orchestration_enabled: true, kill_switch: false, parallel_graph_enabled: true });
    expect(loaded.sources.get("flags.parallel_graph_enabled")).toEqual({ kind: "default" });
    expect(loaded.config.rollout.percentage).toBe(5);
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toMatch(/^\[hybrid\] flag provider: kill_switch: GENERAL: .*backend down/);
    expect(loaded.warnings[0]).toContain("[REDACTED]");
    expect(loaded.warnings[0]).not.toContain("hunter2");

    const hung = scriptedProvider("hung", () => new Promise(() => undefined));
    const slow = await loadConfig({ file, env: {}, provider: hung, providerTimeoutMs: 20 });
    expect(slow.config.flags.hybrid_orchestration_enabled).toBe(true);
    expect(slow.warnings).toHaveLength(5);
    expect(slow.warnings[0]).toMatch(/no answer within 20 ms/);
  });

  it("refuses a provider value outside the schema, naming the flag", async () => {
    const cwd = await tempDir();
    const error = await configError(loadConfig({ cwd, env: {}, provider: flagsProvider({ rollout_percentage: 150 }) }));
    expect(error.problems).toEqual([{ path: "rollout.percentage", message: "must be at most 100, got number 150", flag: "rollout_percentage" }]);
    expect(error.message).toContain("flag rollout_percentage rollout.percentage");
  });

  it("refuses a rollout state it cannot trust", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "rollout.json"), JSON.stringify({ v: 2, stage: 5 }));
    const future = await loadConfig({ cwd: dir, env: {}, stateDir: dir }).catch((e: unknown) => e);
    expect(isRolloutStateError(future) && future.problems).toEqual([{ path: "v", message: expect.stringMatching(/version 2 is not one this package reads/) }]);
    await writeFile(join(dir, "rollout.json"), "{ torn");
    const torn = await loadConfig({ cwd: dir, env: {}, stateDir: dir }).catch((e: unknown) => e);
    expect(isRolloutStateError(torn) && torn.problems[0]!.message).toMatch(/^not JSON/);
    await writeFile(join(dir, "rollout.json"), JSON.stringify({ v: 1, stage: 7, since: 0, history: [] }));
    const badStage = await loadConfig({ cwd: dir, env: {}, stateDir: dir }).catch((e: unknown) => e);
    expect(isRolloutStateError(badStage) && badStage.problems.map((p) => p.path)).toEqual(["stage"]);
    expect(isRolloutStateError(badStage) && badStage.code).toBe("invalid-rollout-state");
  });
});

describe("the documentation", () => {
  const example = fileURLToPath(new URL("../hybrid.config.example.yaml", import.meta.url));
  const docs = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url));

  it("ships an example file that loads, holds every knob and says every default", async () => {
    const { config, sources } = await loadConfig({ file: example, env: {} });
    const retry = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 30_000 };
    const breaker = { consecutiveFailures: 5, halfOpenAfterMs: 30_000 };
    const defaults = HybridConfigSchema.parse({});
    expect(config).toEqual({ ...defaults, resilience: { ...defaults.resilience, retry, breaker } });
    expect([...sources].filter(([, source]) => source.kind !== "file")).toEqual([]);
    const text = await readFile(example, "utf8");
    for (const { variable } of CONFIG_ENV_VARIABLES) expect(text, variable).toContain(variable);
  });

  it("documents every key and every environment variable in docs/configuration.md", async () => {
    const text = await readFile(docs, "utf8");
    const { sources } = await loadConfig({ file: example, env: {} });
    const keys = [...sources.keys()].filter((key) => !key.startsWith("rollout.dwellHours."));
    for (const key of keys) expect(text, key).toContain(`\`${key}\``);
    for (const { variable } of CONFIG_ENV_VARIABLES) expect(text, variable).toContain(`\`${variable}\``);
    expect(text).toContain("`rollout.dwellHours`");
  });
});
