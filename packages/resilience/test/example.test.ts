// examples/resilience-only.ts runs as its header says, and shows what it claims: an in-flight node
// resumed with its key, outputs reused only while their ancestors are current, and a post-mortem.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const example = fileURLToPath(new URL("../../../examples/resilience-only.ts", import.meta.url));

describe("examples/resilience-only.ts", () => {
  it("runs, resumes an in-flight node with its key, re-runs what a changed spec invalidates, and explains the failure", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=@hybrid/source", "--import", "tsx", example], { timeout: 60_000 });
    expect(stdout).toContain("resume: reuse [design,build], run [docs#2 in-flight (key example-run:docs:o1:1)], failed [lint]");
    expect(stdout).toContain("resume: reuse [design], run [build#3 changed,docs#3 changed], failed [lint]");
    expect(stdout).toContain("## Post-mortem: run `example-run` — failed");
    expect(stdout).toContain("config [secret] not found");
    expect(stdout).not.toContain("sk-abc123");
  });
});
