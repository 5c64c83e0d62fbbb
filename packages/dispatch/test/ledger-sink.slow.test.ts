import { describe, it } from "vitest";
import { tempDir } from "./helpers.js";
import { checkConcurrentWriters } from "./ledger-writers.js";

describe("createLedgerSink across processes (slow)", () => {
  it("4 processes × 50 records into one ledger: each key exactly once, none lost", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await checkConcurrentWriters(dir, 4, 50);
    } finally {
      await cleanup();
    }
  });
});
