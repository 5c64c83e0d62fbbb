import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const script = fileURLToPath(new URL("../hybrid-only.ts", import.meta.url));

describe("examples/hybrid-only.ts", () => {
  it("shows the orchestrator used from code in under 30 lines, and runs the epic in hybrid mode", async () => {
    const lines = (await readFile(script, "utf8")).trimEnd().split("\n");
    expect(lines.length).toBeLessThan(30);
    await rm(`${root}/.hybrid/hybrid-only`, { recursive: true, force: true });
    const { stdout } = await run(process.execPath, ["--conditions=@hybrid/source", "--import", "tsx", script], { cwd: root, env: { ...process.env, NODE_NO_WARNINGS: "1" } });
    expect(stdout).toMatch(/: hybrid \(hybrid\) succeeded/);
    expect(stdout).toMatch(/gates: 123 evaluated, 0 not passed/);
  }, 60_000);
});
