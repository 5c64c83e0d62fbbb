import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isRolloutStateError } from "../src/rollout-errors.js";
import { readRolloutState, redactedJson, writeRolloutState, type RolloutState } from "../src/rollout-state.js";
import { tempDir } from "./rollout-fixtures.js";

const state: RolloutState = { v: 1, stage: 25, since: 10, history: [{ at: 10, event: "advance", from: 5, to: 25, reason: "token sk-abc" }] };

describe("the rollout state file", () => {
  it("round-trips, redacting every string value (keys and numbers untouched)", async () => {
    const dir = await tempDir();
    expect(await readRolloutState(dir)).toBeUndefined();
    await writeRolloutState(dir, state, (text) => text.replace(/sk-\w+/g, "[REDACTED]"));
    const text = await readFile(join(dir, "rollout.json"), "utf8");
    expect(JSON.parse(text)).toEqual({ ...state, history: [{ ...state.history[0], reason: "token [REDACTED]" }] });
    expect(text.endsWith("}\n")).toBe(true);
    expect(await readRolloutState(dir)).toEqual(JSON.parse(text));
    expect(redactedJson({ event: "advance", n: 1, list: ["a"] }, (t) => t.toUpperCase())).toBe('{\n  "event": "ADVANCE",\n  "n": 1,\n  "list": [\n    "A"\n  ]\n}\n');
  });

  it("creates the state directory, and refuses to write an invalid state", async () => {
    const dir = join(await tempDir(), "deep", "state");
    await writeRolloutState(dir, state, (t) => t);
    expect(await readdir(dir)).toEqual(["rollout.json"]);
    await expect(writeRolloutState(dir, { ...state, stage: 7 as never }, (t) => t)).rejects.toThrow();
    expect(JSON.parse(await readFile(join(dir, "rollout.json"), "utf8"))).toMatchObject({ stage: 25 });
  });

  it("leaves no temp file behind when the rename fails", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "rollout.json", "occupied"), { recursive: true });
    await expect(writeRolloutState(dir, state, (t) => t)).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["rollout.json"]);
  });

  it("refuses a state it cannot read: a directory, or one too large", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "rollout.json"));
    const unreadable = await readRolloutState(dir).catch((e: unknown) => e);
    expect(isRolloutStateError(unreadable) && unreadable.problems[0]!.message).toMatch(/^cannot be read/);
    expect(isRolloutStateError(unreadable) && unreadable.message).toMatch(/^\[hybrid\] rollout state .*rollout\.json cannot be used:\n {2}- \(document\): cannot be read/);
    const big = await tempDir();
    await writeFile(join(big, "rollout.json"), " ".repeat(4 * 1024 * 1024 + 1));
    const tooLarge = await readRolloutState(big).catch((e: unknown) => e);
    expect(isRolloutStateError(tooLarge) && tooLarge.problems).toEqual([{ path: "", message: "larger than 4194304 bytes" }]);
    expect(isRolloutStateError(new Error("x"))).toBe(false);
  });
});
