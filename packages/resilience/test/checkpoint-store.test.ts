import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testCheckpointStore } from "@hybrid/test-utils";
import { createFileCheckpointStore, createMemoryCheckpointStore } from "@hybrid/resilience";

testCheckpointStore({
  name: "memory",
  create: () => {
    const store = createMemoryCheckpointStore();
    return { open: () => store };
  },
});

testCheckpointStore({
  name: "file",
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), "hybrid-resilience-contract-"));
    return {
      open: () => createFileCheckpointStore({ dir, redact: (text) => text }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});
