// The pieces behind loadConfig, tested alone where loadConfig cannot reach every case.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ProviderFatalError, type Client } from "@openfeature/server-sdk";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { parseEnvValue } from "../src/config-env.js";
import { ConfigError, isConfigError } from "../src/config-errors.js";
import { parseConfigText } from "../src/config-file.js";
import { checkOverride, formatConfigSource, leaves } from "../src/config-layers.js";
import { knownKeysAt, nearestKey } from "../src/config-problems.js";
import { readProvider } from "../src/config-provider.js";
import { scriptedProvider, tempDir } from "./rollout-fixtures.js";

describe("nearestKey and knownKeysAt", () => {
  it("suggests the same key in another style, a key the word starts, or the closest typo", () => {
    expect(nearestKey("MAXPARALLEL", ["maxParallel", "caps"])).toBe("maxParallel");
    expect(nearestKey("kill-switch", ["kill_switch"])).toBe("kill_switch");
    expect(nearestKey("o200", ["cl100k_base", "o200k_base"])).toBe("o200k_base");
    expect(nearestKey("capz", ["caps", "maxPerWave"])).toBe("caps");
    expect(nearestKey("qqqq", ["caps", "maxPerWave"])).toBeUndefined();
    expect(nearestKey("x".repeat(65), ["x".repeat(64)])).toBeUndefined();
    // Two keys at the same distance: the first known one.
    expect(nearestKey("G11", ["G1", "G10"])).toBe("G1");
  });

  it("knows the keys of objects and of enum-keyed records, and nothing below a leaf", () => {
    expect(knownKeysAt([])).toEqual(["flags", "rollout", "concurrency", "context", "resilience", "escalation", "github", "gates"]);
    expect(knownKeysAt(["concurrency", "caps"])).toEqual(["security", "architecture", "implementation", "docs"]);
    expect(knownKeysAt(["gates", "G3"])).toEqual(["enabled"]);
    expect(knownKeysAt(["escalation", "issue"])).toEqual(["owner", "repo", "number"]);
    expect(knownKeysAt(["rollout", "dwellHours"])).toEqual([]);
    expect(knownKeysAt(["rollout", "exclude", 0])).toEqual([]);
    expect(knownKeysAt(["flags", "kill_switch", "deeper"])).toEqual([]);
    expect(knownKeysAt(["nope"])).toEqual([]);
  });
});

describe("the config file's problems", () => {
  it("locates values inside lists and behind aliases, and says what was found", async () => {
    const text = [
      "defaults: &d { maxParallel: 1.5 }",
      "concurrency: *d",
      "rollout:",
      "  exclude: [ok, '']",
      "  salt: null",
      "  eligibleTaskTypes: { a: 1 }",
      "context: { hardCap: -1, maxL2Comments: [1] }",
      "escalation: { issue: { owner: o, number: 1 } }",
      `github: { tokenEnv: 7, authors: "${"a".repeat(50)}" }`,
    ].join("\n");
    const dir = await tempDir();
    await writeFile(join(dir, "hybrid.config.yaml"), text);
    const error = await loadConfig({ cwd: dir, env: {} }).catch((e: unknown) => e);
    if (!isConfigError(error)) throw error;
    const messages = Object.fromEntries(error.problems.map((p) => [p.path, `${p.line}:${p.column} ${p.message}`]));
    expect(messages).toEqual({
      defaults: '1:1 unknown key "defaults" (known keys: flags, rollout, concurrency, context, resilience, escalation, github, gates)',
      "concurrency.maxParallel": "1:29 expected a whole number, got number 1.5",
      "rollout.exclude[1]": "4:17 must not be empty",
      "rollout.salt": "5:9 expected a string, got null",
      "rollout.eligibleTaskTypes": "6:22 expected a list, got a mapping",
      "context.hardCap": "7:21 must be at least 0, got number -1",
      "context.maxL2Comments": "7:40 expected a number, got a list",
      "escalation.issue.repo": "8:22 required (expected a string)",
      "github.tokenEnv": "9:21 expected a string, got number 7",
      "github.authors": "9:33 expected a list, got a string",
    });
  });

  it("locates a key path that leaves the document at its nearest ancestor", () => {
    const parsed = parseConfigText("flags:\n  kill_switch: true\nlist: [a]\n", "x.yaml");
    if (!parsed.ok) throw new Error("expected a parse");
    expect(parsed.config.locate(["flags", "nope"])).toEqual({ line: 2, column: 3 });
    expect(parsed.config.locate(["list", 5])).toEqual({ line: 3, column: 7 });
    expect(parsed.config.locate(["flags", "kill_switch", "deeper"])).toEqual({ line: 2, column: 16 });
    expect(parsed.config.locate(["flags", "kill_switch"], true)).toEqual({ line: 2, column: 3 });
  });

  it("shows at most 20 problems in the message and counts the rest", () => {
    const problems = Array.from({ length: 25 }, (_, i) => ({ path: `k${i}`, message: "bad", line: i + 1 }));
    const error = new ConfigError([{ path: "", message: "whole" }, ...problems]);
    expect(error.message.split("\n")).toHaveLength(1 + 20 + 1);
    expect(error.message).toContain("  - (document): whole");
    expect(error.message).toContain("  - 1:1 k0: bad");
    expect(error.message).toMatch(/… and 6 more$/);
    expect(isConfigError(error) && error.file).toBeUndefined();
    expect(isConfigError(new Error("no"))).toBe(false);
    expect(isConfigError(null)).toBe(false);
  });
});

describe("layers", () => {
  it("treats lists, nulls and empty mappings as leaves", () => {
    expect(leaves({ a: { b: [1], c: null, d: {} }, e: 1 })).toEqual([["a", "b"], ["a", "c"], ["a", "d"], ["e"]]);
  });

  it("reports a bad override against its own origin", () => {
    const state = { kind: "state" as const, file: "s/rollout.json" };
    expect(checkOverride({ keys: ["rollout", "percentage"], value: -1, source: state })).toEqual([
      { path: "rollout.percentage", message: "must be at least 0, got number -1", file: "s/rollout.json" },
    ]);
    expect(checkOverride({ keys: ["rollout", "percentage"], value: 1, source: state })).toEqual([]);
  });

  it("formats every kind of source", () => {
    expect(formatConfigSource({ kind: "default" })).toBe("default");
    expect(formatConfigSource({ kind: "file", file: "h.yaml" })).toBe("file h.yaml");
    expect(formatConfigSource({ kind: "file", file: "h.yaml", line: 2, column: 5 })).toBe("file h.yaml:2:5");
    expect(formatConfigSource({ kind: "state", file: "s/rollout.json" })).toBe("state s/rollout.json");
    expect(formatConfigSource({ kind: "env", variable: "HYBRID_KILL_SWITCH" })).toBe("env HYBRID_KILL_SWITCH");
  });

  it("reads environment values strictly", () => {
    expect(parseEnvValue("boolean", "True")).toEqual({ ok: true, value: true });
    expect(parseEnvValue("boolean", "on")).toEqual({ ok: false, message: 'expected true, false, 1 or 0, got "on"' });
    expect(parseEnvValue("integer", "0x10")).toMatchObject({ ok: false });
    expect(parseEnvValue("integer", "25%")).toMatchObject({ ok: false });
    expect(parseEnvValue("integer", "007")).toEqual({ ok: true, value: 7 });
    expect(parseEnvValue("list", " a ,, b ")).toEqual({ ok: true, value: ["a", "b"] });
  });
});

describe("readProvider", () => {
  it("turns a client that throws into failures, never a throw", async () => {
    const client = {
      metadata: { providerMetadata: { name: "odd" } },
      getBooleanDetails: () => Promise.reject(new Error("boom")),
      getNumberDetails: () => {
        throw new Error("sync boom");
      },
    } as unknown as Client;
    const read = await readProvider(client, () => false, { timeoutMs: 1000 }).catch((e: unknown) => e);
    // A synchronous throw escapes the client contract: loadConfig reports it as a plain error.
    expect(read).toBeInstanceOf(Error);
    const asyncOnly = { ...client, getNumberDetails: () => Promise.reject(new Error("later")) } as unknown as Client;
    const answered = await readProvider(asyncOnly, () => 0, { timeoutMs: 1000 });
    expect(answered.overrides).toEqual([]);
    expect(answered.failures.map((f) => f.message)).toEqual(Array(5).fill(expect.stringMatching(/^GENERAL: Error: (boom|later)$/)));
  });

  it("reports a provider whose initialisation failed fatally on every flag, and one never ready as not ready", async () => {
    const initialize = () => Promise.reject(new ProviderFatalError("no credentials"));
    const broken = { ...scriptedProvider("broken", async () => ({ value: true })), initialize };
    const read = await readProvider(broken, () => false, { timeoutMs: 1000 });
    expect(read.overrides).toEqual([]);
    expect(read.failures).toHaveLength(5);
    expect(read.failures[0]!.message).toMatch(/^PROVIDER_FATAL/);
    const stuck = { ...scriptedProvider("stuck", async () => ({ value: true })), initialize: () => new Promise<void>(() => undefined) };
    const never = await readProvider(stuck, () => false, { timeoutMs: 20 });
    expect(never.failures.map((f) => f.message)).toEqual(Array(5).fill("the provider was not ready within 20 ms"));
  });
});
