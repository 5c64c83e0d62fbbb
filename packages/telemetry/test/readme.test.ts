// The README's example is code a newcomer pastes: it must run as written.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("runs the example as written and records a redacted, valid run", async () => {
    const example = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(example).not.toContain('controller.on("event"');
    // Inside the package, so that the example's imports resolve like a user's would.
    const file = fileURLToPath(new URL(`../readme-example.${process.pid}.tmp.ts`, import.meta.url));
    await writeFile(file, example!);
    await rm(`${repo}.hybrid/readme`, { recursive: true, force: true });
    try {
      const { code, out, err } = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--conditions=@hybrid/source", "--import", "tsx", file], { cwd: repo });
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, out, err }));
      });
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(out).toMatch(/token_input: [1-9]\d*/);
      expect(out).toContain("Verdict: INSUFFICIENT DATA"); // one hybrid run proves nothing
      const lines = readFileSync(`${repo}.hybrid/readme/runs.jsonl`, "utf8").trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ schemaVersion: 1, mode: "hybrid", status: "succeeded", workflowId: "hybrid-epic-7" });
    } finally {
      await rm(file, { force: true });
      await rm(`${repo}.hybrid/readme`, { recursive: true, force: true });
    }
  });
});
