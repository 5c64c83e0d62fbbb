import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { concurrentAppends, expectedIds } from "./store-processes.js";

describe("runs.jsonl under four writer processes", () => {
  it("4 processes × 100 appends while another reads: a separate process counts every record exactly once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hybrid-telemetry-slow-"));
    try {
      const result = await concurrentAppends(dir, 4, 100);
      expect(result.bad).toBe(0);
      expect(result.endsWithNewline).toBe(true);
      expect(result.lines).toBe(400);
      expect([...result.runIds].sort()).toEqual(expectedIds(4, 100));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
