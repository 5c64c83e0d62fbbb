import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InMemoryProvider } from "@openfeature/server-sdk";
import type { Client } from "@openfeature/server-sdk";
import { describe, expect, it } from "vitest";
import { loadConfig, type LoadedConfig } from "../src/config.js";
import { HybridConfigSchema } from "../src/config-schema.js";
import { createFlagReader } from "../src/flags.js";
import { scriptedProvider, tempDir } from "./rollout-fixtures.js";

const provider = (flags: Record<string, boolean>) =>
  new InMemoryProvider(Object.fromEntries(Object.entries(flags).map(([key, value]) => [key, { variants: { v: value }, defaultVariant: "v", disabled: false }])));

async function setup(text = "flags: { hybrid_orchestration_enabled: true }\n") {
  const dir = await tempDir();
  const file = join(dir, "hybrid.config.yaml");
  await writeFile(file, text);
  const stateDir = join(dir, "state");
  await mkdir(stateDir);
  return { dir, file, stateDir };
}

describe("createFlagReader", () => {
  it("turns a run sequential within one wave when the kill switch is thrown in the environment", async () => {
    const { file } = await setup();
    const env: Record<string, string> = {};
    const reader = createFlagReader(await loadConfig({ file, env }));
    const modes: string[] = [];
    for (let wave = 0; wave < 5; wave++) {
      const { flags } = await reader.read(); // the wave boundary
      modes.push(flags.kill_switch ? "sequential" : "hybrid");
      if (wave === 1) env.HYBRID_KILL_SWITCH = "true"; // thrown while wave 1 runs
    }
    expect(modes).toEqual(["hybrid", "hybrid", "sequential", "sequential", "sequential"]);
    const { sources } = await reader.read();
    expect(sources.get("flags.kill_switch")).toEqual({ kind: "env", variable: "HYBRID_KILL_SWITCH" });
    expect([...sources.keys()].every((key) => key.startsWith("flags."))).toBe(true);
  });

  it("re-reads the environment and the provider, not the file", async () => {
    const { file } = await setup();
    const env: Record<string, string> = { HYBRID_PARALLEL_GRAPH_ENABLED: "false" };
    const flags = provider({ memory_hierarchy_enabled: false });
    const reader = createFlagReader(await loadConfig({ file, env, provider: flags }));
    expect((await reader.read()).flags).toEqual({ hybrid_orchestration_enabled: true, parallel_graph_enabled: false, memory_hierarchy_enabled: false, kill_switch: false });
    await writeFile(file, "flags: { hybrid_orchestration_enabled: false }\n");
    delete env.HYBRID_PARALLEL_GRAPH_ENABLED;
    flags.putConfiguration({ kill_switch: { variants: { on: true }, defaultVariant: "on", disabled: false } });
    const now = await reader.read();
    expect(now.flags).toEqual({ hybrid_orchestration_enabled: true, parallel_graph_enabled: true, memory_hierarchy_enabled: true, kill_switch: true });
    expect(now.sources.get("flags.hybrid_orchestration_enabled")).toMatchObject({ kind: "file", file });
    expect(now.sources.get("flags.kill_switch")).toEqual({ kind: "provider", flag: "kill_switch", provider: "in-memory" });
    expect(now.sources.get("flags.memory_hierarchy_enabled")).toEqual({ kind: "default" });
    expect(now.warnings).toEqual([]);
  });

  it("re-reads the kill switch the rollout guard writes into the state directory", async () => {
    const { file, stateDir } = await setup();
    const reader = createFlagReader(await loadConfig({ file, env: {}, stateDir }));
    expect((await reader.read()).flags.kill_switch).toBe(false);
    const killSwitch = { at: 5, reason: "success-rate trigger tripped", trigger: "success-rate" };
    await writeFile(join(stateDir, "rollout.json"), JSON.stringify({ v: 1, stage: 5, since: 0, history: [], killSwitch }));
    const read = await reader.read();
    expect(read.flags.kill_switch).toBe(true);
    expect(read.sources.get("flags.kill_switch")).toEqual({ kind: "state", file: join(stateDir, "rollout.json") });
  });

  it("never throws on a hiccup: keeps each layer's last good value and warns", async () => {
    const { file, stateDir } = await setup();
    await writeFile(join(stateDir, "rollout.json"), JSON.stringify({ v: 1, stage: 5, since: 0, history: [], killSwitch: { at: 1, reason: "r" } }));
    const env: Record<string, string> = { HYBRID_MEMORY_HIERARCHY_ENABLED: "0" };
    let healthy = true;
    const flaky = scriptedProvider("flaky", async (flag) => {
      if (!healthy) throw new Error("flag service 503 (token=sk-live-abc)");
      return flag === "parallel_graph_enabled" ? { value: false } : { value: false, errorCode: "FLAG_NOT_FOUND" as never };
    });
    const seen: string[] = [];
    const redact = (text: string) => text.replace(/sk-live-\w+/g, "[REDACTED]");
    const loaded = await loadConfig({ file, env, stateDir, provider: flaky, redact });
    const reader = createFlagReader(loaded, { onWarning: (warning) => seen.push(warning) });
    const good = await reader.read();
    expect(good.flags).toEqual({ hybrid_orchestration_enabled: true, parallel_graph_enabled: false, memory_hierarchy_enabled: false, kill_switch: true });
    expect(good.warnings).toEqual([]);

    healthy = false;
    env.HYBRID_MEMORY_HIERARCHY_ENABLED = "maybe";
    await writeFile(join(stateDir, "rollout.json"), "{ torn");
    const bad = await reader.read();
    expect(bad.flags).toEqual(good.flags);
    expect(bad.sources).toEqual(good.sources);
    expect(bad.warnings).toHaveLength(1 + 1 + 4);
    expect(bad.warnings.filter((w) => w.startsWith("[hybrid] rollout state:"))).toHaveLength(1);
    expect(bad.warnings).toContain('[hybrid] HYBRID_MEMORY_HIERARCHY_ENABLED: expected true, false, 1 or 0, got "maybe"; its last good value is kept');
    expect(bad.warnings.filter((w) => w.startsWith("[hybrid] flag provider:"))).toHaveLength(4);
    expect(bad.warnings.join("\n")).toContain("[REDACTED]");
    expect(bad.warnings.join("\n")).not.toContain("sk-live-abc");
    expect(seen).toEqual(bad.warnings);

    // Recovered: the provider no longer defines parallel_graph_enabled, so the layers below decide.
    healthy = true;
    env.HYBRID_MEMORY_HIERARCHY_ENABLED = "";
    await writeFile(join(stateDir, "rollout.json"), JSON.stringify({ v: 1, stage: 5, since: 0, history: [] }));
    const recovered = await reader.read();
    expect(recovered.flags).toEqual({ hybrid_orchestration_enabled: true, parallel_graph_enabled: false, memory_hierarchy_enabled: true, kill_switch: false });
    expect(recovered.warnings).toEqual([]);
  });

  it("keeps the last good values when the provider hangs past the timeout", async () => {
    const { file } = await setup();
    let hang = false;
    const answer = (flag: string) => (flag === "rollout_percentage" ? { value: 0, errorCode: "FLAG_NOT_FOUND" as never } : { value: flag === "kill_switch" });
    const slow = scriptedProvider("slow", (flag) => (hang ? new Promise(() => undefined) : Promise.resolve(answer(flag))));
    const reader = createFlagReader(await loadConfig({ file, env: {}, provider: slow }), { timeoutMs: 20 });
    expect((await reader.read()).flags.kill_switch).toBe(true);
    hang = true;
    const read = await reader.read();
    expect(read.flags.kill_switch).toBe(true);
    expect(read.warnings).toEqual(Array(4).fill(expect.stringMatching(/no answer within 20 ms; its last good value is kept$/)));
  });

  it("works from a config made in code, with its own env and state dir", async () => {
    const { stateDir } = await setup();
    const config = HybridConfigSchema.parse({ flags: { hybrid_orchestration_enabled: true } });
    const handMade: LoadedConfig = { config, sources: new Map(), file: undefined, stateDir, state: undefined, warnings: [] };
    const env: Record<string, string> = {};
    const reader = createFlagReader(handMade, { env });
    const first = await reader.read();
    expect(first.flags.hybrid_orchestration_enabled).toBe(true);
    expect(first.sources.get("flags.hybrid_orchestration_enabled")).toEqual({ kind: "default" });
    env.HYBRID_ORCHESTRATION_ENABLED = "0";
    expect((await reader.read()).flags.hybrid_orchestration_enabled).toBe(false);
    await writeFile(join(stateDir, "rollout.json"), JSON.stringify({ v: 1, stage: 0, since: 0, history: [], killSwitch: { at: 1, reason: "r" } }));
    expect((await reader.read()).flags.kill_switch).toBe(true);
  });

  it("reads process.env by default, and survives a client that breaks its contract", async () => {
    const config = HybridConfigSchema.parse({});
    const odd = { getBooleanDetails: () => Promise.resolve({ value: true }) } as unknown as Client;
    const reader = createFlagReader({ config, sources: new Map(), file: undefined, stateDir: undefined, state: undefined, warnings: [] }, { provider: odd });
    process.env.HYBRID_KILL_SWITCH = "1";
    try {
      const read = await reader.read();
      expect(read.flags.kill_switch).toBe(true);
      expect(read.warnings).toEqual([expect.stringMatching(/^\[hybrid\] reading the flags failed: .*; the last good values are kept$/)]);
    } finally {
      delete process.env.HYBRID_KILL_SWITCH;
    }
  });

  it("rejects bad options", () => {
    const config = HybridConfigSchema.parse({});
    expect(() => createFlagReader({ config, sources: new Map(), file: undefined, stateDir: undefined, state: undefined, warnings: [] }, { timeoutMs: 0 })).toThrow();
  });
});
